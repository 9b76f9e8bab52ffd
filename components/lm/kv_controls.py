"""The key-value page's controls as plain data: which token to explain, against which, and
neuron lists in URLs ('L24n1005,L22n916'). Pure, so it is tested without a UI."""
from __future__ import annotations

import re

from model.lm.interventions import ZeroWeight

NEURON = re.compile(r"^\s*L(\d{1,3})\s*n(\d{1,6})\s*$", re.IGNORECASE)
MAX_NEURONS = 20


def parse_neurons(raw: str, n_layers: int, d_ff: int) -> tuple[list[tuple[int, int]], list[str]]:
    """'L24n1005, L22n916' -> [(24, 1005), (22, 916)], and the entries that are not a neuron of
    this model (kept out, to be named in a notice). At most MAX_NEURONS, duplicates once."""
    neurons, bad = [], []
    for item in (s for s in raw.split(",") if s.strip()):
        m = NEURON.match(item)
        if m and int(m.group(1)) < n_layers and int(m.group(2)) < d_ff:
            neurons.append((int(m.group(1)), int(m.group(2))))
        else:
            bad.append(item.strip())
    return list(dict.fromkeys(neurons))[:MAX_NEURONS], bad


WEIGHT = re.compile(r"^\s*L(\d{1,3})\s*r(\d{1,6})\s*c(\d{1,6})\s*$", re.IGNORECASE)


def parse_weights(raw: str, n_layers: int, d_model: int, d_ff: int) -> tuple[list[ZeroWeight], list[str]]:
    """'L11r507c1229' -> [ZeroWeight(11, 507, 1229)]: single down_proj weights (layer, row = output
    dimension, column = neuron) to count as zero, and the entries that are not one of this model's."""
    weights, bad = [], []
    for item in (s for s in raw.split(",") if s.strip()):
        m = WEIGHT.match(item)
        if m and int(m.group(1)) < n_layers and int(m.group(2)) < d_model and int(m.group(3)) < d_ff:
            weights.append(ZeroWeight(*(int(g) for g in m.groups())))
        else:
            bad.append(item.strip())
    return list(dict.fromkeys(weights))[:MAX_NEURONS], bad


def format_neurons(neurons: list[tuple[int, int]]) -> str:
    return ",".join(f"L{layer}n{n}" for layer, n in neurons)


def token_for(tokenizer, text: str) -> tuple[int | None, str | None]:
    """The token a typed string names: its only token, or (None, why not). A leading space
    matters: ' Paris' is one token, 'Paris' another."""
    if not text:
        return None, None
    ids = tokenizer.encode(text, add_special_tokens=False).ids  # no <bos>: a word, not a text
    if len(ids) != 1:
        return None, f"{text!r} is {len(ids)} tokens, not one; pick one of the predictions or type a single token"
    return ids[0], None
