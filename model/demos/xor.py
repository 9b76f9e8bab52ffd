"""Train a tiny FFN (2 -> hidden -> 1) on XOR, circles or spirals, live.

Full-batch Adam on a few hundred points: the default run takes well under a second
on a CPU, so the page can retrain on every slider move. With the identity
activation the network is linear and cannot exceed 75% on XOR (any line puts at
least one of the four clusters on the wrong side).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from model.demos.adam import Adam
from model.ffn.layers import FeedForward
from model.util import seeded

DATASETS = ("xor", "circles", "spirals")
GRID = 60  # decision-boundary resolution per axis
LIMIT = 1.6


def make_dataset(name: str, n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if name == "xor":
        centres = np.array([[-0.8, -0.8], [0.8, 0.8], [-0.8, 0.8], [0.8, -0.8]])
        labels = np.array([0, 0, 1, 1])
        which = np.arange(n) % 4
        x, y = centres[which] + rng.normal(0, 0.2, (n, 2)), labels[which]
    elif name == "circles":
        r = np.where(np.arange(n) % 2 == 0, 0.45, 1.2) + rng.normal(0, 0.08, n)
        t = rng.uniform(0, 2 * np.pi, n)
        x, y = np.stack([r * np.cos(t), r * np.sin(t)], 1), (np.arange(n) % 2).astype(int)
    elif name == "spirals":
        k = np.arange(n) // 2
        t = 0.5 + 3.2 * np.pi * k / (n // 2)
        sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
        x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], 1) / (3.7 * np.pi) * LIMIT
        x, y = x + rng.normal(0, 0.02, (n, 2)), (np.arange(n) % 2).astype(int)
    else:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    return x.astype(np.float32), y.astype(np.float32)


@dataclass(frozen=True)
class TrainResult:
    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray  # per step
    accuracy: float  # on the training points, after the last step
    grid: np.ndarray  # (GRID,) coordinates of the decision grid on each axis
    prob: np.ndarray  # (GRID, GRID) P(class 1) over the grid (rows: second coordinate)


def _classifier(hidden: int, activation: str) -> FeedForward:
    """2 -> hidden -> 1: the textbook FFN with a single logit instead of d_model outputs."""
    net = FeedForward(2, hidden, activation, bias=True)
    net.down_proj = torch.nn.Linear(hidden, 1)
    return net


def train(dataset: str = "xor", hidden: int = 8, activation: str = "relu", lr: float = 0.05,
          steps: int = 300, seed: int = 0) -> TrainResult:
    x_np, y_np = make_dataset(dataset, seed=seed)
    net = seeded.build(lambda: _classifier(hidden, activation), seeded.generator(seed))
    opt = Adam(net.parameters(), lr=lr)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    losses = np.empty(steps, dtype=np.float32)
    for step in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(net(x).squeeze(-1), y)
        loss.backward()
        opt.step()
        losses[step] = loss.item()
    with torch.no_grad():
        accuracy = float(((net(x).squeeze(-1) > 0).float() == y).float().mean())
        g = torch.linspace(-LIMIT, LIMIT, GRID)
        gx, gy = torch.meshgrid(g, g, indexing="xy")
        prob = torch.sigmoid(net(torch.stack([gx.flatten(), gy.flatten()], 1))).view(GRID, GRID)
    return TrainResult(x_np, y_np, losses, accuracy, g.numpy(), prob.numpy())
