"""Toy Models of Superposition (Elhage et al. 2022, Transformer Circuits Thread), trained live.

Two of the paper's models, small enough to train in a second or two on one CPU thread:

- The ReLU output model: n features go into m dimensions and back, x' = ReLU(WᵀWx + b), trained to
  reproduce x under the loss Σᵢ Iᵢ (xᵢ − x'ᵢ)² with importance Iᵢ = decayⁱ. Each feature is 0 with
  probability S (its sparsity) and uniform on [0, 1] otherwise. Dense features: the m most important
  get a dimension each and the rest are dropped. Sparse features: more than m are stored, in
  superposition (n = 5, m = 2 at S ≥ 0.9: a pentagon). One run trains one model per sparsity of
  SPARSITIES side by side (the paper's colab does the same), so the whole phase change costs one
  training.
- Computation in superposition (the paper's section of that name): h = ReLU(W₁x), y' = ReLU(W₂h + b)
  trained to output |xᵢ| for features uniform on [−1, 1]. |x| = ReLU(x) + ReLU(−x) takes two neurons a
  feature without superposition; with fewer neurons than features, sparse features share neurons, and
  a neuron fires for several unrelated ones: polysemantic.

Pure (numpy out, no Streamlit); every draw comes from a seeded generator, so a setting always trains
to the same weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
import torch

from model.demos.adam import Adam

SPARSITIES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99)  # the sweep, and the page's choices of S
STEPS, BATCH, LR = 2000, 256, 1e-2  # Adam at LR, decayed linearly to a tenth over the last half
REPRESENTED = 0.5  # ‖Wᵢ‖ from which a feature counts as represented (trained norms sit near 0 or 1)
SHARED = 0.1  # Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² from which a represented feature counts as sharing its dimensions
FIRES = 0.5  # a neuron responds to a feature when that feature alone at ±1 drives it to at least this
SAMPLES = 4096  # inputs drawn to find a toy neuron's strongest firings


def _schedule(step: int, steps: int) -> float:
    """The learning-rate factor: 1 for the first half, then down linearly to 0.1 (settles the
    directions, so a feature's norm reads near 0 or 1 instead of wobbling around it)."""
    half = steps // 2
    return 1.0 if step < half else 1.0 - 0.9 * (step - half) / max(steps - half, 1)


def importance(n: int, decay: float) -> np.ndarray:
    return decay ** np.arange(n, dtype=np.float64)


# ------------------------------------------------------------------ the ReLU output model


class _Sizes:
    """n features into m hidden dimensions (or neurons), read off the (m, n) matrix named `encoder`."""
    encoder: ClassVar[str]

    @property
    def n(self) -> int:
        return getattr(self, self.encoder).shape[1]

    @property
    def m(self) -> int:
        return getattr(self, self.encoder).shape[0]


@dataclass(frozen=True)
class ToyModel(_Sizes):
    """One trained ReLU output model x' = ReLU(WᵀWx + b)."""
    encoder: ClassVar[str] = "W"
    sparsity: float
    decay: float
    W: np.ndarray  # (m, n): column i is feature i's direction in the hidden space
    b: np.ndarray  # (n,)
    loss: float  # the importance-weighted loss on a fresh batch after training

    @cached_property
    def norms(self) -> np.ndarray:
        """‖Wᵢ‖ per feature: about 1 if the model represents it, about 0 if it dropped it."""
        return np.linalg.norm(self.W, axis=0)

    @cached_property
    def gram(self) -> np.ndarray:
        """WᵀW (n, n): diagonal ‖Wᵢ‖², off-diagonal how much two features' directions overlap."""
        return self.W.T @ self.W

    @property
    def max_overlap(self) -> float:
        """The largest |Wᵢ·Wⱼ| between two different features."""
        return float(np.abs(self.gram - np.diag(self.gram.diagonal())).max())

    @cached_property
    def superposition(self) -> np.ndarray:
        """Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² per feature, the paper's measure: 0 when feature i has its dimension to itself
        (or is dropped), larger the more other features project onto its direction."""
        unit = self.W / np.maximum(self.norms, 1e-9)
        overlap = (unit.T @ self.W) ** 2
        np.fill_diagonal(overlap, 0.0)
        return np.where(self.norms > 1e-9, overlap.sum(1), 0.0)

    @cached_property
    def represented(self) -> np.ndarray:
        return self.norms >= REPRESENTED

    @property
    def shared(self) -> np.ndarray:
        """Represented features that share their dimensions with others (in superposition)."""
        return self.represented & (self.superposition >= SHARED)

    @property
    def dims_per_feature(self) -> float:
        """m / ‖W‖²_F, the paper's 'dimensions per feature': 1 when every represented feature has a
        dimension of its own, 1/2 for antipodal pairs, 2/5 for a pentagon."""
        return self.m / float((self.W ** 2).sum())

    def angles(self) -> np.ndarray:
        """For m = 2: the angles in degrees between neighbouring represented features' directions,
        going round the circle (they add up to 360)."""
        if self.m != 2:
            raise ValueError("angles between neighbouring directions are defined for m = 2 only")
        x, y = self.W[:, self.represented]
        if x.size < 2:
            return np.array([])
        theta = np.sort(np.degrees(np.arctan2(y, x)) % 360)
        return np.diff(np.append(theta, theta[0] + 360))


def _loss(out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Σᵢ Iᵢ (xᵢ − x'ᵢ)², averaged over the batch; summed over the models trained side by side."""
    return ((out - x) ** 2 * weight).sum(-1).mean(-1).sum()


def _sparse_batch(g: torch.Generator, p_on: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Features on with probability p_on, then uniform on [0, 1]: one draw u does both, since u / p_on
    given u < p_on is uniform on [0, 1]."""
    u = torch.rand(shape, generator=g)
    return torch.where(u < p_on, u / p_on, 0.0)


def train_sweep(n: int, m: int, decay: float, sparsities: tuple[float, ...] = SPARSITIES, steps: int = STEPS,
                batch: int = BATCH, lr: float = LR, seed: int = 0) -> tuple[ToyModel, ...]:
    """One ReLU output model per sparsity, trained side by side from a seeded start."""
    if not (1 <= m and 2 <= n and 0 < decay <= 1 and all(0 <= s < 1 for s in sparsities)):
        raise ValueError(f"need n >= 2, m >= 1, 0 < decay <= 1 and sparsities in [0, 1); got {n}, {m}, {decay}")
    g = torch.Generator().manual_seed(seed)
    k = len(sparsities)
    W = torch.empty(k, m, n).normal_(0.0, (2.0 / (m + n)) ** 0.5, generator=g).requires_grad_(True)
    b = torch.zeros(k, 1, n, requires_grad=True)
    weight = torch.from_numpy(importance(n, decay)).float()
    p_on = (1.0 - torch.tensor(sparsities, dtype=torch.float32)).view(k, 1, 1)

    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.relu((x @ W.transpose(1, 2)) @ W + b)

    opt = Adam([W, b], lr=lr)
    for step in range(steps):
        opt.lr = lr * _schedule(step, steps)
        x = _sparse_batch(g, p_on, (k, batch, n))
        opt.zero_grad()
        _loss(forward(x), x, weight).backward()
        opt.step()
    with torch.no_grad():
        x = _sparse_batch(g, p_on, (k, 4 * batch, n))
        losses = ((forward(x) - x) ** 2 * weight).sum(-1).mean(-1)
    return tuple(ToyModel(float(s), float(decay), W[i].detach().numpy().astype(np.float64),
                          b[i, 0].detach().numpy().astype(np.float64), float(losses[i]))
                 for i, s in enumerate(sparsities))


@dataclass(frozen=True)
class PhasePoint:
    """What one sparsity's model does with its n features."""
    sparsity: float
    alone: int  # represented, with a dimension to itself
    shared: int  # represented in superposition
    dropped: int
    dims_per_feature: float


def phase_change(models: tuple[ToyModel, ...]) -> list[PhasePoint]:
    return [PhasePoint(t.sparsity, int((t.represented & ~t.shared).sum()), int(t.shared.sum()),
                       int((~t.represented).sum()), t.dims_per_feature) for t in models]


# ------------------------------------------------------------------ computation in superposition


@dataclass(frozen=True)
class AbsModel(_Sizes):
    """h = ReLU(W₁x), y' = ReLU(W₂h + b), trained to output |x| for sparse x in [−1, 1]ⁿ."""
    encoder: ClassVar[str] = "W1"
    sparsity: float
    W1: np.ndarray  # (m, n): row k is neuron k's weights on the n features
    W2: np.ndarray  # (n, m)
    b: np.ndarray  # (n,)
    loss: float

    def hidden(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x @ self.W1.T, 0.0)

    def output(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(self.hidden(x) @ self.W2.T + self.b, 0.0)

    @cached_property
    def response(self) -> np.ndarray:
        """(m, 2n): each neuron's activation when one feature alone is +1 (columns 0..n−1) or −1
        (columns n..2n−1): which inputs make it fire."""
        return self.hidden(np.vstack([np.eye(self.n), -np.eye(self.n)])).T

    @cached_property
    def computed(self) -> np.ndarray:
        """(2n,) bool: whether the model's output for that one feature at +1 (or −1) is within 0.25
        of the right answer, |x| = 1."""
        out = self.output(np.vstack([np.eye(self.n), -np.eye(self.n)]))
        return np.abs(np.concatenate([out[np.arange(self.n), np.arange(self.n)],
                                      out[self.n + np.arange(self.n), np.arange(self.n)]]) - 1.0) <= 0.25

    def fires_for(self, neuron: int) -> list[tuple[int, int]]:
        """(feature, sign) pairs that drive `neuron` to FIRES or more alone, strongest first."""
        r = self.response[neuron]
        order = [int(j) for j in np.argsort(-r) if r[j] >= FIRES]
        return [(j % self.n, 1 if j < self.n else -1) for j in order]

    @property
    def polysemantic(self) -> np.ndarray:
        """(m,) bool: the neurons that fire for two or more different features."""
        return np.array([len({f for f, _ in self.fires_for(k)}) >= 2 for k in range(self.m)])

    def top_firings(self, neuron: int, samples: int = SAMPLES, top: int = 8, seed: int = 1
                    ) -> list[tuple[float, dict[int, float]]]:
        """The inputs, from a seeded sample of the training distribution, on which `neuron` fires
        hardest: (its activation, {feature: value} of the features that were on), strongest first.
        The toy model's counterpart of a real neuron's top contexts."""
        x = _abs_batch(np.random.default_rng(seed), 1.0 - self.sparsity, (samples, self.n))
        h = self.hidden(x)[:, neuron]
        rows = np.argsort(-h, kind="stable")[:top]
        return [(float(h[r]), {int(i): float(x[r, i]) for i in np.flatnonzero(x[r])}) for r in rows if h[r] > 0]


def _abs_batch(rng: np.random.Generator, p_on: float, shape: tuple[int, int]) -> np.ndarray:
    on = rng.random(shape) < p_on
    return np.where(on, rng.uniform(-1.0, 1.0, shape), 0.0)


def one_feature_per_neuron(n: int, m: int) -> np.ndarray:
    """(m, n) mask: neuron k may read feature k mod n only (the baseline without superposition)."""
    mask = np.zeros((m, n))
    mask[np.arange(m), np.arange(m) % n] = 1.0
    return mask


def train_abs(n: int, m: int, sparsity: float, decay: float = 1.0, steps: int = 3000, batch: int = BATCH,
              lr: float = LR, seed: int = 0, monosemantic: bool = False) -> AbsModel:
    """The absolute-value model at one sparsity, from a seeded start. `monosemantic`: W₁ is held to
    one_feature_per_neuron, so no neuron can share: the same model without superposition."""
    if not (1 <= m and 1 <= n and 0 < decay <= 1 and 0 <= sparsity < 1):
        raise ValueError(f"need n, m >= 1, 0 < decay <= 1 and sparsity in [0, 1); got {n}, {m}, {decay}, {sparsity}")
    g = torch.Generator().manual_seed(seed)
    std = (2.0 / (m + n)) ** 0.5
    mask = torch.from_numpy(one_feature_per_neuron(n, m)).float() if monosemantic else torch.ones(m, n)
    W1 = (torch.empty(m, n).normal_(0.0, std, generator=g) * mask).requires_grad_(True)
    W2 = torch.empty(n, m).normal_(0.0, std, generator=g).requires_grad_(True)
    b = torch.zeros(n, requires_grad=True)
    weight = torch.from_numpy(importance(n, decay)).float()
    p_on = 1.0 - sparsity

    def batch_of(size: int) -> torch.Tensor:
        on = torch.rand(size, n, generator=g) < p_on
        return torch.where(on, torch.rand(size, n, generator=g) * 2 - 1, 0.0)

    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.relu(x @ W1.T) @ W2.T + b)

    opt = Adam([W1, W2, b], lr=lr)
    for step in range(steps):
        opt.lr = lr * _schedule(step, steps)
        x = batch_of(batch)
        opt.zero_grad()
        ((forward(x) - x.abs()) ** 2 * weight).sum(-1).mean().backward()
        opt.step()
        if monosemantic:
            with torch.no_grad():
                W1.mul_(mask)  # Adam's update can leave the mask; put the weights back on it
    with torch.no_grad():
        x = batch_of(4 * batch)
        loss = float(((forward(x) - x.abs()) ** 2 * weight).sum(-1).mean())
    as_np = lambda t: t.detach().numpy().astype(np.float64)  # noqa: E731
    return AbsModel(float(sparsity), as_np(W1), as_np(W2), as_np(b), loss)
