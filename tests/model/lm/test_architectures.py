"""Our forward pass and tokenizer against transformers' GGUF loader on tiny random models of every
architecture we run, written with gguf's own writer: the same logits (≤ 1e-4) and token ids."""
import os

import pytest
import torch

from model.architectures import accounting
from model.lm import gguf_loader
from tests.gguf_files import bundled_tokenizer, with_merges, write_gpt2, write_llama

pytestmark = pytest.mark.model

# SmolLM2's vocabulary has no multi-digit tokens, so these merges are added: with them the ways of
# splitting text (digits alone, in threes, in runs) give different token ids on STRINGS. Not for the
# 'smollm' split: transformers' GGUF tokenizer does not know it and keeps digit runs together, where
# llama.cpp and SmolLM2's own tokenizer.json split every digit, as we do.
MERGES = ("1 2", "12 3")
MODELS = {  # name: what write_llama (write_gpt2 for "gpt2") is given
    "llama": dict(),
    "llama-untied": dict(untied=True, pre="llama-bpe", extra_merges=MERGES),
    "qwen2": dict(arch="qwen2", qkv_bias=True, pre="qwen2", extra_merges=MERGES),
    "qwen2-untied": dict(arch="qwen2", qkv_bias=True, untied=True, pre="gpt-2", n_heads=8, n_kv_heads=8,
                         extra_merges=MERGES),
    "gpt2": dict(extra_merges=MERGES),
}
PROMPTS = ["The capital of France is", "12 + 7 = 19, and 2024 follows 2023", "def f(x):\n    return x"]
STRINGS = PROMPTS + ["  two  spaces\nnew line\n\n", "naïve café 🙂 中文", "IT'S DON'T we'll", "1234567 apples",
                     "<|im_start|>user hi<|im_end|>", "tab\there", "مرحبا"]


def transformers_load(path):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    return tok, model.eval()


@pytest.fixture(scope="module", params=list(MODELS))
def pair(request, tmp_path_factory):
    write = write_gpt2 if request.param == "gpt2" else write_llama
    path = write(tmp_path_factory.mktemp("arch") / f"{request.param}.gguf", **MODELS[request.param])
    return request.param, gguf_loader.load(path, use_cache=False), transformers_load(path), path


def test_logits_and_token_ids_match_transformers(pair):
    name, ours, (tok, theirs), _ = pair
    for text in STRINGS:
        assert ours.tokenizer.encode(text).ids == tok.encode(text, add_special_tokens=False), (name, text)
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
    # every tensor of the file has its place: our parameter count is the reference's
    assert sum(p.numel() for p in ours.model.parameters()) == sum(p.numel() for p in theirs.parameters())
    # and the budget page's formulas count the file's own tensors, one by one
    header_cfg, tensors = gguf_loader.read_header(path)
    assert header_cfg == cfg and tensors == {n: p.numel() for n, p in ours.model.named_parameters()}
    assert all(mine == in_file for _, mine, in_file in accounting.count_check(cfg, tensors))


def test_the_strings_tell_every_split_of_the_text_apart():
    """Otherwise the token-id comparison above could not catch a wrong split."""
    t = with_merges(bundled_tokenizer(), MERGES)
    seen = {pre: tuple(tuple(gguf_loader.build_tokenizer(t["tokens"], t["merges"], t["token_type"], pre)
                             .encode(s).ids) for s in STRINGS) for pre in gguf_loader.SPLITS}
    assert len(set(seen.values())) == len(gguf_loader.SPLITS)
