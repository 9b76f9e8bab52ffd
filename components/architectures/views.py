"""Cached views of whole architectures: the parameter budget and the shape walk
through one block (the budget and block pages, and the tour).

Figures are cached by their inputs with `st.cache_resource` (shared, never copied),
as in components/activations/views.py.
"""
from __future__ import annotations

import streamlit as st

from components.architectures import figures as bf
from model.architectures import accounting, transformer
from model.architectures.config import ModelConfig
from model.lm import gguf_loader, registry

LIVE_BLOCK_LIMIT = 8_000_000  # parameters of one block we allocate and run for real on a rerun
# the rule of accounting.dense_vs_gated, said on every page that compares the two
BIAS_RULE = ("Each FFN is counted as its models have it: the dense one with its two bias vectors "
             "(GPT-2, BERT), the gated one without biases (LLaMA).")


@st.cache_resource(max_entries=64, show_spinner=False)
def budget_view(cfg: ModelConfig, seq: int):
    """Budget, per-tensor rows, FLOPs, the PyTorch count and the three figures."""
    b, rows = accounting.budget(cfg), accounting.parameter_rows(cfg)
    flops = accounting.flops_per_token(cfg, seq)
    figures = (bf.share_pie(b.block, "One block: attention vs FFN vs norms"),
               bf.share_pie(b.by_group, "The whole model"),
               bf.flops_bar(flops))
    return b, rows, flops, transformer.torch_count(cfg), figures


def _block_only(cfg: ModelConfig) -> ModelConfig:
    """What a single block depends on: lets changes to layers or vocabulary hit the cache."""
    return cfg.with_(name="", n_layers=1, vocab_size=1, head="none", pooler=False)


@st.cache_resource(max_entries=32, show_spinner=False)
def block_shape_walk(block_cfg: ModelConfig, batch: int, seq: int):
    """Shapes through one block of `block_cfg` (a config the caller already reduced to one block)."""
    return transformer.shape_walk(block_cfg, batch, seq)


def shape_walk(cfg: ModelConfig, batch: int = 2, seq: int = 8):
    return block_shape_walk(_block_only(cfg), batch, seq)


def countable_models() -> dict[str, str]:
    """{key: label} of the model files this server offers (see model/lm/registry.py)."""
    return {m.key: m.label for m in registry.entries()[0]}


@st.cache_resource(max_entries=8, show_spinner="Reading the file's tensors (no weights)…")
def file_count(model_key: str) -> tuple[ModelConfig, list[tuple[str, int, int]]] | str:
    """The config a model file states and (pattern, our formula's count, the file's count) per
    tensor pattern; or why the file cannot be counted."""
    entry = registry.find(model_key, registry.entries()[0])
    try:
        if entry is None:
            raise gguf_loader.ModelUnavailable(f"This server offers no model {model_key!r}.")
        cfg, tensors = gguf_loader.read_header(entry.path or gguf_loader.find_gguf())
    except gguf_loader.ModelUnavailable as err:
        return str(err)
    return cfg, accounting.count_check(cfg, tensors)
