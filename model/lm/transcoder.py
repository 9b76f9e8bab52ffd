"""A TopK transcoder: a wide, sparse FFN trained to reproduce one FFN layer's output from its input.

Transcoders (Dunefsky, Chlenski & Nanda 2024) replace an MLP with a wider MLP whose hidden units fire
rarely, so that each can be read as a feature. The sparsity is a TopK activation (Gao et al. 2024,
"Scaling and evaluating sparse autoencoders"): of the n_latents pre-activations only the k largest are
kept (and a ReLU drops any of those below zero), so L0 is at most k by construction and needs no
penalty to tune.

    latents = ReLU(TopK_k(W_enc · (x · in_scale) + b_enc))       x: what the FFN reads (after its norm)
    output  = (W_dec^T · latents + b_dec) / out_scale            what the FFN writes (before any post-norm)

From Gao et al.: the decoder's rows (one direction per latent) start as random unit vectors and the
encoder as their transpose; each row is kept at unit norm, the part of its gradient along itself
removed before each step; inputs and targets are scaled so their mean squared norm is d_model; and an
auxiliary loss (AuxK, weight 1/32) makes the d_model/2 strongest "dead" latents (none fired for
`dead_tokens` tokens) predict what the live ones missed, which brings them back. The encoder's
gradient is computed from the k kept latents only (the idea of EleutherAI's sparsify fused encoder),
so a step costs one dense matrix product, the forward one.

The metrics are pure functions: the fraction of variance unexplained, L0, the dead fraction, and the
fraction of the loss gap (FFN zeroed against clean) that the replacement recovers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from model.util.atomic_file import write_atomically

FILE_VERSION = 1
AUX_WEIGHT = 1 / 32  # Gao et al.'s alpha
ARRAYS = ("W_enc", "b_enc", "W_dec", "b_dec", "in_scale", "out_scale")


class _TopKEncoder(torch.autograd.Function):
    """(values, indices) of the k largest pre-activations after a ReLU, and of the k_aux largest among
    `dead` latents; the backward pass touches only the rows of W_enc that were kept."""

    @staticmethod
    def forward(ctx, x: Tensor, W: Tensor, b: Tensor, k: int, dead: Tensor | None, k_aux: int):
        pre = F.linear(x, W, b)
        values, indices = pre.topk(k, dim=-1, sorted=False)
        values = values.relu()
        if dead is not None and k_aux > 0:
            aux_values, aux_indices = pre.masked_fill(~dead, -math.inf).topk(k_aux, dim=-1, sorted=False)
            aux_values = aux_values.relu()
        else:
            aux_values, aux_indices = pre.new_zeros(len(x), 0), indices.new_zeros(len(x), 0)
        ctx.save_for_backward(x, torch.cat([indices, aux_indices], 1), torch.cat([values, aux_values], 1))
        ctx.n_latents = W.shape[0]
        return values, indices, aux_values, aux_indices

    @staticmethod
    def backward(ctx, g_values, _g_indices, g_aux, _g_aux_indices):
        x, indices, values = ctx.saved_tensors
        g = torch.cat([g_values, g_aux], 1) * (values > 0)  # the ReLU's gradient
        flat = indices.flatten()
        rows = torch.arange(len(x)).repeat_interleave(indices.shape[1])
        # (n_latents, N) with k (+ k_aux) entries a column, times x: a third of the time of index_add
        # over an (N, k, d) product, and never the dense product's n_latents x N x d
        sparse = torch.sparse_coo_tensor(torch.stack([flat, rows]), g.flatten(), (ctx.n_latents, len(x)),
                                         check_invariants=False)
        grad_W = torch.sparse.mm(sparse, x)
        grad_b = torch.zeros(ctx.n_latents, dtype=x.dtype).index_add_(0, flat, g.flatten())
        return None, grad_W, grad_b, None, None, None


@dataclass
class Encoded:
    values: Tensor  # (N, k) >= 0: the kept latents' activations (0 where the ReLU dropped one)
    indices: Tensor  # (N, k) which latents
    aux_values: Tensor  # (N, k_aux): the strongest dead latents (AuxK), empty outside training
    aux_indices: Tensor


class Transcoder(nn.Module):
    def __init__(self, d_model: int, n_latents: int, k: int, seed: int = 0):
        super().__init__()
        if not 0 < k <= n_latents:
            raise ValueError(f"k must be between 1 and n_latents ({n_latents}), not {k}")
        self.k = k
        g = torch.Generator().manual_seed(seed)
        dec = torch.randn(n_latents, d_model, generator=g)
        dec /= dec.norm(dim=1, keepdim=True)
        self.W_dec = nn.Parameter(dec)  # (n_latents, d_model): row i is latent i's output direction
        self.W_enc = nn.Parameter(dec.clone())  # (n_latents, d_model): the decoder's transpose at first
        self.b_enc = nn.Parameter(torch.zeros(n_latents))
        self.b_dec = nn.Parameter(torch.zeros(d_model))
        self.register_buffer("in_scale", torch.tensor(1.0))
        self.register_buffer("out_scale", torch.tensor(1.0))

    @property
    def n_latents(self) -> int:
        return self.W_dec.shape[0]

    @torch.no_grad()
    def fit_scales(self, x: Tensor, y: Tensor) -> None:
        """Scale inputs and targets to a mean squared norm of d_model, and start b_dec at the targets'
        mean (Gao et al. start it at their geometric median; the mean is the cheap stand-in)."""
        d = x.shape[1]
        self.in_scale.fill_(math.sqrt(d / float(x.double().pow(2).sum(1).mean())))
        self.out_scale.fill_(math.sqrt(d / float(y.double().pow(2).sum(1).mean())))
        self.b_dec.copy_(y.double().mean(0).float() * self.out_scale)

    def encode(self, x: Tensor, dead: Tensor | None = None, k_aux: int = 0) -> Encoded:
        return Encoded(*_TopKEncoder.apply(x * self.in_scale, self.W_enc, self.b_enc, self.k, dead, k_aux))

    def decode_scaled(self, values: Tensor, indices: Tensor) -> Tensor:
        """The output in the scaled space, without b_dec: Σ value · W_dec[index]."""
        return F.embedding_bag(indices, self.W_dec, per_sample_weights=values, mode="sum")

    def forward(self, x: Tensor) -> Tensor:
        """What the transcoder writes for inputs x (..., d_model), in the FFN's own units."""
        flat = x.reshape(-1, x.shape[-1])
        e = self.encode(flat)
        out = (self.decode_scaled(e.values, e.indices) + self.b_dec) / self.out_scale
        return out.reshape(x.shape)

    def latents(self, x: Tensor) -> Tensor:
        """(N, n_latents) dense latent activations (zeros but the top k)."""
        e = self.encode(x)
        return torch.zeros(len(x), self.n_latents).scatter_(1, e.indices, e.values)

    @torch.no_grad()
    def normalise_decoder(self) -> None:
        self.W_dec /= self.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-12)

    @torch.no_grad()
    def drop_parallel_gradient(self) -> None:
        """Remove from each decoder row's gradient its part along the row (the norm is fixed at 1)."""
        if self.W_dec.grad is not None:
            along = (self.W_dec.grad * self.W_dec).sum(1, keepdim=True)
            self.W_dec.grad -= along * self.W_dec

    def rounded(self) -> "Transcoder":
        """A copy with its weights rounded to float16 and back: what the shipped file holds."""
        out = Transcoder(self.W_dec.shape[1], self.n_latents, self.k)
        out.load_state_dict({k: v.half().float() if k in ("W_enc", "b_enc", "W_dec") else v
                             for k, v in self.state_dict().items()})
        return out


# ---------------------------------------------------------------- training

@dataclass
class TrainState:
    """What a step needs besides the weights and the optimizer: tokens seen since each latent fired."""
    since_fired: Tensor
    dead_tokens: int
    tokens: int = 0
    steps: int = 0

    @classmethod
    def start(cls, n_latents: int, dead_tokens: int) -> "TrainState":
        return cls(torch.zeros(n_latents, dtype=torch.long), dead_tokens)

    @property
    def dead(self) -> Tensor:
        return self.since_fired >= self.dead_tokens


def optimizer(tc: Transcoder, lr: float) -> torch.optim.Adam:
    """Adam as in Gao et al. (eps 6.25e-10, no weight decay); fused: a tenth of the plain step's time on
    this CPU (11 against 114 ms for 5.3 M parameters)."""
    return torch.optim.Adam(tc.parameters(), lr=lr, eps=6.25e-10, fused=True)


def default_lr(n_latents: int) -> float:
    """sparsify's default: 2e-4 at 2^14 latents, scaled by 1/sqrt(n_latents) (Gao et al.'s scaling law)."""
    return 2e-4 / math.sqrt(n_latents / 2 ** 14)


def train_step(tc: Transcoder, opt: torch.optim.Optimizer, x: Tensor, y: Tensor, state: TrainState,
               lr: float | None = None) -> tuple[float, float]:
    """One step on a batch: loss = FVU + AUX_WEIGHT · AuxK. Returns (batch FVU, AuxK loss)."""
    if lr is not None:
        for group in opt.param_groups:
            group["lr"] = lr
    dead = state.dead
    k_aux = min(x.shape[1] // 2, int(dead.sum()))
    e = tc.encode(x, dead if k_aux else None, k_aux)
    ys = y * tc.out_scale
    err = ys - (tc.decode_scaled(e.values, e.indices) + tc.b_dec)
    total = (ys - ys.mean(0)).pow(2).sum().clamp_min(1e-12)
    fvu_loss = err.pow(2).sum() / total
    aux = err.new_zeros(())
    if k_aux:
        aux = (err.detach() - tc.decode_scaled(e.aux_values, e.aux_indices)).pow(2).sum() / total
    (fvu_loss + AUX_WEIGHT * aux).backward()
    tc.drop_parallel_gradient()
    torch.nn.utils.clip_grad_norm_(tc.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    tc.normalise_decoder()
    fired = torch.zeros(tc.n_latents, dtype=torch.bool)
    fired[e.indices[e.values > 0]] = True
    state.since_fired = torch.where(fired, 0, state.since_fired + len(x))
    state.tokens += len(x)
    state.steps += 1
    return float(fvu_loss.detach()), float(aux.detach())


# ---------------------------------------------------------------- metrics (pure)

def fvu(y: Tensor, y_hat: Tensor) -> float:
    """Fraction of variance unexplained: Σ‖y − ŷ‖² / Σ‖y − mean(y)‖² over the rows of y (N, d)."""
    y, y_hat = y.double(), y_hat.double()
    return float((y - y_hat).pow(2).sum() / (y - y.mean(0)).pow(2).sum())


@dataclass
class FitSums:
    """Running sums for the FVU over batches (float64): the same number as fvu() on all rows at once."""
    n: int = 0
    sq_err: float = 0.0
    sum_sq: float = 0.0
    total: Tensor | None = None

    def add(self, y: Tensor, y_hat: Tensor) -> None:
        y = y.double()
        self.n += len(y)
        self.sq_err += float((y - y_hat.double()).pow(2).sum())
        self.sum_sq += float(y.pow(2).sum())
        self.total = y.sum(0) if self.total is None else self.total + y.sum(0)

    @property
    def fvu(self) -> float:
        return self.sq_err / (self.sum_sq - float(self.total.pow(2).sum()) / self.n)


def l0(values: Tensor) -> float:
    """Mean number of active latents per row: values (N, k) of the kept latents, or dense (N, n)."""
    return float((values > 0).sum(-1).double().mean())


def fire_counts(indices: Tensor, values: Tensor, n_latents: int) -> Tensor:
    """(n_latents,) how many rows each latent was active on."""
    return torch.bincount(indices[values > 0], minlength=n_latents)


def dead_fraction(counts: Tensor | np.ndarray) -> float:
    """The share of latents that fired on no token."""
    counts = torch.as_tensor(counts)
    return float((counts == 0).double().mean())


def loss_recovered(clean: float, zeroed: float, replaced: float) -> float:
    """The fraction of the loss gap between the FFN zeroed and the clean model that the replacement
    recovers: 1 when it is as good as the FFN, 0 when as bad as no FFN (below 0: worse than none).
    NaN when zeroing the FFN costs nothing (no gap to recover)."""
    gap = zeroed - clean
    if not gap > 0:
        return math.nan
    return (zeroed - replaced) / gap


# ---------------------------------------------------------------- the file

@dataclass
class TranscoderFile:
    """A trained transcoder and what it was trained on and scored at, as saved (float16 weights)."""
    transcoder: Transcoder
    layer: int
    model_key: str
    corpus: str  # the dictionary's fingerprint whose training documents it was trained on
    metrics: dict[str, float] = field(default_factory=dict)  # held-out fvu, l0, dead, losses, ...
    curve: dict[str, np.ndarray] = field(default_factory=dict)  # name -> values at each evaluation

    def save(self, path: Path) -> None:
        tc = self.transcoder
        arrays = {name: getattr(tc, name).detach() for name in ARRAYS}
        arrays = {name: v.half().numpy() if name in ("W_enc", "b_enc", "W_dec") else v.float().numpy()
                  for name, v in arrays.items()}
        arrays.update(version=np.array(FILE_VERSION), k=np.array(tc.k), layer=np.array(self.layer),
                      model_key=np.array(self.model_key), corpus=np.array(self.corpus),
                      metric_names=np.array(list(self.metrics), dtype=str),
                      metric_values=np.array(list(self.metrics.values()), dtype=np.float64),
                      **{f"curve_{k}": np.asarray(v) for k, v in self.curve.items()})
        write_atomically(path, lambda tmp: np.savez(tmp, **arrays))

    @classmethod
    def load(cls, path: Path) -> "TranscoderFile":
        with np.load(path) as f:
            if int(f["version"]) != FILE_VERSION:
                raise ValueError(f"{path.name}: a transcoder file of version {int(f['version'])}, not {FILE_VERSION}")
            n, d = f["W_dec"].shape
            tc = Transcoder(d, n, int(f["k"]))
            tc.load_state_dict({name: torch.from_numpy(f[name].astype(np.float32)) for name in ARRAYS})
            metrics = dict(zip((str(s) for s in f["metric_names"]), (float(v) for v in f["metric_values"])))
            curve = {k[len("curve_"):]: f[k] for k in f.files if k.startswith("curve_")}
            return cls(tc, int(f["layer"]), str(f["model_key"]), str(f["corpus"]), metrics, curve)
