"""'Noun AND past tense': what one ReLU neuron computes that a linear score cannot.

Two yes/no features of a token, n ("is a noun") and p ("the sentence is in the past
tense"), each 0 or 1. A neuron that should fire only when both hold is AND: the linear
score n + p − 1 is 1 when both hold but −1 when neither does, so it writes something for
every token; relu(n + p − 1) is exactly 1 for "both" and 0 otherwise. "Exactly one of the
two" (XOR) is not a threshold of any single linear score; two ReLU neurons give it:
relu(n − p) + relu(p − n).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from model.ffn.activations import get


@dataclass(frozen=True)
class Row:
    noun: int
    past: int
    linear_and: float  # n + p - 1
    relu_and: float  # relu(n + p - 1): one ReLU neuron
    relu_xor: float  # relu(n - p) + relu(p - n): two ReLU neurons


def truth_table() -> list[Row]:
    relu = get("relu").fn
    rows = []
    for n in (0, 1):
        for p in (0, 1):
            score = torch.tensor(float(n + p - 1))
            xor_ = relu(torch.tensor(float(n - p))) + relu(torch.tensor(float(p - n)))
            rows.append(Row(n, p, float(score), float(relu(score)), float(xor_)))
    return rows
