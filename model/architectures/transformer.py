"""A config-driven Transformer built from real torch modules.

It exists so that (1) the analytic counts in model/architectures/accounting.py are checked
against `numel()` of modules a learner could train, and (2) pages can run one
block and show the tensor shape after every step. Parameter names match
`accounting.parameter_rows` (with block and expert indices in place of '*').
Rotary position embeddings (no parameters) are used when the config has no
learned positions, as in LLaMA.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from model.architectures.config import ModelConfig
from model.ffn.layers import FFNTrace, MoEFeedForward, make_ffn
from model.util import seeded


def make_norm(cfg: ModelConfig) -> nn.Module:
    if cfg.norm == "rmsnorm":
        return nn.RMSNorm(cfg.d_model, eps=cfg.norm_eps)
    return nn.LayerNorm(cfg.d_model, eps=cfg.norm_eps)


def rope_cos_sin(seq: int, head_dim: int, theta: float = 10000.0, factors: tuple[float, ...] = ()
                 ) -> tuple[Tensor, Tensor]:
    """cos/sin tables (seq, head_dim) for rotary embeddings in the 'rotate half' layout; `factors`
    divide the frequencies one by one (Llama 3.1/3.2, as llama.cpp applies its rope_freqs)."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    if factors:
        inv_freq = inv_freq / torch.tensor(factors, dtype=torch.float32)
    angles = torch.outer(torch.arange(seq, dtype=torch.float32), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def softcap(x: Tensor, cap: float) -> Tensor:
    """Gemma 2's cap·tanh(x/cap): near x for small x, never beyond ±cap; cap 0 leaves x alone."""
    return cap * torch.tanh(x / cap) if cap else x


def capped_attention(q: Tensor, k: Tensor, v: Tensor, cap: float, window: int) -> Tensor:
    """Causal attention written out, for what scaled_dot_product_attention cannot do: scores
    soft-capped before the softmax, and (window > 0) each token seeing only the last `window`."""
    if k.shape[1] != q.shape[1]:  # grouped-query: each k/v head serves several q heads
        k, v = (t.repeat_interleave(q.shape[1] // k.shape[1], dim=1) for t in (k, v))
    scores = softcap(q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5, cap)
    i = torch.arange(q.shape[-2])[:, None]
    j = torch.arange(k.shape[-2])[None, :]
    allowed = (j <= i) & ((i - j < window) if window else True)
    return scores.masked_fill(~allowed, float("-inf")).softmax(-1) @ v


class Attention(nn.Module):
    """Causal multi-head attention with grouped-query sharing of k/v heads."""

    def __init__(self, cfg: ModelConfig, layer: int = 0):
        super().__init__()
        d, hd, b = cfg.d_model, cfg.dim_head, cfg.attn_bias
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.kv_heads, hd
        self.softcap = cfg.attn_softcap
        self.window = cfg.window(layer)
        # Gemma 3's windowed layers rotate with a base of their own
        self.local_theta = cfg.rope_local_theta if self.window and cfg.rope_local_theta else 0.0
        self.q_proj = nn.Linear(d, cfg.n_heads * hd, bias=b)
        self.k_proj = nn.Linear(d, cfg.kv_heads * hd, bias=b)
        self.v_proj = nn.Linear(d, cfg.kv_heads * hd, bias=b)
        self.o_proj = nn.Linear(cfg.n_heads * hd, d, bias=cfg.out_bias)
        if cfg.qk_norm:  # one RMSNorm over each head's width, shared by the heads
            self.q_norm = nn.RMSNorm(hd, eps=cfg.norm_eps)
            self.k_norm = nn.RMSNorm(hd, eps=cfg.norm_eps)

    def forward(self, x: Tensor, rope: tuple[Tensor, Tensor] | None = None, causal: bool = True) -> Tensor:
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
        if hasattr(self, "q_norm"):
            q, k = self.q_norm(q), self.k_norm(k)
        if rope is not None and self.local_theta:
            rope = rope_cos_sin(T, self.head_dim, self.local_theta)
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        if causal and (self.softcap or self.window):
            y = capped_attention(q, k, v, self.softcap, self.window)
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal and T > 1,
                                               enable_gqa=self.n_kv_heads != self.n_heads)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, -1))


@dataclass
class BlockTrace:
    x_in: Tensor
    attn_update: Tensor  # what attention adds to the residual stream
    ffn: FFNTrace | None  # None for MoE blocks
    ffn_update: Tensor  # what the FFN adds to the residual stream
    x_out: Tensor
    ffn_out_scale: Tensor | None = None  # (B, T, 1) with post-norms: ffn_update = ffn output · scale · weight


class Block(nn.Module):
    """x -> attention -> add (& norm) -> FFN -> add (& norm); pre- or post-norm. With
    `post_norms` (Gemma 2, pre-norm too) each sub-layer's output is normalised before the add."""

    def __init__(self, cfg: ModelConfig, layer: int = 0):
        super().__init__()
        self.pre_norm = cfg.norm_position == "pre"
        self.attn_norm = make_norm(cfg)
        self.attn = Attention(cfg, layer)
        self.ffn_norm = make_norm(cfg)
        self.post_attn_norm = make_norm(cfg) if cfg.post_norms else None
        self.post_ffn_norm = make_norm(cfg) if cfg.post_norms else None
        if cfg.ffn_kind == "moe":
            self.ffn = MoEFeedForward(cfg.d_model, cfg.d_ff, cfg.n_experts, cfg.top_k,
                                      cfg.activation, cfg.ffn_bias)
        else:
            self.ffn = make_ffn(cfg.ffn_kind, cfg.d_model, cfg.d_ff, cfg.activation, cfg.ffn_bias)

    def _ffn(self, x: Tensor, scale: Tensor | None) -> tuple[FFNTrace | None, Tensor]:
        if isinstance(self.ffn, MoEFeedForward):
            return None, self.ffn(x)
        t = self.ffn.trace(x, scale)
        return t, t.output

    def _post_ffn(self, f: Tensor) -> tuple[Tensor, Tensor | None]:
        """The FFN's update after Gemma 2's post-norm, and the one scalar per token (1/rms) it
        divided by: the update stays Σ m_i·scale·(v_i ⊙ weight), one exact part per neuron."""
        if self.post_ffn_norm is None:
            return f, None
        scale = torch.rsqrt(f.pow(2).mean(-1, keepdim=True) + self.post_ffn_norm.eps)
        return f * scale * self.post_ffn_norm.weight, scale

    def trace(self, x: Tensor, rope=None, ffn_scale: Tensor | None = None, attention: bool = True) -> BlockTrace:
        """`attention`=False removes the attention sub-layer: its update is zero (the key-value
        page's "without attention")."""
        if self.pre_norm:
            a = self.attn(self.attn_norm(x), rope) if attention else torch.zeros_like(x)
            if self.post_attn_norm is not None and attention:
                a = self.post_attn_norm(a)
            h = x + a
            t, f = self._ffn(self.ffn_norm(h), ffn_scale)
            f, out_scale = self._post_ffn(f)
            return BlockTrace(x, a, t, f, h + f, out_scale)
        a = self.attn(x, rope) if attention else torch.zeros_like(x)
        h = self.attn_norm(x + a)
        t, f = self._ffn(h, ffn_scale)
        return BlockTrace(x, a, t, f, self.ffn_norm(h + f))

    def forward(self, x: Tensor) -> Tensor:
        return self.trace(x).x_out


def make_embedding(n: int, d: int) -> nn.Embedding:
    """nn.Embedding, minus its N(0, 1) initialisation when built on the meta device.

    On meta, torch runs `normal_` through torch._refs, and that import pulls in
    torch._dynamo: 3 s and 74 MB of resident memory in a server that never compiles.
    Shape-only models (accounting) and models about to receive real weights (the
    GGUF loader) need no initial values.
    """
    if torch.empty(0).is_meta:  # inside `with torch.device("meta")`
        return nn.Embedding(n, d, _weight=torch.empty(n, d))
    return nn.Embedding(n, d)


class Embeddings(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.tokens = make_embedding(cfg.vocab_size, cfg.d_model)
        self.scale = cfg.d_model ** 0.5 if cfg.embed_scale else None
        self.positions = make_embedding(cfg.max_positions, cfg.d_model) if cfg.max_positions else None
        self.token_types = make_embedding(cfg.token_types, cfg.d_model) if cfg.token_types else None
        self.norm = make_norm(cfg) if cfg.embedding_norm else None

    def forward(self, ids: Tensor) -> Tensor:
        x = self.tokens(ids)
        if self.scale is not None:
            x = x * self.scale
        if self.positions is not None:
            x = x + self.positions(torch.arange(ids.shape[-1], device=ids.device))
        if self.token_types is not None:
            x = x + self.token_types(torch.zeros_like(ids))
        return self.norm(x) if self.norm is not None else x


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        problems = cfg.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.cfg = cfg
        self.embed = Embeddings(cfg)
        self.blocks = nn.ModuleList(Block(cfg, i) for i in range(cfg.n_layers))
        self.final_norm = make_norm(cfg) if cfg.final_norm else None
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False) if cfg.head == "untied" else None
        if cfg.pooler:
            self.pooler = nn.ModuleDict({"dense": nn.Linear(cfg.d_model, cfg.d_model)})

    @property
    def unembedding(self) -> Tensor:
        """(vocab, d_model): the LM head, or the token embeddings when tied."""
        return self.lm_head.weight if self.lm_head is not None else self.embed.tokens.weight

    def _rope(self, seq: int):
        cfg = self.cfg
        return None if cfg.max_positions else rope_cos_sin(seq, cfg.dim_head, cfg.rope_theta, cfg.rope_factors)

    def _head(self, x: Tensor, capped: bool = True) -> Tensor:
        if self.final_norm is not None:
            x = self.final_norm(x)
        if self.cfg.head == "none":
            return x
        logits = x @ self.unembedding.T
        return softcap(logits, self.cfg.logit_softcap) if capped else logits

    def forward(self, ids: Tensor) -> Tensor:
        x, rope = self.embed(ids), self._rope(ids.shape[-1])
        for block in self.blocks:
            x = block.trace(x, rope).x_out
        return self._head(x)

    def final_residual(self, ids: Tensor, ffn_scales: dict[int, Tensor] | None = None) -> Tensor:
        """(T, d): the residual stream before the final norm, for one sequence (T,), keeping no
        intermediates (the lean path for gradients and interventions; `trace` keeps them)."""
        ffn_scales = ffn_scales or {}
        x, rope = self.embed(ids[None]), self._rope(ids.shape[-1])
        for i, block in enumerate(self.blocks):
            x = block.trace(x, rope, ffn_scales.get(i)).x_out
        return x[0]

    def logits_at(self, final_residual: Tensor, capped: bool = True) -> Tensor:
        """Logits for residual-stream rows (..., d) taken before the final norm (`capped`=False:
        before Gemma 2's soft cap, where they are still linear in the parts of the residual)."""
        return self._head(final_residual, capped)

    def trace(self, ids: Tensor, ffn_scales: dict[int, Tensor] | None = None,
              logits: str = "all", attention_off: tuple[int, ...] = ()) -> "ModelTrace":
        """Forward one sequence (T,) keeping what the key-value analysis needs.

        `ffn_scales` maps a layer to a (d_ff,) multiplier on its FFN coefficients:
        0 switches a neuron off, a zero vector removes the layer's FFN. `logits`
        is "all", "last" (the last position's only) or "none": the unembedding is
        a quarter of the model's FLOPs at length, and even one row reads the whole
        vocabulary matrix (a sixth of a short text's forward pass); `logits_at`
        gives any position later. `attention_off` lists layers whose attention is removed.
        """
        return self.trace_many([ids], ffn_scales, logits, attention_off)[0]

    def trace_many(self, seqs: list[Tensor], ffn_scales: dict[int, Tensor] | None = None,
                   logits: str = "all", attention_off: tuple[int, ...] = ()) -> list["ModelTrace"]:
        """`trace` for several sequences in one batch, right-padded: with causal attention no
        real position sees the padding, and short texts cost little more together than one
        alone, since every matrix is read from memory once per batch instead of once per text.
        Each trace equals its own `trace` up to float32 rounding (a batch of one: exactly)."""
        ffn_scales = ffn_scales or {}
        ids, lengths = self._padded(seqs)
        x, rope = self.embed(ids), self._rope(ids.shape[-1])
        start = x
        attn, ffn, coeffs, gates, ups, out_scales = [], [], [], [], [], []
        for i, block in enumerate(self.blocks):
            t = block.trace(x, rope, ffn_scales.get(i), i not in attention_off)
            x = t.x_out
            out_scales.append(t.ffn_out_scale[..., 0] if t.ffn_out_scale is not None else torch.ones(ids.shape))
            attn.append(t.attn_update)
            ffn.append(t.ffn_update)
            coeffs.append(t.ffn.hidden)
            gates.append(t.ffn.pre)
            ups.append(t.ffn.up if t.ffn.up is not None else t.ffn.pre)
        # (L, B, T, ...) once, then each sequence's (L, n, ...) slice
        stacked = [torch.stack(parts, 1) for parts in (attn, ffn, coeffs, gates, ups, out_scales)]
        # a batch's own copy each: a cached trace must not keep its neighbours' memory alive
        own = (lambda t: t.clone()) if len(seqs) > 1 else (lambda t: t)
        traces = []
        for b, n in enumerate(lengths):
            final = x[b, :n]
            head = {"all": final, "last": final[-1:], "none": None}[logits]
            a, f, c, g, u, o = (own(part[b, :, :n]) for part in stacked)
            traces.append(ModelTrace(logits=None if head is None else self._head(head), embeddings=own(start[b, :n]),
                                     attn_updates=a, ffn_updates=f, coeffs=c, gates=g, ups=u,
                                     final_residual=own(final), ffn_out_scales=o))
        return traces

    def ffn_coefficients(self, seqs: list[Tensor]) -> Tensor:
        """(B, L, T, d_ff): every FFN's coefficients m for several sequences, right-padded to the
        longest (T), and nothing else: the lean pass of a corpus statistic (the neuron dictionary).
        No final norm or logits are computed, and no attention, FFN or residual update, gate or up
        projection is kept. Row b equals `trace_many(seqs)[b].coeffs` on its own positions."""
        ids, _ = self._padded(seqs)
        x, rope = self.embed(ids), self._rope(ids.shape[-1])
        coeffs = []
        for block in self.blocks:
            t = block.trace(x, rope)
            x = t.x_out
            coeffs.append(t.ffn.hidden)
        return torch.stack(coeffs, 1)

    def _padded(self, seqs: list[Tensor]) -> tuple[Tensor, list[int]]:
        """(B, T) ids right-padded with 0 (causal attention: no real position sees the padding)
        and each sequence's length; refuses Mixture-of-Experts blocks, which keep no coefficients."""
        if any(isinstance(b.ffn, MoEFeedForward) for b in self.blocks):
            raise ValueError("trace() supports dense and gated FFNs, not Mixture of Experts")
        lengths = [int(s.shape[-1]) for s in seqs]
        T = max(lengths)
        return torch.stack([F.pad(s, (0, T - n)) for s, n in zip(seqs, lengths)]), lengths


@dataclass
class ModelTrace:
    """One sequence through the model. L layers, T tokens."""

    logits: Tensor | None  # (T, vocab), (1, vocab) for the last position only, or None
    embeddings: Tensor  # (T, d): the residual stream before block 0
    attn_updates: Tensor  # (L, T, d): what each attention layer adds to the residual stream
    ffn_updates: Tensor  # (L, T, d): what each FFN adds
    coeffs: Tensor  # (L, T, d_ff): m = act(gate) * up, the FFN's key coefficients (after interventions)
    gates: Tensor  # (L, T, d_ff): gate_proj(x), before the activation
    ups: Tensor  # (L, T, d_ff): up_proj(x)
    final_residual: Tensor  # (T, d): the residual stream before the final norm
    ffn_out_scales: Tensor  # (L, T): Gemma 2's post-norm scale on each FFN output (1/rms); 1 without


def build_on_meta(cfg: ModelConfig) -> Transformer:
    """The whole model with shapes but no storage: counts 46B parameters in milliseconds."""
    with torch.device("meta"):
        return Transformer(cfg)


def torch_count(cfg: ModelConfig) -> int:
    """sum(p.numel()) of the real modules, with one block built and the other
    n_layers - 1 (identical) blocks counted by multiplication: fast enough to run
    on every rerun of a page."""
    one_layer = build_on_meta(cfg.with_(n_layers=1))
    block = sum(p.numel() for p in one_layer.blocks[0].parameters())
    return sum(p.numel() for p in one_layer.parameters()) + (cfg.n_layers - 1) * block


def random_block(cfg: ModelConfig, seed: int = 0) -> Block:
    """One block with GPT-2-style N(0, 0.02) weights, allocated without the slower default init."""
    block = seeded.allocate(lambda: Block(cfg))
    g = seeded.generator(seed)
    with torch.no_grad():
        for name, p in block.named_parameters():
            if name.endswith("norm.weight"):
                p.fill_(1.0)
            elif p.ndim == 1:
                p.zero_()
            else:
                p.normal_(0.0, 0.02, generator=g)
    return block


def shape_walk(cfg: ModelConfig, batch: int = 2, seq: int = 8, seed: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """Run one real block on random input and report the shape after each step."""
    block = random_block(cfg, seed)
    x = torch.randn(batch, seq, cfg.d_model, generator=torch.Generator().manual_seed(seed))
    rope = None if cfg.max_positions else rope_cos_sin(seq, cfg.dim_head)
    with torch.no_grad():
        t = block.trace(x, rope)
    steps = [("input x", x), ("attention update", t.attn_update)]
    if t.ffn is not None:
        if t.ffn.up is not None:
            steps += [("gate_proj(x)", t.ffn.gate), ("up_proj(x)", t.ffn.up)]
        else:
            steps += [("up_proj(x) (pre-activation)", t.ffn.pre)]
        steps += [("hidden coefficients", t.ffn.hidden)]
    steps += [("FFN update", t.ffn_update), ("block output", t.x_out)]
    return [(name, tuple(v.shape)) for name, v in steps]
