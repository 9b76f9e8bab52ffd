"""Build the weight statistics that ship beside a model's dictionary (model/lm/neuron_kinds.py): each
neuron's readout moments over the vocabulary, norm, null-space share and token-frequency correlation,
from which the anatomy page and the neuron card name its kind. Without them a server computes them on
the first visit (about two minutes for SmolLM2-135M on two cores).

Run: python -m model.lm.build_kinds  [--model KEY_OR_GGUF] [--out PATH]
Needs the model's dictionary (its corpus gives the token frequencies).
"""
from __future__ import annotations

import sys
import time

from model.lm import build_dictionary, neuron_kinds


def main(argv: list[str] | None = None) -> int:
    args = build_dictionary.script_arguments(__doc__).parse_args(argv)

    def build(start: float) -> str:
        lm, d = build_dictionary.model_with_dictionary(args.model)
        out = args.out or neuron_kinds.stats_path(lm.source, build_dictionary.SHIPPED)[0]
        bar = build_dictionary.progress_bar("weight statistics", unit="layer")
        stats = neuron_kinds.weight_stats(lm.model, neuron_kinds.token_log_frequency(d.ids, lm.config.vocab_size),
                                          progress=bar)
        stats.save(out)
        return (f"{stats.norm.size:,} neurons in {time.perf_counter() - start:.0f} s -> {out} "
                f"({out.stat().st_size / 2**10:.0f} KiB)")

    return build_dictionary.run_script("build_kinds", build)


if __name__ == "__main__":
    sys.exit(main())
