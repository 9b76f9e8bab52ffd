"""Models beyond the bundled one: what $FFNLAB_MODELS offers, and how a GGUF file of our own
writing loads, runs, or is refused with a message that names the problem."""
from pathlib import Path

import pytest
import torch

from model.lm import gguf_loader, registry
from model.lm import kv_memory as kv
from testkit.gguf_files import write_llama


def test_entries_list_the_bundled_model_first_then_files_and_folders(tmp_path):
    folder, other = tmp_path / "models", tmp_path / "more"
    folder.mkdir(), other.mkdir()
    for p in (folder / "b.gguf", folder / "a.gguf", other / "a.gguf", tmp_path / "notes.txt"):
        p.write_bytes(b"x")
    spec = ":".join([str(folder), str(other / "a.gguf"), str(folder / "a.gguf"), str(tmp_path / "notes.txt"),
                     str(tmp_path / "gone.gguf"), str(tmp_path)])
    models, problems = registry.entries(spec)
    assert [m.key for m in models] == [registry.BUNDLED, "a", "b", "a-2"]  # the repeated folder file counted once
    assert models[0].path is None and models[3].path == other / "a.gguf"
    assert problems == [f"{tmp_path / 'notes.txt'}: not a .gguf file", f"{tmp_path / 'gone.gguf'}: no such file or folder",
                        f"{tmp_path}: a folder with no .gguf files"]
    assert registry.find("b", models).path == folder / "b.gguf" and registry.find("c", models) is None
    assert registry.entries("")[0] == models[:1]


def test_model_names_drop_the_quantisation_tag():
    assert gguf_loader.model_name(Path("SmolLM2-135M-Instruct.Q4_1.gguf")) == "SmolLM2-135M-Instruct"
    assert gguf_loader.model_name(Path("qwen2.5-0.5b-instruct-q8_0.gguf")) == "qwen2.5-0.5b-instruct"
    assert gguf_loader.model_name(Path("gemma-2-2b-it-F16.gguf")) == "gemma-2-2b-it"
    assert gguf_loader.model_name(Path("Q4.gguf")) == "Q4"


def test_slugs_are_url_safe():
    assert registry.slug("SmolLM2-360M-Instruct.Q8_0") == "smollm2-360m-instruct-q8-0"
    assert registry.slug("<script>") == "script" and registry.slug("ü…") == "model"


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    return write_llama(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


def test_a_small_llama_file_loads_with_its_own_shape_and_runs(tiny_file, lm):
    tiny = gguf_loader.load(tiny_file, use_cache=False)
    cfg = tiny.config
    assert (cfg.name, cfg.n_layers, cfg.d_model, cfg.d_ff, cfg.n_heads, cfg.kv_heads) == ("tiny", 2, 32, 48, 4, 2)
    text = "The capital of France is Paris, 12 + 7 = 19 🙂"
    assert tiny.tokenizer.encode(text).ids == lm.tokenizer.encode(text).ids
    ids = tiny.tokenizer.encode(text).ids
    trace = kv.run(tiny.model, ids)
    assert trace.coeffs.shape == (2, len(ids), 48)
    probs = kv.next_token_probs(tiny.model, trace, len(ids) - 1)
    assert probs.shape == (cfg.vocab_size,) and torch.isclose(probs.sum(), torch.tensor(1.0))


def test_a_first_load_reports_its_progress(tiny_file):
    heard: list[tuple[float, str]] = []
    gguf_loader.load(tiny_file, use_cache=False, progress=lambda share, text: heard.append((share, text)))
    shares = [share for share, _ in heard]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] >= 0.9
    assert heard[0][1].startswith("Reading tiny.gguf") and any("tensor 20 of 20" in text for _, text in heard)


def test_an_embedding_padded_beyond_the_vocabulary_loads(tmp_path):
    padded = gguf_loader.load(write_llama(tmp_path / "padded.gguf", padded_rows=64), use_cache=False)
    assert padded.config.vocab_size == padded.tokenizer.get_vocab_size() + 64
    assert padded.model(torch.tensor([padded.tokenizer.encode("Hello").ids])).shape[-1] == padded.config.vocab_size


def test_files_we_cannot_run_are_refused_by_name(tmp_path, tiny_file):
    phi = write_llama(tmp_path / "p.gguf", arch="phi3")
    with pytest.raises(gguf_loader.ModelUnavailable,
                       match="p.gguf is a 'phi3' model; FFN Lab runs llama, qwen2, gpt2, gemma, gemma2"):
        gguf_loader.load(phi, use_cache=False)
    spm_qwen = write_llama(tmp_path / "sq.gguf", arch="qwen2", qkv_bias=True, sentencepiece=True)
    with pytest.raises(gguf_loader.ModelUnavailable, match="sq.gguf uses the tokenizer 'llama' .*"
                                                           "SentencePiece .'llama'. for llama, gemma, gemma2"):
        gguf_loader.load(spm_qwen, use_cache=False)
    other_split = write_llama(tmp_path / "ds.gguf", pre="deepseek-llm")
    with pytest.raises(gguf_loader.ModelUnavailable, match="pre-tokenizer 'deepseek-llm'"):
        gguf_loader.load(other_split, use_cache=False)
    lying = write_llama(tmp_path / "lie.gguf", claimed_d_ff=64)  # its FFN tensors are 48 wide
    with pytest.raises(gguf_loader.ModelUnavailable, match=r"lie.gguf: its tensors do not match what its metadata "
                                                           r"says \(.*ffn.gate_proj.weight"):
        gguf_loader.load(lying, use_cache=False)
    stretched = write_llama(tmp_path / "yarn.gguf", rope_scaling=True)
    with pytest.raises(gguf_loader.ModelUnavailable, match="yarn.gguf stretches its rotary positions .'yarn' scaling"):
        gguf_loader.load(stretched, use_cache=False)
    # Llama 3.1/3.2's rope_freqs run (test_architectures.py); in a family that has none they are refused
    factors = write_llama(tmp_path / "l31.gguf", arch="qwen2", qkv_bias=True, rope_freqs=True)
    with pytest.raises(gguf_loader.ModelUnavailable, match="l31.gguf has tensors FFN Lab's forward pass has no "
                                                           "place for .rope_freqs.weight."):
        gguf_loader.load(factors, use_cache=False)
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_file.read_bytes()[:-1000])
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged.*copied completely"):
        gguf_loader.load(cut, use_cache=False)
    text = tmp_path / "text.gguf"
    text.write_text("not a model")
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged or not a GGUF"):
        gguf_loader.load(text, use_cache=False)


def test_a_model_too_large_for_the_memory_cap_is_refused_before_loading(tiny_file, monkeypatch):
    monkeypatch.setenv("FFNLAB_MAX_MODEL_MB", "2")  # the tiny file's embedding alone is 6 MB as float32
    with pytest.raises(gguf_loader.ModelUnavailable, match=r"about 6 MB as float32.*allows 2 MB per model"):
        gguf_loader.load(tiny_file, use_cache=False)
    monkeypatch.delenv("FFNLAB_MAX_MODEL_MB")
    # by default a 1.7 B-parameter model (SmolLM2-1.7B, Qwen2.5-1.5B) fits on a 24 GB machine, a 7 B one does not
    assert 1.7e9 * 4 / 2**20 < gguf_loader.memory_cap_mb() < 7e9 * 4 / 2**20


def test_the_picker_offers_only_files_we_can_run_and_says_why_not(tmp_path, monkeypatch):
    """Judged from each file's header: no weight is read, no vocabulary parsed."""
    folder = tmp_path / "models"
    folder.mkdir()
    good = write_llama(folder / "a-tiny.gguf")
    write_llama(folder / "phi.gguf", arch="phi3")
    write_llama(folder / "yarn.gguf", rope_scaling=True)
    (folder / "cut.gguf").write_bytes(good.read_bytes()[:-1000])  # its header intact, its last tensor cut
    (folder / "text.gguf").write_text("not a model")
    models, problems = registry.entries(str(folder), check=gguf_loader.why_not)
    assert [m.path for m in models[1:]] == [good]
    assert "cut.gguf is damaged" in problems[0] and "its tensors need" in problems[0]
    assert problems[1].startswith("phi.gguf is a 'phi3' model; FFN Lab runs llama, qwen2")
    assert "damaged or not a GGUF model (no GGUF magic number)" in problems[2]
    assert problems[3].startswith("yarn.gguf stretches its rotary positions ('yarn' scaling)")
    # the same verdicts as loading gives, before any weight is dequantised
    with pytest.raises(gguf_loader.ModelUnavailable) as refused:
        gguf_loader.load(folder / "phi.gguf", use_cache=False)
    assert str(refused.value) == problems[1]
    monkeypatch.setenv("FFNLAB_MAX_MODEL_MB", "2")  # the tiny file's embedding alone is 6 MB as float32
    assert "allows 2 MB per model" in gguf_loader.why_not(good)
    monkeypatch.delenv("FFNLAB_MAX_MODEL_MB")
    assert gguf_loader.why_not(gguf_loader.find_gguf()) is None  # the bundled file, 49,152 tokens
