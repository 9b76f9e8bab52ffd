"""Three ways to split an FFN into experts, counted with the budget page's accounting.

- Top-2 of 8 (Mixtral, Jiang et al. 2024): the preset itself.
- Top-1, the Switch Transformer's routing (Fedus, Zoph and Shazeer 2022, JMLR): each token
  goes to a single expert, so it runs half of Mixtral's expert parameters.
- Fine-grained experts with shared ones (DeepSeekMoE, Dai et al. 2024, ACL): every expert is
  cut into `split` narrower ones, a few of which every token always uses (shared) while the
  router picks the rest. With the same total width and the same width per token, the
  router has far more combinations to choose from.

accounting.py counts experts that are all alike and all routed; the shared experts and a
dense first layer (DeepSeekMoE 16B) are added here, on top of what accounting.py counts for
everything else (embeddings, attention, norms, head, the router of the routed experts).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import comb

from model.architectures import accounting
from model.architectures.config import ModelConfig
from model.architectures.presets import PRESETS


@dataclass(frozen=True)
class MoEDesign:
    name: str
    routed: int  # routed experts per layer
    chosen: int  # routed experts each token uses
    shared: int  # experts every token uses, outside the router
    expert_d_ff: int  # hidden width of one expert
    total: int  # parameters of the whole model
    active: int  # parameters one token uses

    @property
    def combinations(self) -> int:
        """How many different sets of routed experts the router can pick for a token."""
        return comb(self.routed, self.chosen)

    @property
    def width_per_token(self) -> int:
        return (self.chosen + self.shared) * self.expert_d_ff


def _gated(d_model: int, d_ff: int) -> int:
    return 3 * d_model * d_ff  # gate, up and down, no biases


def design(name: str, base: ModelConfig, routed: int, chosen: int, shared: int = 0, expert_d_ff: int | None = None,
           dense_layers: int = 0, dense_d_ff: int | None = None) -> MoEDesign:
    """`base`'s model with `routed` experts per layer (top-`chosen`) plus `shared` always-on ones, all of
    width `expert_d_ff`; the first `dense_layers` layers keep one dense gated FFN of width `dense_d_ff`."""
    f = expert_d_ff or base.d_ff
    moe_layers = base.n_layers - dense_layers
    b = accounting.budget(base.with_(ffn_kind="moe", d_ff=f, n_experts=routed, top_k=chosen, n_layers=moe_layers))
    extra = moe_layers * _gated(base.d_model, f) * shared + dense_layers * _gated(base.d_model, dense_d_ff or base.d_ff)
    # budget() counted only the MoE layers' blocks: add the dense layers' attention and norms
    if dense_layers:
        per_block = accounting.budget(base.with_(n_layers=1)).block
        extra += dense_layers * (per_block["attention"] + per_block["norms"])
    return MoEDesign(name, routed, chosen, shared, f, b.total + extra, b.active + extra)


def mixtral_variants() -> list[MoEDesign]:
    """Mixtral's shape three ways, with the same expert parameters in every row (only the router's size
    differs): top-1 halves the experts a token runs; the fine-grained row keeps Mixtral's width per token."""
    mix = PRESETS["mixtral-8x7b"]
    n, k, split, shared = mix.n_experts, mix.top_k, 4, 2
    return [
        design(f"Mixtral-8x7B, top-{k} of {n}", mix, n, k),
        design(f"Switch-style, top-1 of {n}", mix, n, 1),
        design(f"Fine-grained, {shared} shared + top-{k * split - shared} of {n * split - shared}", mix,
               n * split - shared, k * split - shared, shared, mix.d_ff // split),
    ]


# DeepSeekMoE 16B as its released configuration states it (deepseek-ai/deepseek-moe-16b-base, config.json):
# LLaMA's block with 16 full attention heads, an untied head, the first layer dense (d_ff 10944) and the
# other 27 with 64 routed experts (top-6) and 2 shared ones, each of width 1408.
DEEPSEEK_MOE_16B = ModelConfig(
    "DeepSeekMoE 16B", vocab_size=102400, d_model=2048, n_layers=28, n_heads=16, d_ff=10944, ffn_kind="gated",
    activation="silu", max_positions=0, attn_bias=False, ffn_bias=False, norm="rmsnorm", head="untied")
DEEPSEEK_PUBLISHED_BILLIONS = (16.4, 2.8)  # total and activated, as Dai et al. (2024) report them


def deepseek_moe_16b() -> MoEDesign:
    cfg = DEEPSEEK_MOE_16B
    return design(cfg.name, cfg, routed=64, chosen=6, shared=2, expert_d_ff=1408, dense_layers=1,
                  dense_d_ff=cfg.d_ff)
