"""Numbers behind the activation-function plots."""
from __future__ import annotations

import numpy as np
import torch

from model.ffn import activations


def curves(names: list[str], x_min: float, x_max: float, n: int = 401) -> dict[str, np.ndarray]:
    """x and, per activation name, its values f(x) and derivative f'(x)."""
    x = torch.linspace(x_min, x_max, n, dtype=torch.float64)
    out = {"x": x.numpy()}
    for name in names:
        out[name] = activations.apply(name, x).numpy()
        out[name + "'"] = activations.derivative(name, x).numpy()
    return out


def glu_surface(activation: str, limit: float = 3.0, n: int = 61) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """g, u and act(g) * u on an n x n grid: what one gated neuron outputs."""
    g = torch.linspace(-limit, limit, n, dtype=torch.float64)
    u = torch.linspace(-limit, limit, n, dtype=torch.float64)
    z = activations.apply(activation, g)[None, :] * u[:, None]  # rows: u, columns: g
    return g.numpy(), u.numpy(), z.numpy()
