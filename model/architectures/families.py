"""Architecture families, each declared once: what every model of a family shares (norm, FFN
kind and activation, biases, post-norms, soft caps, the sliding-window pattern, rotary or learned
positions), the settings its GGUF files state in their metadata, its SentencePiece layout and its
converter's quirks. Presets (presets.py), the GGUF loader (model/lm/gguf_loader.py), the tokenizer
builder (model/lm/tokenizer.py) and the pages' FFN labels read them from here; accounting.py counts
the ModelConfig a family builds.

Adding a family (qwen3 was added this way):
1. One `Family` entry in FAMILIES below: `name` as the file's `general.architecture` says it,
   the ModelConfig `fields` all its models share, the fields its metadata `stated` (key after the
   architecture, and the value llama.cpp assumes when a file leaves it out), its `sentencepiece`
   layout if its files may carry one, and the converter's quirks.
2. Its loader mapping: any tensor names llama.cpp gives it that FFN Lab does not know yet, in
   gguf_loader.GGUF_TO_OURS (qwen3: `attn_q_norm`, `attn_k_norm`).
3. Only if it has a part our forward pass lacks (qwen3's norms on q and k): a ModelConfig field,
   the module in transformer.py and its rows in accounting.py; tests/model/architectures check the
   rows against `numel()`.
4. A preset in presets.py with its published total, and a tiny file of it in
   tests/model/lm/test_architectures.py (against transformers); tests/model/architectures/
   test_families.py then checks that the preset and the file give the family the same fields.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model.architectures.config import ModelConfig
from model.ffn.activations import get as get_activation
from model.ffn.activations import glu_name


@dataclass(frozen=True)
class Stated:
    """A ModelConfig field a family's files state in their metadata."""
    field: str
    key: str  # the metadata key after '<architecture>.'
    default: float  # what llama.cpp assumes when the key is missing; presets use it too


@dataclass(frozen=True)
class Family:
    name: str  # general.architecture in a GGUF file
    label: str  # how a learner knows it
    fields: dict  # ModelConfig fields every model of the family has
    positions: Literal["rope", "learned"] = "rope"  # learned: an embedding as long as the context
    stated: tuple[Stated, ...] = ()
    # the SentencePiece layout its files may carry (model/lm/tokenizer.py); byte-level BPE with a split
    # FFN Lab knows is accepted for every family. None: SentencePiece files are refused
    sentencepiece: Literal["llama", "gemma"] | None = None
    unpermute_qk: bool = False  # llama.cpp interleaved the rotary halves of q and k (its LLaMA converter only)
    norms_plus_one: bool = False  # the converter stored each norm's 1 + w, so the norms run as stored
    # its files may carry llama.cpp's `rope_freqs` tensor: Llama 3.1 and 3.2's "llama3" rope scaling,
    # written as one divisor per rotary frequency (ModelConfig.rope_factors)
    rope_freqs: bool = False
    loads: bool = True  # FFN Lab runs GGUF files of it (BERT: an encoder, counted on the budget page only)

    def config(self, **fields) -> ModelConfig:
        """A ModelConfig of this family: its own fields, its stated fields' defaults, then `fields`."""
        own = {**self.fields, **({"max_positions": 0} if self.positions == "rope" else {})}
        return ModelConfig(**{**own, **{s.field: s.default for s in self.stated}, **fields})

    @property
    def ffn_label(self) -> str:
        return ffn_label(self.config())


_LLAMA = dict(ffn_kind="gated", activation="silu", attn_bias=False, ffn_bias=False, norm="rmsnorm")
_GEMMA = {**_LLAMA, "activation": "gelu_tanh", "embed_scale": True}
FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("llama", "LLaMA", _LLAMA, sentencepiece="llama", unpermute_qk=True, rope_freqs=True),
    # LLaMA's layout plus biases on q, k and v (not on the output projection)
    Family("qwen2", "Qwen2", {**_LLAMA, "attn_bias": True, "attn_out_bias": False}),
    # the dense FFN Geva et al. (2022) read in GPT-2: m = gelu(k·x + b), biases everywhere, LayerNorm
    Family("gpt2", "GPT-2", dict(ffn_kind="dense", activation="gelu_tanh", norm="layernorm", attn_bias=True,
                                 ffn_bias=True), positions="learned"),
    # GeGLU on GELU's tanh form, embeddings scaled by sqrt(d_model), heads of their own width
    Family("gemma", "Gemma", _GEMMA, sentencepiece="gemma", norms_plus_one=True),
    # plus a norm on each sub-layer's output, soft caps, and sliding-window layers 0, 2, 4, …
    Family("gemma2", "Gemma 2", {**_GEMMA, "post_norms": True, "sliding_window_pattern": 2},
           stated=(Stated("attn_softcap", "attn_logit_softcapping", 50.0),
                   Stated("logit_softcap", "final_logit_softcapping", 30.0),
                   Stated("sliding_window", "attention.sliding_window", 4096)),
           sentencepiece="gemma", norms_plus_one=True),
    # LLaMA's layout plus an RMSNorm on each head's query and key (and no biases)
    Family("qwen3", "Qwen3", {**_LLAMA, "qk_norm": True}),
    # Gemma 2's block without soft caps, plus norms on q and k per head; five windowed layers to one
    # global, the windowed ones rotating with a base of 10,000 (llama.cpp's and transformers' default)
    Family("gemma3", "Gemma 3", {**_GEMMA, "post_norms": True, "qk_norm": True, "sliding_window_pattern": 6,
                                 "rope_local_theta": 10_000.0},
           stated=(Stated("sliding_window", "attention.sliding_window", 512),),
           sentencepiece="gemma", norms_plus_one=True),
    Family("bert", "BERT", dict(activation="gelu", token_types=2, norm_position="post", embedding_norm=True,
                                final_norm=False, head="none", pooler=True), positions="learned", loads=False),
]}
RUNNABLE = {name: f for name, f in FAMILIES.items() if f.loads}  # what the GGUF loader accepts, in this order


def ffn_label(cfg: ModelConfig) -> str:
    """What pages call a model's FFN: 'SwiGLU', 'GeGLU' (Gemma's too, on GELU's tanh form),
    'GLU(ReLU²)' for a gate without a name, or 'dense GELU (tanh approx.)'."""
    if cfg.ffn_kind == "dense":
        return f"dense {get_activation(cfg.activation).label}"
    return glu_name(cfg.activation)
