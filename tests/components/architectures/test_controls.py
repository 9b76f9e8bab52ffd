"""The budget page's controls reproduce every preset to the parameter, biases included."""
import pytest

from components.architectures.controls import config_from, preset_values
from model.architectures import accounting
from model.architectures.presets import PRESETS, PUBLISHED_TOTALS


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_loaded_into_the_controls_counts_its_published_total(name):
    assert accounting.budget(config_from(name, preset_values(name))).total == PUBLISHED_TOTALS[name][0]


def test_the_bias_switch_keeps_a_presets_own_biases_or_sets_them_all():
    qwen = preset_values("qwen2.5-0.5b")
    assert qwen["bias"]
    kept = config_from("qwen2.5-0.5b", qwen)
    assert (kept.attn_bias, kept.out_bias, kept.ffn_bias) == (True, False, False)  # q, k, v only, as Qwen2
    none = config_from("qwen2.5-0.5b", {**qwen, "bias": False})
    assert (none.attn_bias, none.out_bias, none.ffn_bias) == (False, False, False)
    llama = config_from("llama2-7b", {**preset_values("llama2-7b"), "bias": True})
    assert (llama.attn_bias, llama.out_bias, llama.ffn_bias) == (True, True, True)
