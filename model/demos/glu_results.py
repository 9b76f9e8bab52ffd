"""Why gate at all: the GLU-variant results of Shazeer (2020), "GLU Variants Improve Transformer",
arXiv 2002.05202, table 1, as printed there.

T5-base (12 + 12 layers, d_model 768) pre-trained on C4's span-filling objective; held-out
log-perplexity, lower is better. Parameters and computation are matched: d_ff = 3072 for the
two-matrix FFNs, 2048 for the three-matrix (gated) ones. The 65,536-step column comes from four
short runs of each variant, with their inter-run variability in brackets; the 524,288-step column
from one full run each.
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = "Shazeer (2020), *GLU Variants Improve Transformer*, arXiv 2002.05202, table 1"
D_FF_DENSE, D_FF_GATED, D_MODEL = 3072, 2048, 768


@dataclass(frozen=True)
class GLUResult:
    ffn: str  # as the paper names it: FFN_<variant>
    gated: bool
    short: float  # log-perplexity after 65,536 steps (four runs)
    short_spread: float  # their inter-run variability
    full: float  # after 524,288 steps


TABLE_1 = (
    GLUResult("FFN_ReLU (baseline)", False, 1.997, 0.005, 1.677),
    GLUResult("FFN_GELU", False, 1.983, 0.005, 1.679),
    GLUResult("FFN_Swish", False, 1.994, 0.003, 1.683),
    GLUResult("FFN_GLU", True, 1.982, 0.006, 1.663),
    GLUResult("FFN_Bilinear", True, 1.960, 0.005, 1.648),
    GLUResult("FFN_GEGLU", True, 1.942, 0.004, 1.633),
    GLUResult("FFN_SwiGLU", True, 1.944, 0.010, 1.636),
    GLUResult("FFN_ReGLU", True, 1.953, 0.003, 1.645),
)


def gain_over_baseline(row: GLUResult) -> float:
    """How much lower than ReLU's the full run's log-perplexity is (positive: better)."""
    return TABLE_1[0].full - row.full


def worst_gated_beats_best_ungated() -> bool:
    """After the full run, is every gated FFN better than every ungated one?"""
    return max(r.full for r in TABLE_1 if r.gated) < min(r.full for r in TABLE_1 if not r.gated)


def relu_vs_gelu() -> dict[str, str]:
    """ReLU's and GELU's rows, formatted for the sentences that quote them (the activations page)."""
    relu, gelu = (next(r for r in TABLE_1 if r.ffn.startswith(f"FFN_{name}")) for name in ("ReLU", "GELU"))
    return {"relu_short": f"{relu.short:.3f}", "gelu_short": f"{gelu.short:.3f}",
            "short_spread": f"{max(relu.short_spread, gelu.short_spread):.3f}",
            "relu_full": f"{relu.full:.3f}", "gelu_full": f"{gelu.full:.3f}"}
