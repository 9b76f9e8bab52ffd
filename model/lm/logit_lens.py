"""The logit lens (nostalgebraist 2020): read the residual stream after every sub-layer
through the final norm and the unembedding, as if the model stopped there.

For one position and one token it gives, after the embedding and after each attention
and each FFN, the token's probability and rank; and per layer what attention and the FFN
each wrote into the token's centred logit (their direct parts, which add up to it with
the embedding). One figure then shows where in the depth the prediction forms, and
which half of each block put it there.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.attribution import Target, direct_parts


@dataclass(frozen=True)
class Lens:
    stages: list[str]  # "embedding", "L0 attention", "L0 FFN", ... in the order they are added
    prob: Tensor  # (stages,) p(token) if the model stopped after each stage
    rank: Tensor  # (stages,) the token's rank then (0 = the top prediction)
    top: list[int]  # (stages,) the top token then
    attention: Tensor  # (L,) each attention layer's direct part of the centred logit
    ffn: Tensor  # (L,) each FFN's
    embedding: float
    norm_bias: float = 0.0  # the final LayerNorm's bias's part (RMSNorm has none)


def residual_stages(trace: ModelTrace, position: int) -> Tensor:
    """(2L + 1, d): the residual stream at `position` after the embedding, then after each
    attention and each FFN update in turn. The last row is the final residual."""
    updates = torch.stack([trace.attn_updates[:, position], trace.ffn_updates[:, position]], 1).flatten(0, 1)
    return torch.cat([trace.embeddings[position:position + 1], updates]).cumsum(0)


@torch.inference_mode()
def lens(model: Transformer, trace: ModelTrace, position: int, token: int) -> Lens:
    logits = model.logits_at(residual_stages(trace, position))  # final norm per stage, then unembedding
    probs = logits.softmax(-1)
    p = probs[:, token]
    rank = (logits > logits[:, token:token + 1]).sum(-1)
    stages = ["embedding"] + [f"L{i} {part}" for i in range(model.cfg.n_layers) for part in ("attention", "FFN")]
    parts = direct_parts(model, trace, position, Target(token))
    return Lens(stages, p, rank, logits.argmax(-1).tolist(), parts.attention, parts.ffn, parts.embedding,
                parts.norm_bias)
