"""Our reading of GGUF files (model/lm/gguf_header.py's parse, gguf_loader's tensors and chunked
dequantisation) gives exactly what gguf's own GGUFReader and dequantize give: every metadata value,
vocabulary included, every tensor's bytes, and the same float32 numbers."""
import numpy as np
import pytest

from model.lm import gemma3_package, gguf_header, gguf_loader
from testkit.gguf_files import write_gemma, write_gpt2, write_llama


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A byte-level BPE file with q/k/v biases (merges), a SentencePiece one (scores), a GPT-2 file
    (fused q/k/v), and a float16 one with rope factors."""
    folder = tmp_path_factory.mktemp("gguf")
    return [write_llama(folder / "qwen2.gguf", arch="qwen2", qkv_bias=True), write_gemma(folder / "gemma3.gguf",
                                                                                          arch="gemma3"),
            write_gpt2(folder / "gpt2.gguf"), write_llama(folder / "f16.gguf", dtype=np.float16, rope_freqs=True)]


def test_metadata_and_tensors_equal_gguf_readers(files):
    for path in files:
        with gguf_loader._reader_reads_into_memory() as GGUFReader:  # its parse, sped up as for the reference
            theirs = GGUFReader(path)
        reader, meta, _, _ = gguf_loader._open(path)
        for key, field in theirs.fields.items():
            if key.startswith("GGUF."):  # the reader's own entries for the file header
                continue
            assert meta[key] == field.contents(), (path.name, key)
        assert len(meta["tokenizer.ggml.tokens"]) == 49_152 or "gemma" in path.name
        assert [t.name for t in reader.tensors] == [t.name for t in theirs.tensors]
        for ours, ref in zip(reader.tensors, theirs.tensors):
            assert ours.tensor_type == ref.tensor_type and list(ours.shape) == ref.shape.tolist()
            assert ours.data.dtype == ref.data.dtype and np.array_equal(ours.data, ref.data), (path.name, ours.name)


def test_float32_megabytes_from_the_header_equal_the_loaded_models(files):
    for path in files:
        assert gguf_loader.float32_mb(path) == pytest.approx(gguf_loader.load(path, use_cache=False).megabytes)


def test_chunked_dequantisation_equals_gguf_on_every_type_of_the_gemma3_file(monkeypatch):
    """Gemma 3 270M's file holds Q8_0, Q5_0, Q4_K, Q6_K and F32 tensors: one of each, split into
    small chunks as a large tensor is, gives the numbers gguf gives for the whole tensor."""
    from gguf.quants import dequantize

    reader, *_ = gguf_loader._open(gemma3_package.gguf_path())
    smallest = {}
    for t in reader.tensors:
        if t.tensor_type not in smallest or t.n_elements < smallest[t.tensor_type].n_elements:
            smallest[t.tensor_type] = t
    assert {t.name for t in smallest.values()} and {q.name for q in smallest} == {"Q8_0", "Q5_0", "Q4_K", "Q6_K",
                                                                                   "F32"}
    monkeypatch.setattr(gguf_loader, "CHUNK", 3_000)
    for t in smallest.values():
        out = np.empty(tuple(reversed(t.shape)), dtype=np.float32)
        chunks = gguf_loader._row_chunks(t)
        assert len(chunks) > 1 or t.data.ndim == 1
        for rows in chunks:
            gguf_loader._dequantize_rows(out, t, rows)
        assert np.array_equal(out, dequantize(t.data, t.tensor_type)), t.name


def test_a_cut_or_foreign_file_is_refused_as_damaged(files, tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(files[0].read_bytes()[:-1000])  # the header whole, the last tensor cut
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged.*runs past the end of the file"):
        gguf_loader.load(cut, use_cache=False)
    header = tmp_path / "header.gguf"
    header.write_bytes(files[1].read_bytes()[:200_000])  # cut inside the vocabulary
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged.*past the end of the file"):
        gguf_loader.load(header, use_cache=False)
    with pytest.raises(ValueError, match="no GGUF magic"):
        gguf_header.parse(b"GGML" + bytes(100))


def test_gemma3_is_assembled_under_a_name_of_its_own_and_renamed_when_whole(tmp_path, monkeypatch):
    import importlib

    package = importlib.import_module(gemma3_package.PACKAGE)
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path))
    seen = []

    def failing(output, overwrite=False):  # a chunk read halfway, then a wrong sha256
        seen.append(output)
        output.write_bytes(b"GGUF half a file")
        assert not (tmp_path / package.MODEL_NAME).exists()  # nothing under the final name meanwhile
        raise ValueError("Assembled file sha256 did not match expected value")

    monkeypatch.setattr(package, "assemble", failing)
    with pytest.raises(gguf_loader.ModelUnavailable, match="could not be assembled.*sha256"):
        gemma3_package.gguf_path()
    assert seen and seen[0].parent == tmp_path and list(tmp_path.iterdir()) == []  # the partial file removed
    monkeypatch.undo()
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path))
    path = gemma3_package.gguf_path()  # the package's own assemble(), its sha256 checked
    assert path == tmp_path / package.MODEL_NAME and [p.name for p in tmp_path.iterdir()] == [package.MODEL_NAME]
    assert gguf_loader.why_not(path) is None


def test_a_cache_load_for_passes_only_skips_the_tokenizer(files, tmp_path, monkeypatch):
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path))
    first = gguf_loader.load(files[1])
    first.wait_for_cache()
    passes_only = gguf_loader.load(files[1], tokenizer=False)  # as a trace worker loads its model
    assert passes_only.from_cache and passes_only.tokenizer is None and first.tokenizer is not None
    ours, theirs = first.model.state_dict(), passes_only.model.state_dict()
    assert ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)
