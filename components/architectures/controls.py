"""The parameter-budget page's controls as plain data: URL params, presets, and the
mapping from control values to a ModelConfig. Pure, so it is tested without a UI."""
from __future__ import annotations

from typing import Any

from components.shared.params import BoolParam, ChoiceParam, NumberParam
from model.architectures.config import ModelConfig
from model.architectures.presets import PRESETS
from model.ffn.activations import ACTIVATIONS

DEFAULT_PRESET = "gpt2-small"
PRESET_PARAM = ChoiceParam("preset", DEFAULT_PRESET, options=list(PRESETS))
FIELDS = [
    NumberParam("d_model", 768, lo=8, hi=16384),
    NumberParam("d_ff", 3072, lo=1, hi=65536),
    ChoiceParam("ffn", "dense", options=["dense", "gated", "moe"]),
    ChoiceParam("activation", "gelu_tanh", options=list(ACTIVATIONS)),
    NumberParam("n_layers", 12, lo=1, hi=256),
    NumberParam("n_heads", 12, lo=1, hi=256),
    NumberParam("n_kv_heads", 12, lo=1, hi=256),
    NumberParam("vocab", 50257, lo=1, hi=1_000_000),
    NumberParam("context", 1024, lo=0, hi=1_048_576),
    ChoiceParam("head", "tied", options=["tied", "untied", "none"]),
    ChoiceParam("norm", "layernorm", options=["layernorm", "rmsnorm"]),
    BoolParam("bias", True),
    NumberParam("n_experts", 1, lo=1, hi=256),
    NumberParam("top_k", 1, lo=1, hi=256),
    NumberParam("seq", 1024, lo=1, hi=1_048_576),
]
PARAMS = [PRESET_PARAM, *FIELDS]


def preset_values(name: str) -> dict[str, Any]:
    """Control values that reproduce preset `name` exactly."""
    c = PRESETS[name]
    return {
        "d_model": c.d_model, "d_ff": c.d_ff, "ffn": c.ffn_kind, "activation": c.activation,
        "n_layers": c.n_layers, "n_heads": c.n_heads, "n_kv_heads": c.kv_heads,
        "vocab": c.vocab_size, "context": c.max_positions, "head": c.head, "norm": c.norm,
        "bias": c.attn_bias or c.ffn_bias, "n_experts": c.n_experts, "top_k": c.top_k,
        "seq": c.max_positions or 4096,
    }


def config_from(preset: str, v: dict[str, Any]) -> ModelConfig:
    """The preset's architecture (BERT's pooler, norm placement...) with the controls applied.
    Biases on keeps the preset's own pattern of them (Qwen2: on q, k, v only), or puts them
    everywhere for a preset without any; off removes them all. Heads keep the preset's own width
    (Gemma's 256 is not d_model / heads), and Gemma 2's extra norms stay while the norm is RMSNorm."""
    moe = v["ffn"] == "moe"
    base = PRESETS[preset]
    if v["bias"] == (base.attn_bias or base.ffn_bias):
        biases = dict(attn_bias=base.attn_bias, attn_out_bias=base.attn_out_bias, ffn_bias=base.ffn_bias)
    else:
        biases = dict(attn_bias=v["bias"], attn_out_bias=None, ffn_bias=v["bias"])
    return base.with_(
        name="custom", d_model=v["d_model"], d_ff=v["d_ff"], ffn_kind=v["ffn"],
        activation=v["activation"], n_layers=v["n_layers"], n_heads=v["n_heads"],
        n_kv_heads=v["n_kv_heads"], head_dim=base.head_dim, vocab_size=v["vocab"], max_positions=v["context"],
        head=v["head"], norm=v["norm"], post_norms=base.post_norms and v["norm"] == "rmsnorm", **biases,
        n_experts=v["n_experts"] if moe else 1, top_k=v["top_k"] if moe else 1,
    )


def modified_fields(preset: str, v: dict[str, Any]) -> list[str]:
    """Which controls differ from the preset (the FLOPs context is not architecture)."""
    base = preset_values(preset)
    return [k for k in base if k != "seq" and v[k] != base[k]]
