"""A whole-model configuration, enough to count every parameter exactly."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

FFNKind = Literal["dense", "gated", "moe"]


@dataclass(frozen=True)
class ModelConfig:
    name: str = "custom"
    vocab_size: int = 50257
    d_model: int = 768
    n_layers: int = 12
    n_heads: int = 12
    n_kv_heads: int | None = None  # grouped-query attention; None = n_heads (plain MHA)
    head_dim: int | None = None  # None = d_model // n_heads
    d_ff: int = 3072
    ffn_kind: FFNKind = "dense"  # moe experts are gated, as in Mixtral
    activation: str = "gelu_tanh"
    n_experts: int = 1
    top_k: int = 1
    max_positions: int = 1024  # learned absolute positions; 0 = none (RoPE)
    token_types: int = 0  # BERT's segment embeddings
    attn_bias: bool = True  # biases on q, k, v and the output projection
    attn_out_bias: bool | None = None  # the output projection's alone (Qwen2: none); None = attn_bias
    ffn_bias: bool = True
    norm: Literal["layernorm", "rmsnorm"] = "layernorm"  # LayerNorm has a bias, RMSNorm not
    norm_position: Literal["pre", "post"] = "pre"
    embedding_norm: bool = False  # BERT normalises the summed embeddings
    final_norm: bool = True
    head: Literal["tied", "untied", "none"] = "tied"  # 'none': encoder without LM head
    pooler: bool = False  # BERT's [CLS] pooler (dense + tanh)
    rope_theta: float = 10000.0  # rotary base, used when max_positions == 0
    norm_eps: float = 1e-5
    # Gemma: embeddings times sqrt(d_model); Gemma 2 adds the rest: a norm on each sub-layer's
    # output before it joins the residual stream, c·tanh(x/c) on attention scores and final logits,
    # and layers attending only to the last `sliding_window` tokens (see `window`)
    embed_scale: bool = False
    post_norms: bool = False
    attn_softcap: float = 0.0  # 0 = none
    logit_softcap: float = 0.0
    sliding_window: int = 0  # 0 = every layer sees the whole text
    sliding_window_pattern: int = 2  # of every this many layers all but the last are windowed (Gemma 2: 2)
    qk_norm: bool = False  # Qwen3, Gemma 3: an RMSNorm on each head's query and key, before the rotation
    rope_local_theta: float = 0.0  # Gemma 3: the rotary base of windowed layers; 0 = rope_theta
    # Llama 3.1 and 3.2 stretch long rotary wavelengths: each frequency divided by its factor (the file's
    # rope_freqs tensor, from the "llama3" rope scaling); () = none
    rope_factors: tuple[float, ...] = ()

    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @property
    def dim_head(self) -> int:
        return self.head_dim or self.d_model // self.n_heads

    @property
    def out_bias(self) -> bool:
        return self.attn_bias if self.attn_out_bias is None else self.attn_out_bias

    def window(self, layer: int) -> int:
        """How many recent tokens `layer` attends to, 0 for all. llama.cpp's rule
        (`llama_hparams::set_swa_pattern`): Gemma 2's pattern of 2 windows layers 0, 2, 4, …, and
        Gemma 3's of 6 five layers in every six."""
        windowed = layer % self.sliding_window_pattern < self.sliding_window_pattern - 1
        return self.sliding_window if windowed else 0

    def problems(self) -> list[str]:
        """Why this config cannot be built, in words a learner understands."""
        out = []
        positive = ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "n_experts", "top_k",
                    "sliding_window_pattern")
        out += [f"{f} must be at least 1" for f in positive if getattr(self, f) < 1]
        if self.head_dim is None and self.n_heads >= 1 and self.d_model % self.n_heads:
            out.append(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        if self.n_heads >= 1 and self.kv_heads >= 1 and self.n_heads % self.kv_heads:
            out.append(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.kv_heads})")
        if self.ffn_kind == "moe" and not 1 <= self.top_k <= self.n_experts:
            out.append(f"top_k ({self.top_k}) must be between 1 and n_experts ({self.n_experts})")
        if self.rope_factors and len(self.rope_factors) != self.dim_head // 2:
            out.append(f"rope_factors needs one factor per rotary frequency ({self.dim_head // 2})")
        if self.post_norms and (self.norm != "rmsnorm" or self.norm_position != "pre"):
            out.append("post_norms (Gemma 2's extra norms) need pre-norm RMSNorm blocks")
        return out

    def with_(self, **changes) -> "ModelConfig":
        return replace(self, **changes)
