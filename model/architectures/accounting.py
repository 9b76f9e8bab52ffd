"""Exact parameter, FLOP and memory accounting for a whole Transformer.

Every learnable tensor is one `ParamRow`; all totals are sums over the rows, so
the table a learner reads and the totals they are shown cannot disagree.
Tests check the rows against `numel()` of the torch modules in model/architectures/transformer.py.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from model.architectures.config import ModelConfig

GROUPS = ("embeddings", "attention", "ffn", "norms", "head", "pooler")
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "int8": 1.0, "int4": 0.5}


@dataclass(frozen=True)
class ParamRow:
    group: str  # one of GROUPS
    name: str  # e.g. "ffn.up_proj.weight"
    shape: tuple[int, ...]
    copies: int  # how many times it exists in the model (layers x experts)
    active_copies: int  # how many of those a single token uses

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def total(self) -> int:
        return self.size * self.copies

    @property
    def active(self) -> int:
        return self.size * self.active_copies


def _linear(group, name, d_in, d_out, bias, copies, active=None) -> list[ParamRow]:
    active = copies if active is None else active
    rows = [ParamRow(group, f"{name}.weight", (d_out, d_in), copies, active)]
    if bias:
        rows.append(ParamRow(group, f"{name}.bias", (d_out,), copies, active))
    return rows


def _norm(cfg: ModelConfig, name: str, copies: int, group: str = "norms") -> list[ParamRow]:
    rows = [ParamRow(group, f"{name}.weight", (cfg.d_model,), copies, copies)]
    if cfg.norm == "layernorm":
        rows.append(ParamRow(group, f"{name}.bias", (cfg.d_model,), copies, copies))
    return rows


def ffn_rows(cfg: ModelConfig, copies: int = 1) -> list[ParamRow]:
    """The FFN of `copies` blocks (dense, gated, or MoE with gated experts)."""
    d, f, b = cfg.d_model, cfg.d_ff, cfg.ffn_bias
    if cfg.ffn_kind == "dense":
        return _linear("ffn", "ffn.up_proj", d, f, b, copies) + _linear("ffn", "ffn.down_proj", f, d, b, copies)
    n, k = (cfg.n_experts, cfg.top_k) if cfg.ffn_kind == "moe" else (1, 1)
    prefix = "ffn.experts.*" if cfg.ffn_kind == "moe" else "ffn"
    rows = []
    if cfg.ffn_kind == "moe":
        rows += _linear("ffn", "ffn.router", d, n, False, copies)
    for proj, d_in, d_out in (("gate_proj", d, f), ("up_proj", d, f), ("down_proj", f, d)):
        rows += _linear("ffn", f"{prefix}.{proj}", d_in, d_out, b, copies * n, copies * k)
    return rows


def attention_rows(cfg: ModelConfig, copies: int = 1) -> list[ParamRow]:
    d, q, kv, b = cfg.d_model, cfg.n_heads * cfg.dim_head, cfg.kv_heads * cfg.dim_head, cfg.attn_bias
    return (_linear("attention", "attn.q_proj", d, q, b, copies)
            + _linear("attention", "attn.k_proj", d, kv, b, copies)
            + _linear("attention", "attn.v_proj", d, kv, b, copies)
            + _linear("attention", "attn.o_proj", q, d, cfg.out_bias, copies)
            + [ParamRow("norms", f"attn.{n}.weight", (cfg.dim_head,), copies, copies)
               for n in ("q_norm", "k_norm") if cfg.qk_norm])


def block_rows(cfg: ModelConfig, copies: int = 1) -> list[ParamRow]:
    """One Transformer block (or `copies` identical ones)."""
    post = lambda name: _norm(cfg, name, copies) if cfg.post_norms else []  # noqa: E731
    return (_norm(cfg, "attn_norm", copies) + attention_rows(cfg, copies) + post("post_attn_norm")
            + _norm(cfg, "ffn_norm", copies) + ffn_rows(cfg, copies) + post("post_ffn_norm"))


def parameter_rows(cfg: ModelConfig) -> list[ParamRow]:
    d = cfg.d_model
    rows = [ParamRow("embeddings", "embed.tokens.weight", (cfg.vocab_size, d), 1, 1)]
    if cfg.max_positions:
        rows.append(ParamRow("embeddings", "embed.positions.weight", (cfg.max_positions, d), 1, 1))
    if cfg.token_types:
        rows.append(ParamRow("embeddings", "embed.token_types.weight", (cfg.token_types, d), 1, 1))
    if cfg.embedding_norm:
        rows += _norm(cfg, "embed.norm", 1, group="embeddings")
    rows += [ParamRow(r.group, f"blocks.*.{r.name}", r.shape, r.copies, r.active_copies)
             for r in block_rows(cfg, cfg.n_layers)]
    if cfg.final_norm:
        rows += _norm(cfg, "final_norm", 1)
    if cfg.head == "untied":
        rows += _linear("head", "lm_head", d, cfg.vocab_size, False, 1)
    if cfg.pooler:
        rows += _linear("pooler", "pooler.dense", d, d, True, 1)
    return rows


def pattern(name: str) -> str:
    """'blocks.3.attn.q_proj.weight' -> 'blocks.*.attn.q_proj.weight': one row for all blocks."""
    return re.sub(r"\.\d+\.", ".*.", name)


def tensor_totals(cfg: ModelConfig) -> dict[str, int]:
    """Parameters per tensor pattern, all blocks (and experts) together."""
    totals: dict[str, int] = {}
    for r in parameter_rows(cfg):
        totals[r.name] = totals.get(r.name, 0) + r.total
    return totals


def count_check(cfg: ModelConfig, tensors: dict[str, int]) -> list[tuple[str, int, int]]:
    """(pattern, our count from the config, the count in `tensors`) for every pattern on either
    side: how a model file's own tensors compare with this module's formulas."""
    found: dict[str, int] = {}
    for name, n in tensors.items():
        found[pattern(name)] = found.get(pattern(name), 0) + n
    ours = tensor_totals(cfg)
    return [(p, ours.get(p, 0), found.get(p, 0)) for p in [*ours, *(p for p in found if p not in ours)]]


@dataclass(frozen=True)
class Budget:
    total: int
    active: int
    by_group: dict[str, int]  # total per group
    active_by_group: dict[str, int]
    block: dict[str, int]  # one block: attention / ffn / norms

    @property
    def non_embedding(self) -> int:
        return self.total - self.by_group["embeddings"] - self.by_group["head"]

    @property
    def ffn_share(self) -> float:
        return self.by_group["ffn"] / self.total

    @property
    def ffn_share_non_embedding(self) -> float:
        return self.by_group["ffn"] / self.non_embedding if self.non_embedding else 0.0


def _sum_by_group(rows: list[ParamRow], attr: str) -> dict[str, int]:
    out = dict.fromkeys(GROUPS, 0)
    for r in rows:
        out[r.group] += getattr(r, attr)
    return out


def budget(cfg: ModelConfig) -> Budget:
    rows = parameter_rows(cfg)
    by_group, active = _sum_by_group(rows, "total"), _sum_by_group(rows, "active")
    one_block = _sum_by_group(block_rows(cfg), "total")
    return Budget(total=sum(by_group.values()), active=sum(active.values()), by_group=by_group,
                  active_by_group=active,
                  block={g: one_block[g] for g in ("attention", "ffn", "norms")})


def flops_per_token(cfg: ModelConfig, context: int) -> dict[str, int]:
    """Forward FLOPs for one token attending to `context` positions.

    A matmul with a weight matrix of N entries costs 2N FLOPs (multiply + add);
    attention scores cost 2 * context * head_dim per head for QK^T and again for
    the weighted sum of V (Kaplan et al. 2020, table 1). Biases, norms and
    softmax are left out: they are under 0.1% for every preset.
    """
    rows = [r for r in parameter_rows(cfg) if r.name.endswith("weight") and len(r.shape) == 2]
    matmul = lambda group: 2 * sum(r.active for r in rows if r.group == group)  # noqa: E731
    head = 2 * cfg.vocab_size * cfg.d_model if cfg.head != "none" else 0
    return {
        "attention projections": matmul("attention"),
        "attention scores": 2 * 2 * cfg.n_layers * context * cfg.n_heads * cfg.dim_head,
        "ffn": matmul("ffn"),
        "lm head": head,
        "pooler": matmul("pooler"),
    }


def weight_memory(params: int) -> dict[str, float]:
    """Bytes needed to hold `params` weights at each precision."""
    return {k: params * v for k, v in BYTES_PER_PARAM.items()}


@dataclass(frozen=True)
class Width:
    d_ff: int
    params: int  # of one FFN, biases included where it has them


def dense_vs_gated(d_model: int) -> dict[str, Width]:
    """One FFN at `d_model` four ways, each counted as published: 'dense' at 4× with its two bias
    vectors (GPT-2, BERT); gated, without biases (LLaMA), at the same 4× ('gated_4x'), at the
    parameter-matched 8/3× ('gated') and at LLaMA's rounding ('llama'). The one rule every page
    compares dense and gated FFNs by."""
    def width(kind: str, d_ff: int, bias: bool) -> Width:
        cfg = ModelConfig(d_model=d_model, d_ff=d_ff, ffn_kind=kind, ffn_bias=bias)
        return Width(d_ff, sum(r.total for r in ffn_rows(cfg)))
    return {"dense": width("dense", 4 * d_model, True), "gated_4x": width("gated", 4 * d_model, False),
            "gated": width("gated", parameter_matched_d_ff(d_model), False),
            "llama": width("gated", llama_d_ff(d_model), False)}


def parameter_matched_d_ff(d_model: int, ratio: float = 4.0) -> int:
    """Gated width with the same parameters as a dense FFN of ratio*d_model (3 matrices vs 2)."""
    return int(2 * ratio * d_model / 3)


def llama_d_ff(d_model: int, multiple_of: int = 256) -> int:
    """LLaMA's rule: 2/3 of 4*d_model, rounded up to a multiple of 256 (4096 -> 11008)."""
    return multiple_of * math.ceil(int(2 * 4 * d_model / 3) / multiple_of)
