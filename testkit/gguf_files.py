"""Tiny GGUF model files written with gguf's own writer, for tests of loading models other than the
bundled one: random float32 weights of a few small layers, with the bundled model's real vocabulary
and merges (so token ids are meaningful), or with one thing deliberately wrong."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def bundled_tokenizer() -> dict:
    """The bundled file's tokenizer fields (read once, from memory as our loader reads: parsing 49,152
    strings from a memory map takes seconds)."""
    from model.lm import gguf_loader
    with gguf_loader._reader_reads_into_memory() as reader:
        fields = reader(gguf_loader.find_gguf()).fields
    return {name: fields[f"tokenizer.ggml.{name}"].contents()
            for name in ("model", "pre", "tokens", "merges", "token_type")}


@lru_cache(maxsize=1)
def sentencepiece_vocab() -> dict:
    """A SentencePiece vocabulary made from the bundled one, laid out as llama.cpp writes Gemma's
    and TinyLlama's: <pad> <eos> <bos> <unk> (control), <start_of_turn> (user-defined), the 256
    byte tokens, then the bundled tokens that are printable ASCII or newlines, spaces as '▁', in
    the bundled order (which is its merge order), so every one can be built by merges. Scores
    are that order shuffled, so a builder that confused the two would give other ids."""
    spelled = {c: chr(b) for b, c in _byte_alphabet().items()}
    words = []
    for token in bundled_tokenizer()["tokens"]:
        text = "".join(spelled.get(c, "\x00") for c in token)
        if text and all(ch == "\n" or " " <= ch <= "~" for ch in text):
            words.append(text.replace(" ", "▁"))
    words = list(dict.fromkeys(words))
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", *(f"<0x{b:02X}>" for b in range(256)), *words]
    types = [3, 3, 3, 2, 4, *([6] * 256), *([1] * len(words))]
    scores = [0.0] * (5 + 256) + [float(-((i * 7919) % len(words))) for i in range(len(words))]  # shuffled
    return {"tokens": tokens, "token_type": types, "scores": scores}


def _byte_alphabet() -> dict[int, str]:
    """GPT-2's byte -> printable character table (the spelling of byte-level vocabularies)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    extra = [b for b in range(256) if b not in printable]
    return {**{b: chr(b) for b in printable}, **{b: chr(256 + i) for i, b in enumerate(extra)}}


def with_merges(tok: dict, merges: tuple[str, ...]) -> dict:
    """The tokenizer fields with merges (and the tokens they make) added at the lowest priority."""
    return {**tok, "tokens": [*tok["tokens"], *(m.replace(" ", "") for m in merges)],
            "merges": [*tok["merges"], *merges], "token_type": [*tok["token_type"], *(1 for _ in merges)]}


class _Writer:
    """gguf's writer with the bundled vocabulary (plus `extra_merges`) or, with `sentencepiece`, the
    vocabulary made from it above, random float32 tensors, and the keys every file has."""

    def __init__(self, path: Path, arch: str, name: str, pre: str | None, extra_merges: tuple[str, ...], seed: int,
                 dtype=np.float32, sentencepiece: bool = False):
        import gguf

        from model.architectures.families import FAMILIES

        self.rng, self.dtype = np.random.default_rng(seed), dtype
        self.w = w = gguf.GGUFWriter(str(path), arch)
        w.add_name(name)
        if sentencepiece:
            self.tok = sentencepiece_vocab()
            tokens = self.tok["tokens"]
            if getattr(FAMILIES.get(arch), "sentencepiece", None) == "gemma":  # runs of spaces stored as spaces
                tokens = [t.replace("▁", " ") if len(t) > 1 and not t.strip("▁") else t for t in tokens]
            w.add_tokenizer_model("llama")
            w.add_token_list(tokens)
            w.add_token_scores(self.tok["scores"])
            for add, token_id in ((w.add_pad_token_id, 0), (w.add_eos_token_id, 1), (w.add_bos_token_id, 2),
                                  (w.add_unk_token_id, 3)):
                add(token_id)
            w.add_add_bos_token(True)
        else:
            self.tok = with_merges(bundled_tokenizer(), extra_merges)
            w.add_tokenizer_model(self.tok["model"])
            w.add_tokenizer_pre(pre or self.tok["pre"])
            w.add_token_list(self.tok["tokens"])
            w.add_token_merges(self.tok["merges"])
        w.add_token_types(self.tok["token_type"])
        self.vocab = len(self.tok["tokens"])

    def tensor(self, tensor_name: str, *shape: int, norm: bool = False) -> None:
        # GGUF lists shapes innermost first; numpy arrays are (rows, columns) = (out, in)
        data = self.rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
        self.w.add_tensor(tensor_name, (data + 1 if norm else data).astype(self.dtype))

    def gated_block(self, i: int, d_model: int, n_heads: int, n_kv_heads: int, head: int, d_ff: int, *,
                    qkv_bias: bool = False, qk_norm: bool = False) -> None:
        """Block i's tensors as LLaMA, Qwen and Gemma files have them: a pre-norm attention with grouped
        keys and values (q, k, v biases with `qkv_bias`, q and k norms per head with `qk_norm`), then a
        pre-norm gated FFN. In the converter's order, so a seed gives the same weights it always did."""
        tensor = self.tensor
        tensor(f"blk.{i}.attn_norm.weight", d_model, norm=True)
        tensor(f"blk.{i}.attn_q.weight", n_heads * head, d_model)
        tensor(f"blk.{i}.attn_k.weight", n_kv_heads * head, d_model)
        tensor(f"blk.{i}.attn_v.weight", n_kv_heads * head, d_model)
        if qkv_bias:
            for part, rows in (("q", n_heads * head), ("k", n_kv_heads * head), ("v", n_kv_heads * head)):
                tensor(f"blk.{i}.attn_{part}.bias", rows)
        if qk_norm:
            tensor(f"blk.{i}.attn_q_norm.weight", head, norm=True)
            tensor(f"blk.{i}.attn_k_norm.weight", head, norm=True)
        tensor(f"blk.{i}.attn_output.weight", d_model, n_heads * head)
        tensor(f"blk.{i}.ffn_norm.weight", d_model, norm=True)
        tensor(f"blk.{i}.ffn_gate.weight", d_ff, d_model)
        tensor(f"blk.{i}.ffn_up.weight", d_ff, d_model)
        tensor(f"blk.{i}.ffn_down.weight", d_model, d_ff)

    def close(self, path: Path) -> Path:
        self.w.write_header_to_file()
        self.w.write_kv_data_to_file()
        self.w.write_tensors_to_file()
        self.w.close()
        return path


def llama3_rope_factors(head_dim: int, theta: float, factor: float, low_freq_factor: float, high_freq_factor: float,
                        original_context: int) -> tuple[float, ...]:
    """The divisor of each rotary frequency that llama.cpp's converter writes as `rope_freqs` for a
    "llama3" rope scaling (convert_hf_to_gguf.py, LlamaModel): short wavelengths kept, long ones divided
    by `factor`, and those between blended."""
    low_wavelen, high_wavelen = original_context / low_freq_factor, original_context / high_freq_factor
    out = []
    for i in range(0, head_dim, 2):
        wavelen = 2 * np.pi * theta ** (i / head_dim)
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return tuple(out)


def write_llama(path: Path, *, name: str = "Tiny Llama", n_layers: int = 2, d_model: int = 32, n_heads: int = 4,
                n_kv_heads: int = 2, d_ff: int = 48, arch: str = "llama", pre: str | None = None,
                qkv_bias: bool = False, untied: bool = False, claimed_d_ff: int | None = None,
                extra_merges: tuple[str, ...] = (), rope_scaling: bool = False,
                rope_freqs: bool | tuple[float, ...] = False, rope_theta: float = 10_000.0,
                head_dim: int | None = None, qk_norm: bool = False,
                padded_rows: int = 0, dtype=np.float32, seed: int = 0, sentencepiece: bool = False) -> Path:
    """A GGUF of the LLaMA family with random weights: `arch` "llama", or "qwen2" with `qkv_bias`;
    `untied` adds an output matrix; `arch`, `pre` and `claimed_d_ff` (the FFN width the metadata
    states) can be set to what we do not support or to a lie. `extra_merges` ('1 2') add tokens;
    `rope_scaling` and `rope_freqs` add a scaling of rotary positions and Llama 3.1's frequency
    factors (random ones with True, else these: llama3_rope_factors); `head_dim` (stated as
    key_length) and `qk_norm` make a Qwen3 file with "qwen3"; `padded_rows` makes the embedding
    longer than the vocabulary;
    `dtype` np.float16 halves the file of a large model; `sentencepiece` gives it a SentencePiece
    vocabulary, as TinyLlama's and Llama 2's files have."""
    import gguf

    f = _Writer(path, arch, name, pre, extra_merges, seed, dtype, sentencepiece)
    w, tensor = f.w, f.tensor
    w.add_context_length(2048)
    w.add_embedding_length(d_model)
    w.add_block_count(n_layers)
    w.add_feed_forward_length(claimed_d_ff or d_ff)
    w.add_head_count(n_heads)
    w.add_head_count_kv(n_kv_heads)
    w.add_rope_freq_base(rope_theta)
    if rope_scaling:
        w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_layer_norm_rms_eps(1e-5)
    head = head_dim or d_model // n_heads
    if head_dim:
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
    tensor("token_embd.weight", f.vocab + padded_rows, d_model)
    if rope_freqs is True:
        tensor("rope_freqs.weight", head // 2, norm=True)
    elif rope_freqs:
        w.add_tensor("rope_freqs.weight", np.array(rope_freqs, dtype=np.float32))
    for i in range(n_layers):
        f.gated_block(i, d_model, n_heads, n_kv_heads, head, d_ff, qkv_bias=qkv_bias, qk_norm=qk_norm)
    tensor("output_norm.weight", d_model, norm=True)
    if untied:
        tensor("output.weight", f.vocab, d_model)
    return f.close(path)


def write_gpt2(path: Path, *, name: str = "Tiny GPT-2", n_layers: int = 2, d_model: int = 32, n_heads: int = 4,
               d_ff: int = 128, context: int = 1024, untied: bool = True, extra_merges: tuple[str, ...] = (),
               seed: int = 0) -> Path:
    """A GPT-2 GGUF with random weights, laid out as llama.cpp's converter writes one: learned
    positions, LayerNorms with biases, q, k and v fused into one matrix, a dense GELU FFN with
    biases, and (`untied`) the output matrix written out although GPT-2 ties it."""
    f = _Writer(path, "gpt2", name, "gpt-2", extra_merges, seed)
    w, tensor = f.w, f.tensor
    w.add_context_length(context)
    w.add_embedding_length(d_model)
    w.add_block_count(n_layers)
    w.add_feed_forward_length(d_ff)
    w.add_head_count(n_heads)
    w.add_layer_norm_eps(1e-5)
    tensor("token_embd.weight", f.vocab, d_model)
    tensor("position_embd.weight", context, d_model)
    for i in range(n_layers):
        for norm in ("attn_norm", "ffn_norm"):
            tensor(f"blk.{i}.{norm}.weight", d_model, norm=True)
            tensor(f"blk.{i}.{norm}.bias", d_model)
        for part, rows, cols in (("attn_qkv", 3 * d_model, d_model), ("attn_output", d_model, d_model),
                                 ("ffn_up", d_ff, d_model), ("ffn_down", d_model, d_ff)):
            tensor(f"blk.{i}.{part}.weight", rows, cols)
            tensor(f"blk.{i}.{part}.bias", rows)
    tensor("output_norm.weight", d_model, norm=True)
    tensor("output_norm.bias", d_model)
    if untied:
        tensor("output.weight", f.vocab, d_model)
    return f.close(path)


def write_gemma(path: Path, *, arch: str = "gemma", name: str = "Tiny Gemma", n_layers: int = 3, d_model: int = 32,
                n_heads: int = 4, n_kv_heads: int = 2, head_dim: int = 16, d_ff: int = 64, sliding_window: int = 4,
                seed: int = 0) -> Path:
    """A Gemma (`arch` "gemma"), Gemma 2 ("gemma2") or Gemma 3 ("gemma3") GGUF with random weights and a
    SentencePiece vocabulary, laid out as llama.cpp's converter writes one: heads wider than d_model /
    heads, norms stored as 1 + w, and for Gemma 2 and 3 a norm after each sub-layer and a sliding
    window (short here, so that the tests' texts are longer than it), Gemma 2's soft caps, Gemma 3's
    norms on q and k per head and its global layers' rotary base of 1,000,000."""
    f = _Writer(path, arch, name, None, (), seed, sentencepiece=True)
    w, tensor = f.w, f.tensor
    w.add_context_length(8192)
    w.add_embedding_length(d_model)
    w.add_block_count(n_layers)
    w.add_feed_forward_length(d_ff)
    w.add_head_count(n_heads)
    w.add_head_count_kv(n_kv_heads)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_freq_base(1_000_000.0 if arch == "gemma3" else 10_000.0)
    w.add_layer_norm_rms_eps(1e-6)
    if arch == "gemma2":
        w.add_attn_logit_softcapping(50.0)
        w.add_final_logit_softcapping(30.0)
    if arch in ("gemma2", "gemma3"):
        w.add_sliding_window(sliding_window)
    tensor("token_embd.weight", f.vocab, d_model)
    for i in range(n_layers):
        f.gated_block(i, d_model, n_heads, n_kv_heads, head_dim, d_ff, qk_norm=arch == "gemma3")
        if arch in ("gemma2", "gemma3"):
            tensor(f"blk.{i}.post_attention_norm.weight", d_model, norm=True)
            tensor(f"blk.{i}.post_ffw_norm.weight", d_model, norm=True)
    tensor("output_norm.weight", d_model, norm=True)
    return f.close(path)
