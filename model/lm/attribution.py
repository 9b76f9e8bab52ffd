"""Which FFN neurons produced a prediction, measured so that the answer is worth reading.

Three measures of neuron i's part in the model's choice of a target token at one position:

- **Direct effect** to the *centred* logit: m_i (v_i · u), where u is the token's unembedding
  row minus the mean row over the vocabulary, through the final norm. A raw logit moves with
  every token at once and softmax ignores such uniform shifts, so the raw logit lets large
  last-layer neurons that lift everything look important; centring counts a uniform shift as
  zero. With a *contrast* token B, u is A's row minus B's: the effect on "A rather than B"
  (TransformerLens's logit difference).
- **Total effect** by gradient × activation (attribution patching; Nanda 2023, Syed et al.
  2023): one backward pass gives, for all neurons at once, the first-order change of the
  target's log-probability (or of the logit difference) when the neuron is switched off.
  It sees the paths through later layers that the direct effect misses; `ablate` checks
  the estimate against real switching-off.
- **Readout rank**: where the target stands among all tokens in the neuron's own value
  readout (Geva et al. 2022, EMNLP; model/lm/readout.py). Rank 0 is the token it promotes
  most; a rank in the thousands means the neuron is broad, not a detector of this token.

The direct parts add up exactly: embedding + attention + every neuron (+ the FFNs' output
biases and the final LayerNorm's bias, where a model has them) = the centred logit (or the
logit difference). Pure functions: a model and a trace in, tensors out. The measures the
key-value page ranks neurons by are declared in model/lm/measures.py, each with its compute
function from here.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.kv_memory import switch_off, written_coeffs
from model.lm.readout import final_norm_dual, layer_dots


@dataclass(frozen=True)
class Target:
    """What to explain: `token`'s (centred) logit, or `token` rather than `contrast`."""

    token: int
    contrast: int | None = None
    centred: bool = True  # ignored with a contrast (a difference is already shift-free)

    @property
    def label(self) -> str:
        return "logit difference" if self.contrast is not None else "centred logit" if self.centred else "raw logit"


def unembedding_row(model: Transformer, target: Target) -> Tensor:
    """The (d,) row whose dot product with the final norm's output is the quantity explained."""
    U = model.unembedding
    if target.contrast is not None:
        return U[target.token] - U[target.contrast]
    return U[target.token] - U.mean(0) if target.centred else U[target.token]


@torch.inference_mode()
def readout_direction(model: Transformer, trace: ModelTrace, position: int, target: Target) -> tuple[Tensor, float]:
    """(u, c) with quantity = residual · u + c at `position`. The final norm divides by one
    scalar per position (the residual's rms, or its standard deviation for a LayerNorm, which
    also removes the mean), so the quantity is linear in the residual's parts; c is what a
    LayerNorm's bias adds, the same whatever the parts are."""
    row = unembedding_row(model, target)
    norm = model.final_norm
    if norm is None:
        return row, 0.0
    x = trace.final_residual[position]
    if isinstance(norm, torch.nn.LayerNorm):
        scale = torch.sqrt(x.var(unbiased=False) + norm.eps)
        bias = float(norm.bias @ row) if norm.bias is not None else 0.0
    else:
        scale, bias = torch.sqrt(x.pow(2).mean() + norm.eps), 0.0
    return final_norm_dual(model, row) / scale, bias


@dataclass(frozen=True)
class DirectParts:
    embedding: float
    attention: Tensor  # (L,) each attention layer's direct part
    ffn: Tensor  # (L,) each FFN layer's direct part (its neurons' and, if it has one, its output bias's)
    neurons: Tensor  # (L, F) each neuron's direct part
    norm_bias: float = 0.0  # what the final norm's bias adds (a LayerNorm's; RMSNorm has none)

    @property
    def total(self) -> float:
        return self.embedding + float(self.attention.sum()) + float(self.ffn.sum()) + self.norm_bias


@torch.inference_mode()
def direct_parts(model: Transformer, trace: ModelTrace, position: int, target: Target) -> DirectParts:
    u, norm_bias = readout_direction(model, trace, position, target)
    coeffs = torch.stack([written_coeffs(trace, layer, position) for layer in range(model.cfg.n_layers)])
    neurons = coeffs * layer_dots(model, u)
    return DirectParts(float(trace.embeddings[position] @ u), trace.attn_updates[:, position] @ u,
                       trace.ffn_updates[:, position] @ u, neurons, norm_bias)


@torch.inference_mode()
def explained_quantity(model: Transformer, trace: ModelTrace, position: int, target: Target) -> float:
    """The centred logit, raw logit or logit difference itself, from the model's own logits
    (before Gemma 2's soft cap, which is not linear in the parts)."""
    logits = model.logits_at(trace.final_residual[position], capped=False)
    if target.contrast is not None:
        return float(logits[target.token] - logits[target.contrast])
    return float(logits[target.token] - (logits.mean() if target.centred else 0.0))


def _metric(logits: Tensor, target: Target) -> Tensor:
    """What the total effect measures: log p(token), or the logit difference with a contrast."""
    if target.contrast is not None:
        return logits[target.token] - logits[target.contrast]
    return F.log_softmax(logits, -1)[target.token]


def metric_name(target: Target) -> str:
    return "logit difference" if target.contrast is not None else "log-probability"


def total_effects(model: Transformer, ids: list[int], position: int, target: Target) -> tuple[Tensor, float]:
    """(L, F): for every neuron, the first-order change of the metric (log p(token), or the
    logit difference) if it were switched off at every position; and the metric itself.

    A scale s_i on each coefficient (1 = as the model runs) makes switching off s_i = 0,
    so the estimate is -d metric / d s_i = -m_i · d metric / d m_i, summed over positions:
    gradient × activation. The weights need no gradient, only the scales."""
    L, F_ = model.cfg.n_layers, model.cfg.d_ff
    scales = {layer: torch.ones(F_, requires_grad=True) for layer in range(L)}
    with torch.inference_mode(False), torch.enable_grad():
        residual = model.final_residual(torch.tensor(ids[: position + 1]), scales)
        metric = _metric(model.logits_at(residual[position]), target)
        grads = torch.autograd.grad(metric, [scales[layer] for layer in range(L)])
    return -torch.stack(grads).detach(), float(metric.detach())


@torch.inference_mode()
def ablate(model: Transformer, ids: list[int], position: int, target: Target,
           neurons: list[tuple[int, int]]) -> tuple[float, float, float, float]:
    """Switch `neurons` off for real: (metric before, metric after, p(token) before, after)."""
    ids_t = torch.tensor(ids[: position + 1])
    out = []
    for scales in (None, switch_off(neurons, model.cfg.d_ff)):
        logits = model.logits_at(model.final_residual(ids_t, scales)[position])
        out.append((float(_metric(logits, target)), float(logits.softmax(-1)[target.token])))
    (m0, p0), (m1, p1) = out
    return m0, m1, p0, p1


# The compute functions of the measures in model/lm/measures.py: (L, F), one score per neuron.

def direct_scores(model: Transformer, trace: ModelTrace, ids: list[int], position: int, target: Target) -> Tensor:
    """Each neuron's direct effect on the target's (centred or raw) logit or logit difference."""
    return direct_parts(model, trace, position, target).neurons


def total_scores(model: Transformer, trace: ModelTrace, ids: list[int], position: int, target: Target) -> Tensor:
    """Each neuron's estimated change of the metric if it were switched off (one backward pass)."""
    return total_effects(model, ids, position, target)[0]
