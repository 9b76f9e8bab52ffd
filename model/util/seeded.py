"""Reproducible random modules without torch's global random state.

Streamlit runs every session's script on its own thread of one process. A page that called
`torch.manual_seed(seed)` and then built a module could interleave with another session doing
the same, and show numbers that depend on timing. Here every draw comes from a generator the
caller owns instead; the distributions are PyTorch's own defaults.
"""
from __future__ import annotations

import math
from typing import Callable, TypeVar

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@torch.no_grad()
def init_(module: M, g: torch.Generator) -> M:
    """Draw every parameter as PyTorch's default initialisation does, from `g`."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            # kaiming_uniform_(a=√5), nn.Linear's default, reduces to U(±1/√fan_in); so does its bias
            bound = 1.0 / math.sqrt(m.in_features) if m.in_features else 0.0
            m.weight.uniform_(-bound, bound, generator=g)
            if m.bias is not None:
                m.bias.uniform_(-bound, bound, generator=g)
        elif isinstance(m, (nn.LayerNorm, nn.RMSNorm)):
            m.reset_parameters()  # ones and zeros: nothing random
        elif any(True for _ in m.parameters(recurse=False)):
            raise TypeError(f"no seeded initialisation for {type(m).__name__}")
    return module


def allocate(factory: Callable[[], M]) -> M:
    """`factory()` with uninitialised CPU storage: built on the meta device, which skips
    the default (global-RNG) initialisation, then given empty tensors of the same shapes.

    `Module.to_empty` would do the second step, but for meta tensors torch runs
    `empty_like` through its Python references, whose first use imports sympy and
    torch.fx: 40 MB more in every server, for nothing.
    """
    with torch.device("meta"):
        module = factory()
    return module._apply(lambda t: torch.empty(t.shape, dtype=t.dtype))


def build(factory: Callable[[], M], g: torch.Generator) -> M:
    """`factory()` drawn from `g` with PyTorch's default distributions."""
    return init_(allocate(factory), g)
