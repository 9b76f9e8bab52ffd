"""Interventions on one caller's forward passes, never on the model that others share.

`edited(model, ...)` returns a view of the model: a shallow copy whose blocks are the shared
blocks except the edited ones, which wrap the shared block and change what it computes on the
way through. No weight is written and nothing is copied but a few Python objects, so one
session can zero a super weight while another session's logits stay bit for bit the same.

Three kinds of edit, each a pure function of what the block computed (and `with_ffn`, which hands
one layer's FFN output to any function of its input: a transcoder in its place, or zero):
- `zero_weight`: one scalar W_down[row, col] of an FFN's down projection counted as 0. Since
  down_proj is linear, that is the FFN output minus W[row, col] · m_col on dimension `row`.
- `set_coefficient`: a neuron's coefficient m replaced by a constant (mean ablation when the
  constant is its mean over a corpus), its sub-update m·v changed accordingly.
- `set_residual`: residual-stream values after a block set to given numbers (massive
  activations to zero or to their mean).

And what the anatomy page measures with them: perplexity on texts, the loss, entropy and KL
divergence to the unigram distribution of the next-token predictions, and greedy continuations.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from model.architectures.transformer import Transformer
from model.ffn.layers import FFNTrace


@dataclass(frozen=True)
class ZeroWeight:
    layer: int
    row: int  # output dimension of down_proj (a residual-stream dimension)
    col: int  # input channel (a neuron)


@dataclass(frozen=True)
class SetCoefficient:
    layer: int
    neuron: int
    value: float


@dataclass(frozen=True)
class SetResidual:
    layer: int  # after this block
    position: int  # token position (negative counts from the end)
    dim: int
    value: float


Edit = ZeroWeight | SetCoefficient | SetResidual


class _EditedFFN(nn.Module):
    """The shared FFN, its output changed by `change(trace) -> delta` (added before any post-norm)."""

    def __init__(self, inner: nn.Module, changes: list[Callable[[FFNTrace, nn.Module], Tensor]]):
        super().__init__()
        self.inner, self.changes = inner, changes

    @property
    def down_proj(self) -> nn.Linear:  # readouts still see the shared weights
        return self.inner.down_proj

    def trace(self, x: Tensor, scale: Tensor | None = None) -> FFNTrace:
        t = self.inner.trace(x, scale)
        delta = sum(change(t, self.inner) for change in self.changes)
        return dataclasses.replace(t, output=t.output + delta)


class _EditedBlock(nn.Module):
    """The shared block with its residual output changed by `fix(x_out) -> x_out`."""

    def __init__(self, inner: nn.Module, fixes: list[Callable[[Tensor], Tensor]]):
        super().__init__()
        self.inner, self.fixes = inner, fixes

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["inner"], name)

    def trace(self, x: Tensor, *args, **kwargs):
        t = self.inner.trace(x, *args, **kwargs)
        out = t.x_out
        for fix in self.fixes:
            out = fix(out)
        return dataclasses.replace(t, x_out=out)


def _zero_weight(e: ZeroWeight):
    def delta(t: FFNTrace, ffn: nn.Module) -> Tensor:
        d = torch.zeros_like(t.output)
        d[..., e.row] = -ffn.down_proj.weight[e.row, e.col] * t.hidden[..., e.col]
        return d
    return delta


def _set_coefficient(e: SetCoefficient):
    def delta(t: FFNTrace, ffn: nn.Module) -> Tensor:
        return (e.value - t.hidden[..., e.neuron:e.neuron + 1]) * ffn.down_proj.weight[:, e.neuron]
    return delta


def _set_residual(e: SetResidual):
    def fix(x: Tensor) -> Tensor:
        x = x.clone()
        x[..., e.position, e.dim] = e.value
        return x
    return fix


def edited(model: Transformer, edits: list[Edit] | tuple[Edit, ...]) -> Transformer:
    """A view of `model` with `edits` applied on the way through; `model` itself is untouched.
    An empty list gives `model` itself."""
    if not edits:
        return model
    for e in edits:
        if not 0 <= e.layer < model.cfg.n_layers:
            raise ValueError(f"layer {e.layer} is not one of the model's {model.cfg.n_layers}")
    view = copy.copy(model)
    view._modules = dict(model._modules)  # the copy's own module table: the shared one is never written
    blocks = list(model.blocks)
    for layer in sorted({e.layer for e in edits}):
        mine = [e for e in edits if e.layer == layer]
        ffn_changes = [_zero_weight(e) if isinstance(e, ZeroWeight) else _set_coefficient(e)
                       for e in mine if not isinstance(e, SetResidual)]
        block = blocks[layer]
        if ffn_changes:
            block = copy.copy(block)
            block._modules = dict(block._modules)
            block._modules["ffn"] = _EditedFFN(blocks[layer].ffn, ffn_changes)
        fixes = [_set_residual(e) for e in mine if isinstance(e, SetResidual)]
        blocks[layer] = _EditedBlock(block, fixes) if fixes else block
    view._modules["blocks"] = nn.ModuleList(blocks)
    return view


class _ReplacedFFN(nn.Module):
    """The shared FFN, its output replaced by `replace(x, trace)` (x: what the FFN reads)."""

    def __init__(self, inner: nn.Module, replace: Callable[[Tensor, FFNTrace], Tensor]):
        super().__init__()
        self.inner, self.replace = inner, replace

    @property
    def down_proj(self) -> nn.Linear:
        return self.inner.down_proj

    def trace(self, x: Tensor, scale: Tensor | None = None) -> FFNTrace:
        t = self.inner.trace(x, scale)
        return dataclasses.replace(t, output=self.replace(x, t))


def with_ffn(model: Transformer, layer: int, replace: Callable[[Tensor, FFNTrace], Tensor]) -> Transformer:
    """A view of `model` whose layer-`layer` FFN writes `replace(x, trace)` instead of its output
    (x: the FFN's input after its norm; trace: what the shared FFN computed, whose neuron coefficients
    the view's traces keep). `model` itself is untouched."""
    if not 0 <= layer < model.cfg.n_layers:
        raise ValueError(f"layer {layer} is not one of the model's {model.cfg.n_layers}")
    view = copy.copy(model)
    view._modules = dict(model._modules)
    blocks = list(model.blocks)
    block = copy.copy(blocks[layer])
    block._modules = dict(block._modules)
    block._modules["ffn"] = _ReplacedFFN(blocks[layer].ffn, replace)
    blocks[layer] = block
    view._modules["blocks"] = nn.ModuleList(blocks)
    return view


@dataclass(frozen=True)
class TextScores:
    """Next-token predictions over texts, averaged over every predicted position."""

    loss: float  # mean cross-entropy of the true next token, in nats
    perplexity: float  # exp(loss)
    entropy: float  # mean entropy of the predicted distribution, in nats
    kl_unigram: float  # mean KL(prediction || unigram distribution), in nats
    tokens: int  # positions predicted


def scores(logits: list[Tensor], texts: list[list[int]], log_unigram: Tensor | None = None) -> TextScores:
    """Loss, perplexity, entropy and (with `log_unigram`, the log of each token's share of a corpus)
    KL divergence to the unigram distribution, from each text's logits (T, vocab) over every
    position that has a next token."""
    loss = entropy = kl = 0.0
    n = 0
    for lg, ids in zip(logits, texts):
        if len(ids) < 2:
            continue
        logp = lg[:-1].float().log_softmax(-1)
        p = logp.exp()
        loss += float(F.nll_loss(logp, torch.tensor(ids[1:]), reduction="sum"))
        entropy += float(-(p * logp).sum())
        if log_unigram is not None:
            kl += float((p * (logp - log_unigram)).sum())
        n += len(ids) - 1
    if n == 0:
        raise ValueError("no text has two tokens: nothing to predict")
    mean = loss / n
    return TextScores(mean, float(torch.tensor(mean).exp()), entropy / n,
                      kl / n if log_unigram is not None else float("nan"), n)


@torch.inference_mode()
def score_texts(model: Transformer, texts: list[list[int]], log_unigram: Tensor | None = None) -> TextScores:
    """`scores` of the model's own predictions on the texts."""
    return scores([model(torch.tensor(ids)[None])[0] for ids in texts], texts, log_unigram)


@torch.inference_mode()
def greedy(model: Transformer, ids: list[int], new_tokens: int = 12) -> list[int]:
    """The `new_tokens` most likely next tokens, one at a time (no sampling)."""
    ids = list(ids)
    out = []
    for _ in range(new_tokens):
        nxt = int(model(torch.tensor(ids)[None])[0, -1].argmax())
        ids.append(nxt)
        out.append(nxt)
    return out
