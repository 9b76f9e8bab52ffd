"""Build the neuron explanations that ship with FFN Lab: every neuron in words, with held-out scores.

Explains every neuron of a bundled model (model/lm/explanations.py) over its built-in dictionary's corpus.
One pass of the model over the corpus: about half an hour on two cores; interrupted, it resumes
from its last checkpoint.

Run: python -m model.lm.build_explanations  [--model KEY_OR_GGUF] [--out PATH]
Needs the model's dictionary (shipped, or built first by python -m model.lm.build_dictionary).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import ContextManager

from model.lm import build_dictionary, gguf_loader
from model.lm import explanations as ex
from model.lm.kv_memory import token_text
from model.lm.neuron_dictionary import NeuronDictionary


def shipped_path(model_source: Path) -> Path:
    """Where the explanations of the model file `model_source` ship, beside its dictionary."""
    return build_dictionary.SHIPPED / f"{model_source.stem}.explanations.npz"


def rebuilt_path(model_source: Path) -> Path:
    """Where a server that found none shipped keeps the explanations it built."""
    return gguf_loader.cache_dir() / f"{model_source.stem}.explanations.npz"


def load_builtin(model_source: Path, d: NeuronDictionary) -> ex.Explanations | None:
    """The explanations of this model over dictionary `d`'s corpus (shipped, or built earlier), or None."""
    for path in (shipped_path(model_source), rebuilt_path(model_source)):
        try:
            e = ex.Explanations.load(path)
        except (OSError, ValueError, KeyError):
            continue
        if e.explains(d):
            return e
    return None


def build_builtin(lm: gguf_loader.LoadedModel, d: NeuronDictionary, out: Path | None = None, progress=None,
                  lock: ContextManager | None = None) -> ex.Explanations:
    """Explain every neuron over the dictionary's corpus and save the result; resumes an interrupted build."""
    out = out or rebuilt_path(lm.source)
    checkpoint = gguf_loader.cache_dir() / f"{out.stem}.checkpoint"
    texts = [token_text(lm.tokenizer, i) for i in range(lm.config.vocab_size)]
    e = ex.build(lm.model, d, texts, progress, lock, checkpoint=checkpoint)
    e.save(out)
    ex.remove_checkpoint(checkpoint)
    return e


def main(argv: list[str] | None = None) -> int:
    args = build_dictionary.script_arguments(__doc__).parse_args(argv)

    def build(start: float) -> str:
        lm, d = build_dictionary.model_with_dictionary(args.model)
        out = args.out or shipped_path(lm.source)
        e = build_builtin(lm, d, out, build_dictionary.progress_bar("explanations"))
        return (f"{e.family.shape[1] * e.family.shape[2]:,} neurons explained on {int(e.n_train):,} tokens, scored "
                f"on {int(e.n_held_out):,} held-out tokens, in {(time.perf_counter() - start) / 60:.1f} min -> {out} "
                f"({out.stat().st_size / 2**20:.1f} MiB)")

    return build_dictionary.run_script("build_explanations", build)


if __name__ == "__main__":
    sys.exit(main())
