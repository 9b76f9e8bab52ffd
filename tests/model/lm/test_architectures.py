"""Our forward pass and tokenizer against transformers' GGUF loader on tiny random models of every
architecture we run, written with gguf's own writer: the same logits (≤ 1e-4) and token ids."""

import pytest
import torch

from model.architectures import accounting
from model.architectures.families import FAMILIES
from model.lm import gguf_loader, tokenizer
from model.architectures.transformer import Transformer
from tests.model.lm.reference import transformers_load
from testkit.gguf_files import bundled_tokenizer, llama3_rope_factors, with_merges, write_gemma, write_gpt2, write_llama

pytestmark = pytest.mark.model

# SmolLM2's vocabulary has no multi-digit tokens, so these merges are added: with them the ways of
# splitting text (digits alone, in threes, in runs) give different token ids on STRINGS. Not for the
# 'smollm' split: transformers' GGUF tokenizer does not know it and keeps digit runs together, where
# llama.cpp and SmolLM2's own tokenizer.json split every digit, as we do.
MERGES = ("1 2", "12 3")
# Llama 3.1/3.2's "llama3" rope scaling (theirs: factor 32 or 8, low 1, high 4, 8,192 positions), with a
# context of 64 so that the tiny heads' 8 frequencies fall in all three of its bands
LLAMA3_ROPE = dict(rope_type="llama3", rope_theta=10_000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                   original_max_position_embeddings=64)
MODELS = {  # name: what write_llama (write_gpt2 for "gpt2", write_gemma for the Gemmas) is given
    "llama": dict(),
    "llama-sentencepiece": dict(sentencepiece=True),  # TinyLlama's and Llama 2's kind of vocabulary
    "llama-untied": dict(untied=True, pre="llama-bpe", extra_merges=MERGES),
    "qwen2": dict(arch="qwen2", qkv_bias=True, pre="qwen2", extra_merges=MERGES),
    "qwen2-untied": dict(arch="qwen2", qkv_bias=True, untied=True, pre="gpt-2", n_heads=8, n_kv_heads=8,
                         extra_merges=MERGES),
    "gpt2": dict(extra_merges=MERGES),
    "gemma2": dict(arch="gemma2"),
    # heads of their own width, as Qwen3-0.6B's 128 for d_model 1024 and 16 heads
    "qwen3": dict(arch="qwen3", qk_norm=True, head_dim=16, pre="qwen2", extra_merges=MERGES),
    "llama3.2": dict(d_model=64, pre="llama-bpe", extra_merges=MERGES,
                     rope_freqs=llama3_rope_factors(16, 10_000.0, 8.0, 1.0, 4.0, 64)),
    "gemma3": dict(arch="gemma3", n_layers=7),  # six layers: five windowed, one global, and one more windowed
}
WRITERS = {"gpt2": write_gpt2, "gemma2": write_gemma, "gemma3": write_gemma}
# what transformers cannot read from a GGUF file, given as the model's config: Gemma 2 and 3 scale their
# queries by 1/sqrt(head_dim), as llama.cpp runs them (and as the configs of the models whose head_dim is
# 256 say), where transformers assumes 256; Qwen3's head width; Llama 3's rope scaling, which llama.cpp
# writes as the rope_freqs tensor alone
REFERENCE_CONFIG = {"gemma2": dict(query_pre_attn_scalar=16), "gemma3": dict(query_pre_attn_scalar=16),
                    "qwen3": dict(head_dim=16), "llama3.2": dict(rope_parameters=LLAMA3_ROPE)}
PROMPTS = ["The capital of France is", "12 + 7 = 19, and 2024 follows 2023", "def f(x):\n    return x"]
STRINGS = PROMPTS + ["  two  spaces\nnew line\n\n", "naïve café 🙂 中文", "IT'S DON'T we'll", "1234567 apples",
                     "<|im_start|>user hi<|im_end|>", "tab\there", "مرحبا"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """name -> (ours, (transformers' tokenizer, model), path) of MODELS[name]'s file, each written
    and loaded once for the module (transformers' load is most of these tests' time)."""
    done = {}

    def load(name):
        if name not in done:
            path = WRITERS.get(name, write_llama)(tmp_path_factory.mktemp("arch") / f"{name}.gguf", **MODELS[name])
            ours = gguf_loader.load(path, use_cache=False)
            done[name] = ours, transformers_load(path, **REFERENCE_CONFIG.get(name, {})), path
        return done[name]
    return load


@pytest.fixture(scope="module", params=list(MODELS))
def pair(request, loaded):
    return request.param, *loaded(request.param)


def test_logits_and_token_ids_match_transformers(pair):
    name, ours, (tok, theirs), _ = pair
    for text in STRINGS:
        assert ours.tokenizer.encode(text, add_special_tokens=False).ids == tok.encode(text, add_special_tokens=False)
        if ours.tokenizer.post_processor is not None:  # SentencePiece vocabularies put BOS first
            assert ours.tokenizer.encode(text).ids == tok.encode(text), (name, text)
    for prompt in PROMPTS:
        ids = torch.tensor([ours.tokenizer.encode(prompt).ids])
        with torch.inference_mode():
            a, b = ours.model(ids)[0], theirs(ids).logits[0]
        assert (a - b).abs().max() < 1e-4, (name, prompt, float((a - b).abs().max()))


def test_each_architecture_is_read_as_itself(pair):
    name, ours, (_, theirs), path = pair
    cfg = ours.config
    assert cfg.head == ("untied" if "untied" in name or name == "gpt2" else "tied")
    biases = {"qwen2": (True, False, False), "gpt2": (True, True, True)}.get(name.split("-")[0], (False, False, False))
    assert (cfg.attn_bias, cfg.out_bias, cfg.ffn_bias) == biases
    assert (cfg.ffn_kind, cfg.norm, cfg.max_positions > 0) == (("dense", "layernorm", True) if name == "gpt2"
                                                               else ("gated", "rmsnorm", False))
    gemma2_or_3 = name in ("gemma2", "gemma3")
    assert (cfg.activation, cfg.embed_scale, cfg.post_norms) == (("gelu_tanh", True, True) if gemma2_or_3
                                                                 else (cfg.activation, False, False))
    if name == "gemma2":
        assert (cfg.attn_softcap, cfg.logit_softcap, cfg.sliding_window, cfg.dim_head) == (50.0, 30.0, 4, 16)
    assert cfg.qk_norm == (name in ("qwen3", "gemma3"))
    if name == "gemma3":
        assert (cfg.attn_softcap, cfg.logit_softcap, cfg.sliding_window, cfg.dim_head) == (0.0, 0.0, 4, 16)
        assert [cfg.window(i) for i in range(7)] == [4, 4, 4, 4, 4, 0, 4]
        assert (cfg.rope_theta, cfg.rope_local_theta) == (1_000_000.0, 10_000.0)
    assert len(cfg.rope_factors) == (8 if name == "llama3.2" else 0)
    # every tensor of the file has its place: our parameter count is the reference's
    assert sum(p.numel() for p in ours.model.parameters()) == sum(p.numel() for p in theirs.parameters())
    # and the budget page's formulas count the file's own tensors, one by one
    header_cfg, tensors = gguf_loader.read_header(path)
    assert header_cfg == cfg and tensors == {n: p.numel() for n, p in ours.model.named_parameters()}
    assert all(mine == in_file for _, mine, in_file in accounting.count_check(cfg, tensors))


@pytest.mark.parametrize("name, ignored", [("llama3.2", dict(rope_factors=())), ("gemma3", dict(rope_local_theta=0.0))])
def test_what_a_file_states_beyond_its_weights_changes_the_logits(name, ignored, loaded):
    """Llama 3's rope factors and Gemma 3's local rotary base are no weights: a loader that dropped
    them would still load every tensor. Without them our logits leave transformers' (so the match
    above checks them)."""
    ours, (_, theirs), _ = loaded(name)
    blind = Transformer(ours.config.with_(**ignored))
    blind.load_state_dict(ours.model.state_dict())
    ids = torch.tensor([ours.tokenizer.encode(PROMPTS[0] + " " + PROMPTS[2]).ids])
    with torch.inference_mode():
        assert (ours.model(ids)[0] - theirs(ids).logits[0]).abs().max() < 1e-4
        assert (blind(ids)[0] - theirs(ids).logits[0]).abs().max() > 1e-3


def test_the_strings_tell_every_split_of_the_text_apart():
    """Otherwise the token-id comparison above could not catch a wrong split."""
    t = with_merges(bundled_tokenizer(), MERGES)
    seen = {pre: tuple(tuple(tokenizer.build_tokenizer(t["tokens"], t["merges"], t["token_type"], pre)
                             .encode(s).ids) for s in STRINGS) for pre in tokenizer.SPLITS}
    assert len(set(seen.values())) == len(tokenizer.SPLITS)


def test_gemma_matches_transformers_gemma_on_the_same_weights(tmp_path):
    """transformers' GGUF loader does not read `gemma` files, so its Gemma model is given our
    weights (norms as w, where the file stores 1 + w) and its GGUF tokenizer builder the file."""
    from transformers import GemmaConfig, GemmaForCausalLM
    from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer, get_gguf_tokenizer

    path = write_gemma(tmp_path / "gemma.gguf")
    ours = gguf_loader.load(path, use_cache=False)
    tok, _ = convert_gguf_tokenizer(*get_gguf_tokenizer(str(path))[:2])
    for text in STRINGS:
        assert ours.tokenizer.encode(text, add_special_tokens=False).ids == tok.encode(text, add_special_tokens=False).ids
    assert ours.tokenizer.encode("hi").ids[0] == 2  # <bos>
    c = ours.config
    theirs = GemmaForCausalLM(GemmaConfig(
        vocab_size=c.vocab_size, hidden_size=c.d_model, intermediate_size=c.d_ff, num_hidden_layers=c.n_layers,
        num_attention_heads=c.n_heads, num_key_value_heads=c.kv_heads, head_dim=c.dim_head, rms_norm_eps=c.norm_eps,
        rope_theta=c.rope_theta, hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True)).eval()
    names = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn": "self_attn", "ffn": "mlp"}
    state = {}
    for name, w in ours.model.state_dict().items():
        block, layer, *rest = name.split(".")
        hf = (f"model.layers.{layer}." + ".".join(names.get(x, x) for x in rest) if block == "blocks"
              else {"embed.tokens.weight": "model.embed_tokens.weight", "final_norm.weight": "model.norm.weight"}[name])
        state[hf] = w - 1 if FAMILIES["gemma"].norms_plus_one and hf.endswith("norm.weight") else w
    theirs.load_state_dict({**state, "lm_head.weight": state["model.embed_tokens.weight"]}, strict=True)
    for prompt in PROMPTS:
        ids = torch.tensor([ours.tokenizer.encode(prompt).ids])
        with torch.inference_mode():
            a, b = ours.model(ids)[0], theirs(ids).logits[0]
        assert (a - b).abs().max() < 1e-4, (prompt, float((a - b).abs().max()))


def test_sentencepiece_pieces_keep_their_spaces(tmp_path):
    """Pages show single tokens: '▁Paris' must read ' Paris', and a byte token its character."""
    from model.lm import kv_memory as kv

    ours = gguf_loader.load(write_gemma(tmp_path / "gemma.gguf"), use_cache=False)
    enc = kv.encode(ours.tokenizer, "The cat sat")
    assert enc.pieces[0] == "<bos>" and "".join(enc.pieces[1:]) == "The cat sat"
    assert " cat" in enc.pieces
    # a word looked up alone is that word's token, without <bos>
    from components.lm.kv_controls import token_for
    from model.lm.concepts import concept_tokens

    cat = ours.tokenizer.token_to_id("▁cat")
    assert token_for(ours.tokenizer, " cat") == (cat, None)
    assert concept_tokens(ours.tokenizer, ["cat"]) == ([cat], ["cat"], [])
