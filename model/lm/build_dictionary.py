"""Build the neuron dictionary that ships with FFN Lab: the model over the reading corpus
(model/lm/corpus.py, about 300,000 tokens), once, into a compact file the app reads in
well under a second. About 35 minutes on two cores; interrupted, it resumes where it was.

Run: python -m model.lm.build_dictionary  [--out PATH]
Needs Debian's wordnet-base, fortunes and jargon-text (the corpus's sources); the app
itself never reads them, only the file this writes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, ContextManager

from tqdm import tqdm

from model.lm import corpus, gguf_loader
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
                  lock: ContextManager | None = None) -> nd.NeuronDictionary:
    """Run the model over the reading corpus and save the result; resumes an interrupted build."""
    docs = corpus.reading_corpus()
    out = out or rebuilt_path(lm.source)
    checkpoint = gguf_loader.cache_dir() / f"{out.stem}.checkpoint.npz"
    d = nd.build(lm.model, lm.tokenizer, [doc.text for doc in docs], progress, lock, checkpoint=checkpoint,
                 sources=[doc.source for doc in docs], model_source=lm.source)
    d.save(out)
    checkpoint.unlink(missing_ok=True)
    return d


def progress_bar(label: str) -> Callable[[int, int], None]:
    """The build's progress callback (tokens done, of total) as a tqdm bar with the time left."""
    bar = tqdm(desc=label, unit="token", unit_scale=True)

    def show(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where to write it (default: the shipped file)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        lm = gguf_loader.load()
        out = args.out or shipped_path(lm.source)
        d = build_builtin(lm, out, progress_bar("dictionary"))
    except (FileNotFoundError, gguf_loader.ModelUnavailable) as err:
        print(f"build_dictionary: {err}", file=sys.stderr)
        return 1
    print(f"build_dictionary: {d.n_tokens:,} tokens from {len(d.doc_starts):,} documents "
          f"({', '.join(d.sources)}) in {(time.perf_counter() - start) / 60:.1f} min -> {out} "
          f"({out.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
