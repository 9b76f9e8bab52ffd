"""Cached views: pure model/ results and the plotly figures built from them.

Building a plotly figure costs 20-40 ms, more than the computation behind most
of ours, so figures are cached by their inputs with `st.cache_resource` (shared,
never copied). Nothing mutates a cached figure: st.plotly_chart serialises it.
"""
from __future__ import annotations

import streamlit as st

from components import activation_figures as af
from components import budget_figures as bf
from model import accounting, curves, hidden_stats, transformer
from model.activations import GLU_LABELS, GLU_VARIANTS, get
from model.config import ModelConfig

LIVE_BLOCK_LIMIT = 8_000_000  # parameters of one block we allocate and run for real on a rerun


@st.cache_resource(max_entries=64, show_spinner=False)
def curves_figure(names: tuple[str, ...], x_range: float, derivative: bool, presentation: bool = False):
    data = curves.curves(list(names), -x_range, x_range)
    return af.activation_curves(data, list(names), show_derivative=derivative, presentation=presentation)


@st.cache_resource(max_entries=4, show_spinner=False)
def gelu_figures(presentation: bool = False):
    return (af.gelu_exact_vs_tanh(curves.curves(["gelu", "gelu_tanh"], -4.0, 4.0), presentation),
            af.near_zero(curves.curves(["relu", "gelu"], -3.0, 2.0), presentation))


@st.cache_resource(max_entries=8, show_spinner=False)
def glu_figure(glu: str, presentation: bool = False):
    act = GLU_VARIANTS[glu]
    return af.glu_heatmap(*curves.glu_surface(act), title=f"{GLU_LABELS[glu]}: {get(act).label}(g) × u",
                          presentation=presentation)


@st.cache_resource(max_entries=64, show_spinner=False)
def random_ffn(d_model: int, d_ff: int, kind: str, n_tokens: int, seed: int, title: str,
               presentation: bool = False):
    stats = hidden_stats.random_ffn_hidden(d_model, d_ff, kind, n_tokens, seed)
    return stats, af.hidden_histogram(stats.counts, stats.edges, title, presentation)


@st.cache_resource(max_entries=64, show_spinner=False)
def budget_view(cfg: ModelConfig, seq: int, presentation: bool = False):
    """Budget, per-tensor rows, FLOPs, the PyTorch count and the three figures."""
    b, rows = accounting.budget(cfg), accounting.parameter_rows(cfg)
    flops = accounting.flops_per_token(cfg, seq)
    figures = (bf.share_pie(b.block, "One block: attention vs FFN vs norms", presentation),
               bf.share_pie(b.by_group, "The whole model", presentation),
               bf.flops_bar(flops, presentation))
    return b, rows, flops, transformer.torch_count(cfg), figures


def _block_only(cfg: ModelConfig) -> ModelConfig:
    """What a single block depends on: lets changes to layers or vocabulary hit the cache."""
    return cfg.with_(name="", n_layers=1, vocab_size=1, head="none", pooler=False)


@st.cache_resource(max_entries=32, show_spinner=False)
def _shape_walk(block_cfg: ModelConfig, batch: int, seq: int):
    return transformer.shape_walk(block_cfg, batch, seq)


def shape_walk(cfg: ModelConfig, batch: int = 2, seq: int = 8):
    return _shape_walk(_block_only(cfg), batch, seq)
