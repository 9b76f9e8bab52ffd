"""The small tables the concept pages print: AND/XOR, the presets' widths, Shazeer's table 1."""
from model.architectures.presets import PRESETS
from model.demos import conditional, expansion, glu_results


def test_one_relu_neuron_is_and_two_are_xor():
    rows = {(r.noun, r.past): r for r in conditional.truth_table()}
    assert {k: r.relu_and for k, r in rows.items()} == {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1}
    assert {k: r.relu_xor for k, r in rows.items()} == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    assert rows[(0, 0)].linear_and == -1  # the linear score writes something when neither holds


def test_preset_ratios_come_from_the_presets():
    ratios = {r.key: r for r in expansion.preset_ratios()}
    assert set(ratios) == set(PRESETS)
    assert ratios["gpt2-small"].ratio == 4.0 and not ratios["gpt2-small"].gated
    assert abs(ratios["smollm2-135m"].ratio - 8 / 3) < 1e-12 and ratios["smollm2-135m"].gated
    assert ratios["mistral-7b"].ratio == 3.5 and ratios["gemma-2b"].ratio == 8.0
    assert expansion.VASWANI_D_FF / expansion.VASWANI_D_MODEL == 4


def test_shazeer_table_1():
    t = glu_results.TABLE_1
    assert len(t) == 8 and t[0].ffn.startswith("FFN_ReLU") and sum(r.gated for r in t) == 5
    assert glu_results.worst_gated_beats_best_ungated()
    assert min(t, key=lambda r: r.full).ffn == "FFN_GEGLU"
    assert round(glu_results.gain_over_baseline(t[6]), 3) == 0.041  # SwiGLU: 1.677 - 1.636
    # the matched budget the paper states: three 768 x 2048 matrices against two 768 x 3072
    assert 3 * glu_results.D_MODEL * glu_results.D_FF_GATED == 2 * glu_results.D_MODEL * glu_results.D_FF_DENSE
