"""Switch-style and fine-grained experts, counted on top of the budget accounting."""
from math import comb

from model.architectures import accounting
from model.architectures.presets import PRESETS, PUBLISHED_TOTALS
from model.demos import moe_designs


def test_mixtral_row_is_the_preset_and_top1_is_the_accounting_of_top_k_1():
    mixtral, switch, fine = moe_designs.mixtral_variants()
    assert (mixtral.total, mixtral.active) == PUBLISHED_TOTALS["mixtral-8x7b"]
    b = accounting.budget(PRESETS["mixtral-8x7b"].with_(top_k=1))
    assert (switch.total, switch.active) == (b.total, b.active) and switch.chosen == 1
    # one expert fewer per token: the active count drops by exactly one layer-stack of experts
    d, f, n_layers = 4096, 14336, 32
    assert mixtral.active - switch.active == n_layers * 3 * d * f


def test_fine_grained_keeps_mixtrals_experts_and_width_per_token():
    mixtral, _, fine = moe_designs.mixtral_variants()
    assert fine.width_per_token == mixtral.width_per_token == 2 * 14336
    assert fine.shared == 2 and fine.routed + fine.shared == 32 and fine.expert_d_ff == 14336 // 4
    # same expert weights; only the router (d_model x routed experts per layer) grows
    router_growth = 32 * 4096 * (fine.routed - mixtral.routed)
    assert fine.total - mixtral.total == router_growth and fine.active - mixtral.active == router_growth
    assert fine.combinations == comb(30, 6) > 20_000 * mixtral.combinations


def test_shared_experts_count_as_active():
    base = PRESETS["mixtral-8x7b"]
    without = moe_designs.design("a", base, 8, 2)
    with_one = moe_designs.design("b", base, 8, 2, shared=1)
    per_stack = 32 * 3 * 4096 * 14336
    assert with_one.total - without.total == per_stack and with_one.active - without.active == per_stack


def test_deepseek_moe_16b_matches_its_reported_sizes():
    d = moe_designs.deepseek_moe_16b()
    total_b, active_b = moe_designs.DEEPSEEK_PUBLISHED_BILLIONS
    assert round(d.total / 1e9, 1) == total_b and round(d.active / 1e9, 1) == active_b
    # by hand: embeddings and head, 28 attention blocks, norms, one dense FFN, 27 MoE layers
    expert = 3 * 2048 * 1408
    moe_layer = 64 * expert + 2 * expert + 2048 * 64
    rest = 2 * 102400 * 2048 + 28 * 4 * 2048 * 2048 + (2 * 28 + 1) * 2048 + 3 * 2048 * 10944
    assert d.total == rest + 27 * moe_layer
    assert d.active == rest + 27 * (8 * expert + 2048 * 64)
