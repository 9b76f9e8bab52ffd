"""Each family is declared once (model/architectures/families.py), and both of its readers agree
with that declaration: the budget page's presets and the GGUF loader reading a tiny file of it."""
from dataclasses import fields
from functools import partial

import pytest

from model.architectures.config import ModelConfig
from model.architectures.families import FAMILIES, RUNNABLE, ffn_label
from model.architectures.presets import PRESET_FAMILY, PRESETS
from model.lm import gguf_loader
from testkit.gguf_files import write_gemma, write_gpt2, write_llama

# a tiny file of every family the loader runs, as llama.cpp's converter writes one
WRITERS = {"llama": write_llama, "qwen2": partial(write_llama, arch="qwen2", qkv_bias=True), "gpt2": write_gpt2,
           "gemma": write_gemma, "gemma2": partial(write_gemma, arch="gemma2"),
           "qwen3": partial(write_llama, arch="qwen3", qk_norm=True, head_dim=16),
           "gemma3": partial(write_gemma, arch="gemma3")}
# what one model of a family sets for itself: its size, its vocabulary, its context, whether its head is tied
PER_MODEL = {"name", "vocab_size", "d_model", "n_layers", "n_heads", "n_kv_heads", "head_dim", "d_ff", "n_experts",
             "top_k", "max_positions", "rope_theta", "norm_eps", "head", "rope_factors"}


def architecture(cfg: ModelConfig) -> dict:
    """The fields a family decides, with what its files state reduced to whether it is there (a tiny
    file's window of 4 tokens is still a window). Mixtral's experts are gated FFNs like LLaMA's."""
    stated = {s.field for f in FAMILIES.values() for s in f.stated}
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg) if f.name not in PER_MODEL | stated}
    return {**out, "ffn_kind": "gated" if cfg.ffn_kind == "moe" else cfg.ffn_kind, "out_bias": cfg.out_bias,
            "learned positions": cfg.max_positions > 0, **{f: bool(getattr(cfg, f)) for f in stated}}


def test_every_family_the_loader_runs_has_a_tiny_file_and_a_preset():
    assert list(WRITERS) == list(RUNNABLE)
    assert set(PRESET_FAMILY.values()) == set(FAMILIES)


@pytest.mark.parametrize("family", list(RUNNABLE))
def test_a_preset_and_a_file_of_a_family_give_it_the_same_fields(family, tmp_path):
    file_cfg, _ = gguf_loader.read_header(WRITERS[family](tmp_path / f"{family}.gguf"))
    declared = architecture(FAMILIES[family].config())
    assert architecture(file_cfg) == declared
    presets = [key for key, f in PRESET_FAMILY.items() if f == family]
    assert presets and all(architecture(PRESETS[key]) == declared for key in presets), presets


def test_families_differ_where_their_declarations_do():
    """Otherwise the comparison above could not tell one family from another."""
    seen = {name: tuple(sorted(architecture(f.config()).items())) for name, f in FAMILIES.items()}
    assert len(set(seen.values())) == len(FAMILIES)


def test_the_sliding_window_pattern_is_llama_cpps():
    gemma2 = FAMILIES["gemma2"].config(sliding_window=8)
    assert [gemma2.window(layer) for layer in range(5)] == [8, 0, 8, 0, 8]
    gemma3_like = gemma2.with_(sliding_window_pattern=6)  # five local layers to one global
    assert [gemma3_like.window(layer) for layer in range(7)] == [8, 8, 8, 8, 8, 0, 8]
    assert "sliding_window_pattern must be at least 1" in gemma2.with_(sliding_window_pattern=0).problems()


def test_one_ffn_label_per_family_on_every_page():
    """Gemma's FFN is GeGLU on the budget page's preset, on a loaded model and in the family table."""
    assert FAMILIES["gemma"].ffn_label == ffn_label(PRESETS["gemma-2b"]) == ffn_label(PRESETS["gemma2-2b"]) == "GeGLU"
    assert [FAMILIES[f].ffn_label for f in ("llama", "gpt2")] == ["SwiGLU", "dense GELU (tanh approx.)"]
