"""The figures that settle the architecture predictions (content/predictions.py): shapes through a
block, parameter counts and shares, each computed by the function that draws the view it settles."""
from __future__ import annotations

from components.architectures import views
from content.predictions import PREDICTIONS, Truth
from model.architectures import accounting
from model.architectures.config import ModelConfig
from model.architectures.presets import PRESETS
from model.util.formatting import si

# the block page's defaults (lessons/block.py): the block its shape question asks about
BLOCK_SETTING = ModelConfig(d_model=64, n_heads=4, d_ff=256, ffn_kind="dense", activation="gelu",
                            attn_bias=True, ffn_bias=True, norm_position="pre")
BLOCK_BATCH, BLOCK_SEQ = 2, 8
GATING_D_MODEL = 256  # the gating page's default d_model
BUDGET_SEQ = 1024  # context for the budget view's FLOPs (GPT-2 small's), as the tour's step draws it


def block_first_linear() -> Truth:
    """The shape out of the FFN's first Linear, read off the block page's shape walk."""
    cfg = BLOCK_SETTING
    walk = views.block_shape_walk(cfg, BLOCK_BATCH, BLOCK_SEQ)
    shape = next(s for name, s in walk if name.startswith(("up_proj", "gate_proj")))
    return Truth(PREDICTIONS["block-first-linear"].options.index(str(shape)),
                 {"batch": str(BLOCK_BATCH), "seq": str(BLOCK_SEQ), "d_model": str(cfg.d_model),
                  "d_ff": f"{cfg.d_ff:,}"})


def gating_parameters() -> Truth:
    """SwiGLU's parameters over the dense FFN's at the same d_ff = 4·d_model, each counted as its
    models have it (the gating page's table: accounting.dense_vs_gated)."""
    widths = accounting.dense_vs_gated(GATING_D_MODEL)
    dense, gated = widths["dense"], widths["gated_4x"]
    assert dense.d_ff == gated.d_ff == 4 * GATING_D_MODEL
    ratio = gated.params / dense.params
    return Truth(round(ratio, 2), {"d_model": str(GATING_D_MODEL), "dense": f"{dense.params:,}",
                                   "gated": f"{gated.params:,}", "exact": f"{ratio:.3f}"})


def moe_active_share() -> Truth:
    """The share of Mixtral-8x7B's parameters one token uses (the MoE page's table)."""
    cfg = PRESETS["mixtral-8x7b"]
    b = accounting.budget(cfg)
    share = b.active / b.total
    return Truth(round(100 * share, 1), {
        "total": si(b.total), "active": si(b.active), "shared": si(b.total - b.by_group["ffn"]),
        "n_experts": str(cfg.n_experts), "top_k": str(cfg.top_k), "k_over_n": f"{cfg.top_k / cfg.n_experts:.0%}"})


def _gpt2_small():
    return views.budget_view(PRESETS["gpt2-small"], BUDGET_SEQ)[0]


def _budget_values(b: accounting.Budget) -> dict[str, str]:
    cfg = PRESETS["gpt2-small"]
    return {"total": si(b.total), "ffn": si(b.by_group["ffn"]), "embeddings": si(b.by_group["embeddings"]),
            "non_embedding": si(b.non_embedding), "n_layers": str(cfg.n_layers),
            "block_share": f"{b.block['ffn'] / sum(b.block.values()):.1%}",
            "share": f"{b.ffn_share:.1%}", "share_non_embedding": f"{b.ffn_share_non_embedding:.1%}"}


def budget_ffn_share() -> Truth:
    """The FFNs' share of all GPT-2 small's parameters (the budget page's metric and pie)."""
    b = _gpt2_small()
    return Truth(round(100 * b.ffn_share, 1), _budget_values(b))


def tour_ffn_share() -> Truth:
    """The FFNs' share of GPT-2 small's parameters outside the embeddings (the budget page's metric,
    tour step 5's)."""
    b = _gpt2_small()
    return Truth(round(100 * b.ffn_share_non_embedding, 1), _budget_values(b))
