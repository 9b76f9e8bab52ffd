"""What the explanation build keeps of the neurons while the model reads the corpus, and how a line is
scored against it.

- `TopFirings`: each neuron's strongest firings of one sign so far, with the CONTEXT tokens that end at
  each (an excerpt, as OpenAI's explain–simulate–score shows the explainer and scores the simulator on).
- `RunningCorr`: the sums for a Pearson correlation over a stream of tokens, per neuron.
- `weighted_corr`: the correlation over top excerpts plus random ones, the two halves weighted equally
  (OpenAI scores on 5 top-activating and 5 random excerpts of 64 tokens).
- `covers`: which of a neuron's strongest firings its line names, written plainly.

A sign's "firing" is y = relu(m) for m > 0 and relu(-m) for m < 0: the line of each sign explains that
sign's part of the coefficient m.
"""
from __future__ import annotations

import numpy as np
import torch

CONTEXT = 8  # tokens in an excerpt: the firing and the 7 before it


def firing(m: torch.Tensor, sign: int) -> torch.Tensor:
    """y for sign index 0 (m > 0) or 1 (m < 0): the size of that sign's part of m."""
    return (m if sign == 0 else -m).clamp_min(0)


class TopFirings:
    """Each neuron's k strongest firings of one sign (y > 0) seen so far, each with the excerpt of
    CONTEXT tokens that ends at it inside its window (-1 before the window's start)."""

    def __init__(self, k: int, n_neurons: int, sign: int):
        self.k, self.sign = k, sign
        self.values = torch.zeros(k, n_neurons)  # y; 0 with position -1 where no firing yet
        self.positions = torch.full((k, n_neurons), -1, dtype=torch.int64)
        self.context_values = torch.zeros(k, CONTEXT, n_neurons, dtype=torch.float16)
        self.context_positions = torch.full((k, CONTEXT, n_neurons), -1, dtype=torch.int32)

    def add(self, positions: np.ndarray, m: torch.Tensor) -> None:
        """One window: its corpus `positions` (T,) and coefficients m (T, neurons). Only the neurons
        whose window maximum beats their k-th strongest so far are merged (few, once the corpus is
        under way)."""
        y = firing(m, self.sign)
        cols = torch.nonzero(y.max(0).values > self.values[-1]).flatten()
        if not len(cols):
            return
        y = y[:, cols]
        merged = torch.cat([self.values[:, cols], y])
        top = merged.topk(self.k, dim=0)
        new = top.indices >= self.k  # from this window
        t = (top.indices - self.k).clamp_min(0)  # (k, c) its row in the window
        back = t[:, None, :] - torch.arange(CONTEXT - 1, -1, -1)[None, :, None]  # (k, C, c): the excerpt's rows
        inside = back >= 0
        rows = back.clamp_min(0)
        ctx_y = y.gather(0, rows.reshape(-1, y.shape[1])).reshape(rows.shape).half()
        window = torch.from_numpy(positions.astype(np.int64))
        ctx_pos = torch.where(inside, window[rows].to(torch.int32), torch.full((), -1, dtype=torch.int32))
        keep = top.indices.clamp_max(self.k - 1)  # the old slot of an entry kept from before
        old_ctx_y = self.context_values[:, :, cols].gather(0, keep[:, None, :].expand_as(rows))
        old_ctx_pos = self.context_positions[:, :, cols].gather(0, keep[:, None, :].expand_as(rows))
        positions_now = torch.where(new, window[t], self.positions[:, cols].gather(0, keep))
        self.values[:, cols] = top.values
        self.positions[:, cols] = torch.where(top.values > 0, positions_now, -1)  # y = 0 is no firing
        self.context_values[:, :, cols] = torch.where(new[:, None, :], ctx_y, old_ctx_y)
        self.context_positions[:, :, cols] = torch.where(new[:, None, :], ctx_pos, old_ctx_pos)

    STATE = ("values", "positions", "context_values", "context_positions")


class RunningCorr:
    """Per-column sums of prediction p and truth t over a stream of rows, for their correlation."""

    def __init__(self, n: int):
        self.n = 0
        self.p, self.p2, self.t, self.t2, self.pt = (torch.zeros(n, dtype=torch.float64) for _ in range(5))

    def add(self, p: torch.Tensor, t: torch.Tensor) -> None:
        """One window's rows: summed in float32 (a few hundred terms), accumulated in float64."""
        self.n += p.shape[0]
        for total, part in ((self.p, p.sum(0)), (self.p2, (p * p).sum(0)), (self.t, t.sum(0)),
                            (self.t2, (t * t).sum(0)), (self.pt, (p * t).sum(0))):
            total += part.double()

    def corr(self) -> np.ndarray:
        return corr_from_sums(self.n, self.p, self.p2, self.t, self.t2, self.pt).numpy()


def corr_from_sums(w, p, p2, t, t2, pt) -> torch.Tensor:
    """Pearson correlation from (weighted) sums; 0 where either side is constant."""
    cov = pt - p * t / w
    var_p, var_t = p2 - p * p / w, t2 - t * t / w
    scale = torch.as_tensor(w, dtype=torch.float64)
    ok = (var_p > 1e-9 * scale) & (var_t > 1e-12 * scale)
    return torch.where(ok, cov / (var_p * var_t).clamp_min(1e-30).sqrt(), torch.zeros((), dtype=torch.float64))


def weighted_corr(top_p: torch.Tensor, top_t: torch.Tensor, top_ok: torch.Tensor, rand_p: torch.Tensor,
                  rand_t: torch.Tensor) -> torch.Tensor:
    """Per neuron, the correlation of prediction and truth over its top excerpts (top_*: (E, n), top_ok
    marks real tokens) and the shared random excerpts (rand_*: (R, n)), each random token weighted so
    that the two halves weigh the same (as equal numbers of top and random excerpts would)."""
    ok = top_ok.double()
    n_top = ok.sum(0)
    w = n_top / rand_p.shape[0]  # (n,) the weight of one random token
    p, t = top_p.double() * ok, top_t.double() * ok
    rp, rt = rand_p.double(), rand_t.double()
    sums = [n_top + w * rand_p.shape[0],
            p.sum(0) + w * rp.sum(0), p.pow(2).sum(0) + w * rp.pow(2).sum(0),
            t.sum(0) + w * rt.sum(0), t.pow(2).sum(0) + w * rt.pow(2).sum(0),
            (p * t).sum(0) + w * (rp * rt).sum(0)]
    return torch.where(n_top > 0, corr_from_sums(*sums), torch.zeros((), dtype=torch.float64))


def covers(family: int, groups: list[int], positions: list[int], at: np.ndarray) -> list[bool]:
    """Whether a line of `family` naming `groups` names each firing at corpus `positions` (-1: no firing):
    the position's group in that family is one of them. Plain on purpose: a test checks the build's
    vectorised coverage against it."""
    named = {g for g in groups if g >= 0}
    return [p >= 0 and int(at[family, p]) in named for p in positions]


def covers_all(family: np.ndarray, groups: np.ndarray, positions: np.ndarray, at: np.ndarray) -> np.ndarray:
    """`covers` for many lines at once: family (n,), groups (n, G), positions (n, k) -> (n, k) bool."""
    safe = np.maximum(positions, 0)
    there = at[family[:, None], safe]  # (n, k) each firing's group in its line's family
    hit = ((there[:, :, None] == groups[:, None, :]) & (groups[:, None, :] >= 0)).any(-1)
    return hit & (positions >= 0)
