"""Build the neuron dictionary that ships with FFN Lab: the model over the reading corpus
(model/lm/corpus.py, about 350,000 tokens), once, into a compact file the app reads in
well under a second; interrupted, it resumes where it was. How long it takes on this machine's two
cores is in docs/performance.md ("The neuron dictionary's build").

Run: python -m model.lm.build_dictionary  [--model KEY_OR_GGUF] [--out PATH] [--batch N] [--workers N]
(--model: a key of the model picker, e.g. gemma3-270m, or a GGUF file; the bundled SmolLM2 by default.)
Needs Debian's wordnet-base, fortunes and jargon-text (the corpus's sources); the app
itself never reads them, only the file this writes.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable, ContextManager

import torch
from tqdm import tqdm

from model.lm import corpus, gguf_loader, registry
from model.lm import neuron_dictionary as nd

SHIPPED = Path(__file__).resolve().parent / "dictionaries"


def shipped_path(model_source: Path) -> Path:
    """Where the dictionary of the model file `model_source` ships."""
    return SHIPPED / f"{model_source.stem}.npz"


def rebuilt_path(model_source: Path) -> Path:
    """Where a server that found no shipped dictionary keeps the one it built."""
    return gguf_loader.cache_dir() / f"{model_source.stem}.dictionary.npz"


def load_builtin(model_source: Path) -> nd.NeuronDictionary | None:
    """The built-in dictionary of this model file (shipped, or rebuilt earlier), or None."""
    for path in (shipped_path(model_source), rebuilt_path(model_source)):
        try:
            d = nd.NeuronDictionary.load(path)
        except (OSError, ValueError, KeyError):
            continue
        if d.model_key == nd.model_key(model_source):
            return d
    return None


def build_builtin(lm: gguf_loader.LoadedModel, out: Path | None = None, progress=None,
                  lock: ContextManager | None = None, partial: Callable[[nd.NeuronDictionary], None] | None = None,
                  partial_first: float = nd.PARTIAL_FIRST, partial_every: float = nd.PARTIAL_EVERY, batch: int = 1,
                  workers: int | None = None) -> nd.NeuronDictionary:
    """Run the model over the reading corpus and save the result; resumes an interrupted build.
    `partial` hears the dictionary of the corpus covered so far while it runs (see nd.build);
    `workers` passes run at once (default: one per core the process's torch threads leave)."""
    docs = corpus.reading_corpus()
    out = out or rebuilt_path(lm.source)
    checkpoint = gguf_loader.cache_dir() / f"{out.stem}.checkpoint.npz"
    d = nd.build(lm.model, lm.tokenizer, [doc.text for doc in docs], progress, lock, checkpoint=checkpoint,
                 sources=[doc.source for doc in docs], model_source=lm.source, partial=partial,
                 partial_first=partial_first, partial_every=partial_every, batch=batch,
                 workers=workers or default_workers())
    d.save(out)
    checkpoint.unlink(missing_ok=True)
    return d


def default_workers() -> int:
    """Passes at once: one per core that the process's torch threads leave (two on two cores with a
    server's one torch thread)."""
    return max(1, (os.cpu_count() or 1) // torch.get_num_threads())


def progress_bar(label: str, unit: str = "token") -> Callable[[int, int], None]:
    """The build's progress callback (units done, of total) as a tqdm bar with the time left."""
    bar = tqdm(desc=label, unit=unit, unit_scale=unit == "token")

    def show(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return show


def load_model(name: str | None) -> gguf_loader.LoadedModel:
    """The model to build for: a key of the model picker (registry), a GGUF file, or the bundled one."""
    if name is None:
        return gguf_loader.load()
    if name.lower().endswith(".gguf"):
        return gguf_loader.load(Path(name))
    models = registry.with_packaged(registry.entries()[0])
    entry = registry.find(name, models)
    if entry is None:
        raise gguf_loader.ModelUnavailable(f"no model {name!r}; the keys are {', '.join(m.key for m in models)}")
    path = entry.file()
    return gguf_loader.load(path) if path else gguf_loader.load()


def script_arguments(doc: str) -> argparse.ArgumentParser:
    """A build script's arguments: which model (--model) and where its file goes (--out)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", help="a model key (e.g. gemma3-270m) or a .gguf file (default: the bundled model)")
    parser.add_argument("--out", type=Path, help="where to write it (default: the shipped file)")
    return parser


def model_with_dictionary(name: str | None) -> tuple[gguf_loader.LoadedModel, nd.NeuronDictionary]:
    """The model (see load_model) and its built-in dictionary, which the explanations and the weight
    statistics are built over."""
    lm = load_model(name)
    d = load_builtin(lm.source)
    if d is None:
        raise FileNotFoundError("no dictionary of this model: run python -m model.lm.build_dictionary first")
    return lm, d


def main(argv: list[str] | None = None) -> int:
    parser = script_arguments(__doc__)
    parser.add_argument("--batch", type=int, default=1, help="windows per forward pass (default 1)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="forward passes at once, each on one torch thread (default: one per core)")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.workers < 1:
        parser.error("--batch and --workers must be at least 1")
    # passes side by side, one torch thread each: two torch threads in one pass wait for each other
    # at every matrix product, and stall whenever anything else holds a core (docs/performance.md)
    torch.set_num_threads(1)
    def build(start: float) -> str:
        lm = load_model(args.model)
        out = args.out or shipped_path(lm.source)
        d = build_builtin(lm, out, progress_bar("dictionary"), batch=args.batch, workers=args.workers)
        seconds = time.perf_counter() - start
        return (f"{d.n_tokens:,} tokens from {len(d.doc_starts):,} documents ({', '.join(d.sources)}) in "
                f"{seconds / 60:.1f} min ({d.n_tokens / seconds:,.0f} tokens/s, {args.workers} passes at once) "
                f"-> {out} ({out.stat().st_size / 2**20:.1f} MiB)")

    return run_script("build_dictionary", build)


def run_script(name: str, build: Callable[[float], str]) -> int:
    """A build script's run: `build(start time)` returns the line to print; a missing model or
    file is one line on stderr and exit status 1."""
    try:
        print(f"{name}: {build(time.perf_counter())}")
    except (FileNotFoundError, gguf_loader.ModelUnavailable) as err:
        print(f"{name}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
