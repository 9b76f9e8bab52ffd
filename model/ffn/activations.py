"""Activation functions by name, each with its analytic derivative.

The derivatives are written out (not taken by autograd) because the app plots
them and a learner should be able to read the formula; tests check every one
against autograd.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_C = 0.044715
LEAKY_SLOPE = 0.01


def _phi(x: Tensor) -> Tensor:
    """Standard normal density."""
    return torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _Phi(x: Tensor) -> Tensor:
    """Standard normal CDF (what exact GELU multiplies x by)."""
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _gelu_tanh_inner(x: Tensor) -> Tensor:
    return _SQRT_2_OVER_PI * (x + _GELU_TANH_C * x**3)


def _d_gelu_tanh(x: Tensor) -> Tensor:
    t = torch.tanh(_gelu_tanh_inner(x))
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_C * x * x)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du


def _d_silu(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    formula: str  # LaTeX, shown next to the curve
    fn: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor], Tensor]
    used_by: str


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("relu", "ReLU", r"\max(0, x)", torch.relu,
                   lambda x: (x > 0).to(x.dtype), "original Transformer, T5, OPT"),
        Activation("gelu", "GELU (exact, erf)", r"x\,\Phi(x)",
                   lambda x: x * _Phi(x), lambda x: _Phi(x) + x * _phi(x), "BERT"),
        Activation("gelu_tanh", "GELU (tanh approx.)",
                   r"\tfrac{x}{2}\left(1+\tanh\!\left[\sqrt{2/\pi}\,(x+0.044715x^3)\right]\right)",
                   lambda x: 0.5 * x * (1.0 + torch.tanh(_gelu_tanh_inner(x))), _d_gelu_tanh,
                   "GPT-2, GPT-3"),
        Activation("silu", "SiLU / Swish", r"x\,\sigma(x)", F.silu,  # x * sigmoid(x) in one pass
                   _d_silu, "LLaMA, Mistral, SmolLM2 (inside SwiGLU)"),
        Activation("leaky_relu", "Leaky ReLU", r"\max(0.01x, x)",
                   lambda x: torch.where(x > 0, x, LEAKY_SLOPE * x),
                   lambda x: torch.where(x > 0, torch.ones_like(x), torch.full_like(x, LEAKY_SLOPE)),
                   "GANs, some CNNs"),
        Activation("relu2", "ReLU²", r"\max(0, x)^2", lambda x: torch.relu(x) ** 2,
                   lambda x: 2.0 * torch.relu(x), "Primer, Nemotron-4"),
        Activation("none", "none (identity)", r"x", lambda x: x, torch.ones_like,
                   "nothing: two linear layers then collapse into one"),
    ]
}

# The gated family: name -> the activation applied to the gate branch.
GLU_VARIANTS: dict[str, str] = {"swiglu": "silu", "geglu": "gelu", "reglu": "relu"}
GLU_LABELS: dict[str, str] = {"swiglu": "SwiGLU", "geglu": "GeGLU", "reglu": "ReGLU"}


def get(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None


def apply(name: str, x: Tensor) -> Tensor:
    return get(name).fn(x)


def derivative(name: str, x: Tensor) -> Tensor:
    return get(name).derivative(x)


def glu_name(activation: str) -> str:
    """The gated variant built on `activation` (silu -> SwiGLU), or 'GLU(act)'. Gemma's GeGLU runs
    GELU's tanh form and is still called GeGLU."""
    activation = "gelu" if activation == "gelu_tanh" else activation
    for variant, act in GLU_VARIANTS.items():
        if act == activation:
            return GLU_LABELS[variant]
    return f"GLU({get(activation).label})"
