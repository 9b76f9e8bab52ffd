"""Choosing each neuron's line from its strongest firings (as N2G draws its patterns from a neuron's
top examples, Foote et al. 2023), scored on top excerpts plus random ones (as OpenAI's
explain–simulate–score scores its simulations, Bills et al. 2023).

For one sign and one family, a neuron's candidates are the groups at its TOP strongest training
firings, ordered by how much of those firings they hold (the sum of y over the firings in the group).
A line names the first k of them; for each k the simulator's correlation over the neuron's top excerpts
plus the random excerpts (weighted equally) is computed in closed form, and the shortest line nearly as
good as the best is kept. The family whose line scores best wins.

A group's typical value (what the simulator predicts where the group matches) estimates the mean of y
over all its training tokens: its occurrences among the top firings are known exactly, the rest of its
exact count is valued at its mean in the random sample, shrunk towards the neuron's mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.lm import explain_groups as eg
from model.lm.explain_firings import corr_from_sums

MAX_GROUPS = max(eg.GROUPS_OF.values())
MIN_COUNT = 3  # a group seen fewer times in the training documents cannot be named
SHRINK = 4.0  # a group's sample mean is pulled towards the neuron's mean as if by this many tokens
ENOUGH = 0.02  # a shorter line is kept when it scores within this of the best


@dataclass
class Lines:
    """One sign's lines for n neurons (typical values in y units: the size of that sign's part of m)."""
    family: np.ndarray  # (n,) int
    groups: np.ndarray  # (n, MAX_GROUPS) int64, -1 unused
    values: np.ndarray  # (n, MAX_GROUPS) float: the typical y where each group matches
    base: np.ndarray  # (n,) float: the typical y elsewhere
    train_corr: np.ndarray  # (n,) float: the simulator's correlation on training top + random excerpts

    @classmethod
    def empty(cls, n: int) -> "Lines":
        return cls(np.zeros(n, np.int64), np.full((n, MAX_GROUPS), -1, np.int64), np.zeros((n, MAX_GROUPS)),
                   np.zeros(n), np.full(n, -np.inf))

    def permuted(self, order: np.ndarray) -> "Lines":
        return Lines(self.family[order], self.groups[order], self.values[order], self.base[order],
                     self.train_corr[order])


@dataclass
class Evidence:
    """What the training pass kept for a block of B neurons and one sign."""
    top_positions: torch.Tensor  # (K, B) int64, -1 where no firing
    top_y: torch.Tensor  # (K, B)
    context_positions: torch.Tensor  # (K, C, B) int32, -1 outside the window
    context_y: torch.Tensor  # (K, C, B)
    sample_positions: np.ndarray  # (S,) shared random excerpts' tokens
    sample_y: torch.Tensor  # (S, B)
    total_y: torch.Tensor  # (B,) float64: y summed over all training tokens
    n_train: int


class _Block:
    """What every family's choice reads of one block of neurons, computed once."""

    def __init__(self, ev: Evidence, in_sample: np.ndarray):
        K, B = ev.top_positions.shape
        self.ev = ev
        self.firing = ev.top_positions >= 0
        self.top_y = ev.top_y.float() * self.firing
        self.sampled = (torch.from_numpy(in_sample)[ev.top_positions.clamp_min(0)] & self.firing).float()
        self.earlier = torch.triu(torch.ones(K, K, dtype=torch.bool), 1)[:, :, None]
        self.sample_y = ev.sample_y.float()
        self.ctx_ok = (ev.context_positions >= 0).flatten(0, 1)  # (KC, B)
        self.ctx_positions = ev.context_positions.flatten(0, 1).clamp_min(0).long()
        self.ctx_y = ev.context_y.float().flatten(0, 1) * self.ctx_ok
        self.n_top = self.ctx_ok.sum(0, dtype=torch.float64)
        self.w_r = self.n_top / len(ev.sample_positions)  # one random token's weight: the halves weigh the same
        self.W = 2 * self.n_top
        self.Mt = self.ctx_y.sum(0, dtype=torch.float64) + self.w_r * self.sample_y.sum(0, dtype=torch.float64)
        self.M2 = (self.ctx_y.pow(2).sum(0, dtype=torch.float64)
                   + self.w_r * self.sample_y.pow(2).sum(0, dtype=torch.float64))
        self.mu = ev.total_y / ev.n_train


def _candidates_in_family(blk: _Block, at: np.ndarray, counts: np.ndarray, most: int) -> tuple[torch.Tensor, ...]:
    """(groups (G, B), values (G, B), base (B,), corr (B,)) of one family's best line per neuron."""
    ev = blk.ev
    at_t = torch.from_numpy(at)
    K, B = ev.top_positions.shape
    cand = torch.where(blk.firing, at_t[ev.top_positions.clamp_min(0)], -1)  # (K, B)
    same = (cand[:, None, :] == cand[None, :, :]) & (cand[:, None, :] >= 0)  # [i, j]: firing i is in group j
    first = ~(same & blk.earlier).any(0)
    same_f = same.float()
    t_cnt = same_f.sum(0).double()
    t_sum = (same_f * blk.top_y[:, None, :]).sum(0).double()  # y of the strongest firings each group holds
    o_cnt = (same_f * blk.sampled[:, None, :]).sum(0).double()  # ... of those also in the random sample
    o_sum = (same_f * (blk.sampled * blk.top_y)[:, None, :]).sum(0).double()
    # the random sample's tokens in each group
    sample_groups = at[ev.sample_positions]
    named = sample_groups >= 0
    uniq, inverse = np.unique(sample_groups[named], return_inverse=True)
    rows = max(len(uniq), 1)
    per_group = torch.zeros(rows, B).index_add_(0, torch.from_numpy(inverse), blk.sample_y[torch.from_numpy(named)])
    per_count = torch.from_numpy(np.bincount(inverse, minlength=rows).astype(np.float64))
    row = torch.from_numpy(np.clip(np.searchsorted(uniq, cand.clamp_min(0).numpy()), 0, rows - 1))
    found = ((torch.from_numpy(uniq)[row] == cand) & (cand >= 0)) if len(uniq) else torch.zeros_like(cand, dtype=bool)
    s_cnt_all = per_count[row] * found
    s_sum_all = per_group.gather(0, row).double() * found
    s_cnt = (s_cnt_all - o_cnt).clamp_min(0)
    s_sum = s_sum_all - o_sum
    c = torch.from_numpy(counts.astype(np.float64))[cand.clamp_min(0)] * (cand >= 0)
    mu_hat = (s_sum + SHRINK * blk.mu) / (s_cnt + SHRINK)
    values = (t_sum + (c - t_cnt).clamp_min(0) * mu_hat) / c.clamp_min(1)
    key = torch.where(first & (cand >= 0) & (c >= MIN_COUNT), t_sum, torch.full((), -torch.inf, dtype=torch.float64))
    order = key.topk(min(most, K), dim=0).indices  # (G, B)
    ok = key.gather(0, order) > -torch.inf
    g = torch.where(ok, cand.gather(0, order), -1)
    v, cnt = values.gather(0, order) * ok, c.gather(0, order) * ok
    # each candidate's weight and y over the top excerpts and the (equally weighted) random ones
    ctx_groups = torch.where(blk.ctx_ok, at_t[blk.ctx_positions], -1)
    hit = ((g[:, None, :] == ctx_groups[None, :, :]) & (g[:, None, :] >= 0)).float()  # (G, KC, B)
    W_j = hit.sum(1).double() + blk.w_r * s_cnt_all.gather(0, order) * ok
    M_j = (hit * blk.ctx_y[None]).sum(1).double() + blk.w_r * s_sum_all.gather(0, order) * ok
    C_A, CV_A = cnt.cumsum(0), (cnt * v).cumsum(0)
    W_A, M_A = W_j.cumsum(0), M_j.cumsum(0)
    base = (ev.total_y - CV_A) / (ev.n_train - C_A).clamp_min(1)
    Sp = (W_j * v).cumsum(0) + (blk.W - W_A) * base
    Spp = (W_j * v * v).cumsum(0) + (blk.W - W_A) * base.pow(2)
    Spm = (M_j * v).cumsum(0) + (blk.Mt - M_A) * base
    corr = corr_from_sums(blk.W, Sp, Spp, blk.Mt, blk.M2, Spm)
    corr = torch.where(ok, corr, torch.full((), -torch.inf, dtype=torch.float64))
    best = corr.max(0).values
    k = (corr >= best - ENOUGH).double().argmax(0) + 1  # the shortest line nearly as good
    empty = ~(best > 0)
    keep = (torch.arange(g.shape[0])[:, None] < k[None, :]) & ~empty[None, :]
    chosen = (k - 1).clamp_min(0)[None, :]
    line_base = torch.where(empty, blk.mu, base.gather(0, chosen)[0])
    line_corr = torch.where(empty, torch.zeros((), dtype=torch.float64), corr.gather(0, chosen)[0])
    return torch.where(keep, g, -1), v * keep, line_base, line_corr


def choose(ev: Evidence, at: np.ndarray, counts: list[np.ndarray], in_sample: np.ndarray) -> Lines:
    """Each neuron's line for one sign: the family whose line from its strongest firings scores best."""
    blk = _Block(ev, in_sample)
    best = Lines.empty(ev.top_positions.shape[1])
    for family in eg.PREFERENCE:
        groups, values, base, corr = _candidates_in_family(blk, at[family], counts[family], eg.GROUPS_OF[family])
        corr = corr.numpy()
        better = corr > best.train_corr + 1e-9
        pad = MAX_GROUPS - groups.shape[0]
        best.family[better] = family
        best.groups[better] = np.pad(groups.T.numpy(), ((0, 0), (0, pad)), constant_values=-1)[better]
        best.values[better] = np.pad(values.T.numpy(), ((0, 0), (0, pad)))[better]
        best.base[better], best.train_corr[better] = base.numpy()[better], corr[better]
    best.train_corr = np.maximum(best.train_corr, 0.0)
    return best


def predict(lines: Lines, at: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The simulator: each neuron's predicted y at its positions (E, n) (-1: none, predicted as elsewhere)."""
    there = at[lines.family[None, :], np.maximum(positions, 0)]  # (E, n)
    pred = np.broadcast_to(lines.base, positions.shape).astype(np.float64).copy()
    for j in range(lines.groups.shape[1]):
        g = lines.groups[:, j]
        hit = (there == g[None, :]) & (g[None, :] >= 0) & (positions >= 0)
        pred = np.where(hit, lines.values[None, :, j], pred)
    return pred
