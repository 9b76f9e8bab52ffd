"""The figures that FFN Lab's sentences quote, computed from the same functions the figures
use, so that no sentence can state a number the code no longer gives.

Course wording (content/) writes them as `{name}` placeholders; `fill` puts in the values.
"""
from __future__ import annotations

from functools import cache

import torch

from model.architectures import accounting
from model.architectures.presets import PRESETS
from model.ffn import activations


def value(name: str, x: float) -> float:
    return float(activations.apply(name, torch.tensor([x], dtype=torch.float64)))


def gap(a: str, b: str, x: float) -> float:
    """a(x) − b(x)."""
    return value(a, x) - value(b, x)


def slope(name: str, x: float) -> float:
    return float(activations.derivative(name, torch.tensor([x], dtype=torch.float64)))


def max_gap(a: str, b: str, limit: float = 8.0, n: int = 16001) -> float:
    """max |a(x) − b(x)| over [−limit, limit]."""
    x = torch.linspace(-limit, limit, n, dtype=torch.float64)
    return float((activations.apply(a, x) - activations.apply(b, x)).abs().max())


def _refine(f, lo: float, hi: float, n: int = 2001, rounds: int = 4) -> tuple[float, float]:
    """(x, f(x)) at the smallest f on [lo, hi]: a grid, narrowed around its best point a few times."""
    for _ in range(rounds):
        x = torch.linspace(lo, hi, n, dtype=torch.float64)
        i = int(f(x).argmin())
        lo, hi = float(x[max(i - 1, 0)]), float(x[min(i + 1, n - 1)])
    best = (lo + hi) / 2
    return best, float(f(torch.tensor([best], dtype=torch.float64)))


def minimum(name: str, limit: float = 8.0) -> tuple[float, float]:
    """(x, value) where the activation is lowest on [−limit, 0] (GELU's and SiLU's dip below zero)."""
    return _refine(lambda x: activations.apply(name, x), -limit, 0.0)


def largest_gap(a: str, b: str, limit: float = 8.0) -> tuple[float, float]:
    """(x ≥ 0, |a(x) − b(x)|) where the two curves lie farthest apart on [0, limit]."""
    x, negative = _refine(lambda x: -(activations.apply(a, x) - activations.apply(b, x)).abs(), 0.0, limit)
    return x, -negative


QUADRANTS = {"g > 0, u > 0": (1, 1), "g > 0, u < 0": (1, -1), "g < 0, u > 0": (-1, 1), "g < 0, u < 0": (-1, -1)}


def gated_signs(gate_activation: str, limit: float = 3.0, n: int = 61) -> dict[str, str]:
    """For each quadrant of the (gate g, up u) plane: is act(g)·u 'positive', 'negative' or
    'zero' throughout it (or 'mixed')? Read off the same grid the heat map draws."""
    grid = torch.linspace(-limit, limit, n, dtype=torch.float64)
    out = {}
    for name, (sg, su) in QUADRANTS.items():
        g, u = grid[grid * sg > 0], grid[grid * su > 0]
        z = activations.apply(gate_activation, g)[None, :] * u[:, None]
        out[name] = ("zero" if bool((z == 0).all()) else "positive" if bool((z > 0).all())
                     else "negative" if bool((z < 0).all()) else "mixed")
    return out


def gated_caption(gate_activation: str) -> str:
    """Where act(g)·u is negative and where it is zero, in words, for one gate activation."""
    signs = gated_signs(gate_activation)
    negative = [q for q, s in signs.items() if s == "negative"]
    zero = [q for q, s in signs.items() if s == "zero"]
    where = " and ".join(f"({q})" for q in negative)
    text = f"act(g)·u is negative in {len(negative)} of the four quadrants, {where}"
    if zero:
        return (text + f"; it is exactly zero for every g < 0, since {gate_activation}(g) = 0 there, and along "
                "u = 0.")
    tail = value(gate_activation, -3.0)
    return (text + f"; it is zero along u = 0 and small but not zero for g ≪ 0 ({gate_activation}(−3) = "
            f"{tail:.3f}): a negative gate lets through a small share of u with its sign flipped.")


def d_ff_ratio(key: str) -> float:
    cfg = PRESETS[key]
    return cfg.d_ff / cfg.d_model


def gated_ratios() -> str:
    """'LLaMA-2-7B 2.69×, Mistral-7B 3.5×, …' for every gated preset (MoE experts included)."""
    return ", ".join(f"{PRESETS[k].name} {d_ff_ratio(k):.3g}×" for k, cfg in PRESETS.items()
                     if cfg.ffn_kind != "dense")


def ffn_share(key: str, non_embedding: bool = False) -> float:
    b = accounting.budget(PRESETS[key])
    return b.ffn_share_non_embedding if non_embedding else b.ffn_share


def share_range(non_embedding: bool = False) -> tuple[float, str, float, str]:
    """(lowest share, its model, highest share, its model) over every preset."""
    shares = sorted((ffn_share(k, non_embedding), PRESETS[k].name) for k in PRESETS)
    return shares[0][0], shares[0][1], shares[-1][0], shares[-1][1]


@cache
def values() -> dict[str, str]:
    """Every placeholder the course wording may use, formatted."""
    low, low_name, high, high_name = share_range()
    (gelu_min_x, gelu_min), (silu_min_x, silu_min) = minimum("gelu"), minimum("silu")
    gap_x, gap_size = largest_gap("gelu", "relu")
    return {
        "gelu_min": f"{gelu_min:.3f}", "gelu_min_x": f"{gelu_min_x:.3f}",
        "silu_min": f"{silu_min:.3f}", "silu_min_x": f"{silu_min_x:.3f}",
        "gelu_relu_gap_peak": f"{gap_size:.2f}", "gelu_relu_gap_peak_x": f"{gap_x:.2f}",
        "gelu_minus_relu_0": f"{abs(gap('gelu', 'relu', 0.0)):.0f}",
        "silu_minus_relu_2": f"{gap('silu', 'relu', 2.0):+.2f}",
        "silu_minus_relu_4": f"{gap('silu', 'relu', 4.0):+.3f}",
        "gelu_minus_relu_1": f"{gap('gelu', 'relu', 1.0):+.3f}",
        "gelu_minus_relu_2": f"{gap('gelu', 'relu', 2.0):+.3f}",
        "gelu_minus_relu_4": f"{gap('gelu', 'relu', 4.0):+.4f}",
        "gelu_slope_minus_4": f"{slope('gelu', -4.0):+.4f}",
        "silu_slope_minus_4": f"{slope('silu', -4.0):+.3f}",
        "silu_3": f"{value('silu', 3.0):.2f}",
        "gelu_tanh_max_gap": f"{max_gap('gelu', 'gelu_tanh'):.4f}",
        "gated_ratios": gated_ratios(),
        "gpt2_small_ffn_share": f"{ffn_share('gpt2-small'):.1%}",
        "gpt2_small_ffn_share_non_embedding": f"{ffn_share('gpt2-small', True):.1%}",
        "ffn_share_low": f"{low:.1%} ({low_name})",
        "ffn_share_high": f"{high:.1%} ({high_name})",
    }


def fill(text: str) -> str:
    """`text` with its `{name}` placeholders replaced by their values."""
    return text.format_map(values())
