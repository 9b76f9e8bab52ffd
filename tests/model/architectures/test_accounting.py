import collections

import pytest
import torch

from model.architectures import accounting
from model.architectures.config import ModelConfig
from model.architectures.presets import PRESETS, PUBLISHED_TOTALS
from model.architectures.transformer import Transformer, build_on_meta, shape_walk
from model.ffn.layers import FeedForward, GatedFeedForward


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_matches_published_total(name):
    b = accounting.budget(PRESETS[name])
    assert (b.total, b.active) == PUBLISHED_TOTALS[name]


def _per_tensor(model: torch.nn.Module) -> collections.Counter:
    counts = collections.Counter()
    for name, p in model.named_parameters():
        counts[accounting.pattern(name)] += p.numel()
    return counts


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_tensor_matches_a_real_torch_model(name):
    cfg = PRESETS[name]
    assert _per_tensor(build_on_meta(cfg)) == accounting.tensor_totals(cfg)
    per_parameter = {name: p.numel() for name, p in build_on_meta(cfg.with_(n_layers=2)).named_parameters()}
    assert all(ours == theirs for _, ours, theirs in accounting.count_check(cfg.with_(n_layers=2), per_parameter))


SMALL = [
    ModelConfig(vocab_size=100, d_model=32, n_layers=2, n_heads=4, d_ff=128, max_positions=16),
    ModelConfig(vocab_size=100, d_model=32, n_layers=3, n_heads=4, n_kv_heads=2, d_ff=88, ffn_kind="gated",
                activation="silu", max_positions=0, attn_bias=False, ffn_bias=False, norm="rmsnorm", head="untied"),
    ModelConfig(vocab_size=50, d_model=16, n_layers=2, n_heads=2, n_kv_heads=1, d_ff=24, ffn_kind="moe",
                n_experts=4, top_k=2, activation="silu", max_positions=0, norm="rmsnorm"),
    ModelConfig(vocab_size=60, d_model=24, n_layers=1, n_heads=3, d_ff=96, activation="gelu", max_positions=20,
                token_types=2, norm_position="post", embedding_norm=True, final_norm=False, head="none", pooler=True),
]


@pytest.mark.parametrize("cfg", SMALL, ids=["gpt-like", "llama-like", "moe", "bert-like"])
def test_small_configs_instantiate_run_and_count(cfg):
    torch.manual_seed(0)
    model = Transformer(cfg)
    assert sum(p.numel() for p in model.parameters()) == accounting.budget(cfg).total
    ids = torch.randint(0, cfg.vocab_size, (2, 9))
    out = model(ids)
    assert out.shape == ((2, 9, cfg.d_model) if cfg.head == "none" else (2, 9, cfg.vocab_size))
    assert torch.isfinite(out).all()


def test_tutorial_figures():
    assert sum(p.numel() for p in FeedForward(256, 1024, bias=True).parameters()) == 525_568
    assert sum(p.numel() for p in GatedFeedForward(256, 682).parameters()) == 523_776
    cfg = ModelConfig(d_model=256, n_heads=8, d_ff=1024, attn_bias=False, ffn_bias=True)
    block = accounting.budget(cfg).block
    assert (block["attention"], block["ffn"]) == (262_144, 525_568)
    assert block["ffn"] / block["attention"] == pytest.approx(2.0, abs=0.01)
    big = accounting.budget(ModelConfig(d_model=1024, n_heads=16, d_ff=4096, attn_bias=False, ffn_bias=False)).block
    assert (big["attention"], big["ffn"]) == (4_194_304, 8_388_608)


def test_swiglu_width_rules():
    assert accounting.parameter_matched_d_ff(256) == 682
    assert accounting.llama_d_ff(4096) == 11008
    assert accounting.llama_d_ff(576) == 1536  # SmolLM2's d_ff


@pytest.mark.parametrize("name", ["gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl"])
def test_ffn_is_two_thirds_of_non_embedding_in_gpt2(name):
    assert accounting.budget(PRESETS[name]).ffn_share_non_embedding == pytest.approx(2 / 3, abs=0.005)


def test_flops_follow_the_2n_rule():
    cfg = PRESETS["llama2-7b"]
    b = accounting.budget(cfg)
    f = accounting.flops_per_token(cfg, context=4096)
    assert f["ffn"] == 2 * b.by_group["ffn"]
    assert f["attention projections"] == 2 * b.by_group["attention"]
    assert f["lm head"] == 2 * cfg.vocab_size * cfg.d_model
    assert f["attention scores"] == 4 * 32 * 4096 * 4096
    mix = PRESETS["mixtral-8x7b"]
    assert accounting.flops_per_token(mix, 1)["ffn"] == 2 * accounting.budget(mix).active_by_group["ffn"]


def test_weight_memory():
    assert accounting.weight_memory(1000) == {"fp32": 4000, "bf16": 2000, "int8": 1000, "int4": 500}


def test_config_problems_are_explained():
    assert ModelConfig(d_model=100, n_heads=3).problems() == ["d_model (100) must be divisible by n_heads (3)"]
    assert "n_kv_heads" in ModelConfig(n_heads=12, n_kv_heads=5).problems()[0]
    assert "top_k" in ModelConfig(ffn_kind="moe", n_experts=2, top_k=3).problems()[0]
    with pytest.raises(ValueError, match="divisible"):
        Transformer(ModelConfig(d_model=100, n_heads=3))


def test_shape_walk_runs_a_real_block():
    walk = dict(shape_walk(PRESETS["smollm2-135m"], batch=2, seq=5))
    assert walk["input x"] == (2, 5, 576)
    assert walk["gate_proj(x)"] == walk["hidden coefficients"] == (2, 5, 1536)
    assert walk["block output"] == (2, 5, 576)


def test_count_check_lists_what_either_side_lacks():
    cfg = PRESETS["smollm2-135m"].with_(n_layers=1)
    tensors = {name: p.numel() for name, p in build_on_meta(cfg).named_parameters()}
    tensors.pop("final_norm.weight")
    tensors["blocks.0.attn.q_proj.bias"] = 576
    rows = {p: (ours, theirs) for p, ours, theirs in accounting.count_check(cfg, tensors)}
    assert rows["final_norm.weight"] == (576, 0) and rows["blocks.*.attn.q_proj.bias"] == (0, 576)
    assert sum(ours != theirs for ours, theirs in rows.values()) == 2


def test_dense_vs_gated_counts_each_ffn_as_published():
    """Dense with its two bias vectors (GPT-2), gated without (LLaMA): the tutorial's 525,568 vs 523,776."""
    widths = accounting.dense_vs_gated(256)
    assert {k: (w.d_ff, w.params) for k, w in widths.items()} == {
        "dense": (1024, 525_568), "gated_4x": (1024, 3 * 256 * 1024), "gated": (682, 523_776),
        "llama": (768, 3 * 256 * 768)}
    gpt2, llama = PRESETS["gpt2-small"], PRESETS["llama2-7b"]
    assert accounting.dense_vs_gated(gpt2.d_model)["dense"].params == accounting.budget(gpt2).block["ffn"]
    assert accounting.dense_vs_gated(llama.d_model)["llama"].params == accounting.budget(llama).block["ffn"]
