"""The neuron dictionary's corpus pass and accumulator: the lean pass reads as the full trace, the
cheap accumulator keeps exactly what a brute-force pass over every coefficient finds, and a build
publishes partial dictionaries of the corpus covered so far."""
import numpy as np
import pytest
import torch

from model.lm import gguf_loader
from model.lm import neuron_dictionary as nd
from testkit.gguf_files import write_gemma, write_gpt2, write_llama

DOCS = ["The capital of France is Paris, and Rome is the capital of Italy. " * 6, "We flew to Paris in May.",
        "def f(x):\n    return x + 1", "One, two, three, four, five, six, seven, eight, nine, ten. " * 24,
        "Every spring we take the train to Brussels, then fly on to Oslo and Helsinki. " * 10]


@pytest.fixture(scope="module", params=["llama", "gpt2", "gemma3"])
def tiny(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    write = {"llama": write_llama, "gpt2": write_gpt2, "gemma3": lambda p: write_gemma(p, arch="gemma3")}
    return gguf_loader.load(write[request.param](folder / "t.gguf"), use_cache=False)


def chunks_of(lm, docs=DOCS):
    return nd.windows([lm.tokenizer.encode(d).ids for d in docs])


@torch.inference_mode()
def test_the_lean_pass_reads_as_the_full_trace(tiny):
    """coefficient_windows keeps only the coefficients, in windows batched or not, and they are the
    trace's (a Gemma 3 with windowed layers, a GPT-2 with learned positions, a LLaMA)."""
    chunks = chunks_of(tiny)
    assert len(chunks) >= 3 and len({len(ids) for _, ids in chunks}) >= 2  # batches carry padding
    traced = [(start, tiny.model.trace(torch.tensor(ids), logits="none").coeffs) for start, ids in chunks]
    alone = list(nd.coefficient_windows(tiny.model, chunks))
    assert [s for s, _ in alone] == [s for s, _ in traced]
    for (_, m), (_, want) in zip(alone, traced):
        assert torch.equal(m, want)  # one window a pass: the trace's own numbers
    in_threads = list(nd.coefficient_windows(tiny.model, chunks, workers=2))
    assert [s for s, _ in in_threads] == [s for s, _ in traced]
    assert all(torch.equal(m, want) for (_, m), (_, want) in zip(in_threads, traced))
    batched = list(nd.coefficient_windows(tiny.model, chunks, batch=3, workers=3))
    assert [s for s, _ in batched] == [s for s, _ in traced]
    for (start, m), (_, want) in zip(batched, traced):
        assert m.shape == want.shape
        torch.testing.assert_close(m, want, atol=2e-4, rtol=1e-4)


def brute_force(ms: list[tuple[int, torch.Tensor]]):
    """Every coefficient at once: (L, F, N) values and positions, what the accumulator must keep."""
    values = torch.cat([m for _, m in ms], 1).permute(0, 2, 1)
    positions = torch.cat([start + torch.arange(m.shape[1]) for start, m in ms])
    return values, positions


def test_the_accumulator_keeps_what_a_brute_force_pass_finds():
    g = torch.Generator().manual_seed(0)
    L, F, starts = 3, 40, [0, 17, 60, 61, 221]
    lengths = [17, 43, 1, 160, 9]
    ms = [(s, torch.randn(L, n, F, generator=g) * 3) for s, n in zip(starts, lengths)]
    # values on the histogram's edges and a float's width either side of them, and far outside
    edges = torch.from_numpy(nd.HIST_EDGES)
    hard = torch.cat([edges, torch.nextafter(edges, edges + 1), torch.nextafter(edges, edges - 1),
                      torch.tensor([1e6, -1e6, 0.0, -0.0])])
    ms[3][1][1, :hard.numel(), 7] = hard
    acc = nd._Accumulator(L, F)
    for start, m in ms:
        acc.add(start, m)
    values, positions = brute_force(ms)
    top = values.topk(nd.TOP_K, dim=-1)
    bottom = values.topk(nd.TOP_K, dim=-1, largest=False)
    assert torch.equal(acc.top_v, top.values) and torch.equal(acc.bot_v, bottom.values)
    assert torch.equal(acc.top_p, positions[top.indices]) and torch.equal(acc.bot_p, positions[bottom.indices])
    bins = torch.bucketize(values.contiguous(), edges[1:-1])  # the bins the build used before it computed them
    want = torch.stack([torch.bincount(b, minlength=len(edges) - 1) for b in bins.reshape(L * F, -1)])
    assert torch.equal(acc.hist, want.view(L, F, -1)) and (acc.hist.sum(-1) == values.shape[-1]).all()
    torch.testing.assert_close(acc.sum, values.double().sum(-1), rtol=1e-6, atol=1e-4)
    torch.testing.assert_close(acc.sum_sq, values.double().pow(2).sum(-1), rtol=1e-6, atol=1e-4)


@torch.inference_mode()
def test_a_build_publishes_partial_dictionaries_of_the_corpus_so_far(tiny):
    """Each partial dictionary is the exact dictionary of the corpus's first n_tokens: its lists
    are the true extremes over them, its histograms count them, and it says how far it got."""
    seen = []
    full = nd.build(tiny.model, tiny.tokenizer, DOCS, partial=seen.append, partial_first=0.0, partial_every=0.0,
                    sources=["a", "b", "b", "a", "c"], workers=2)
    chunks = chunks_of(tiny)
    assert not full.partial and full.corpus_tokens == 0 and full.n_tokens == sum(len(ids) for _, ids in chunks)
    assert [d.n_tokens for d in seen] == [start for start, _ in chunks[1:]]  # after every window but the last
    ms = list(nd.coefficient_windows(tiny.model, chunks))
    for i, d in enumerate(seen, start=1):
        assert d.partial and d.corpus_tokens == full.n_tokens and np.array_equal(d.ids, full.ids[:d.n_tokens])
        assert (d.hist.sum(-1) == d.n_tokens).all() and d.top_positions.max() < d.n_tokens
        values, positions = brute_force(ms[:i])
        top = values.topk(nd.TOP_K, dim=-1)
        np.testing.assert_array_equal(d.top_values, top.values.numpy())
        np.testing.assert_allclose(d.mean, values.mean(-1).numpy(), rtol=1e-5, atol=1e-6)
        assert len(d.doc_sources) == len(d.doc_starts) and d.doc_starts[-1] < d.n_tokens
        assert d.source_of(d.n_tokens - 1) == full.source_of(d.n_tokens - 1)
    assert seen[0].fingerprint != seen[1].fingerprint  # views cached per dictionary see each anew


def test_the_command_finds_a_model_by_file_or_key_and_refuses_an_unknown_one(tmp_path, capsys):
    """`python -m model.lm.build_dictionary --model ...`: a GGUF file or a picker's key; anything else
    stops with the keys it knows, before any work (the build itself is the BuildJob's, tested above)."""
    from model.lm import build_dictionary

    tiny = write_llama(tmp_path / "Tiny.gguf")
    assert build_dictionary.load_model(str(tiny)).source == tiny
    assert build_dictionary.load_model("smollm2-135m").source.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert build_dictionary.main(["--model", "no-such-model", "--out", str(tmp_path / "d.npz")]) == 1
    err = capsys.readouterr().err
    assert "no model 'no-such-model'" in err and "smollm2-135m" in err and "Traceback" not in err
    assert not (tmp_path / "d.npz").exists()


def test_the_weight_statistics_command_writes_what_the_anatomy_page_reads(tmp_path, monkeypatch, capsys):
    """`python -m model.lm.build_kinds --model ...` over the model's dictionary: the file it writes is
    the statistics computed directly; without a dictionary it stops with what to run first."""
    from model.lm import build_dictionary, build_kinds, neuron_kinds

    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path / "cache"))
    path = write_llama(tmp_path / "Tiny.gguf")
    out = tmp_path / "kinds.npz"
    assert build_kinds.main(["--model", str(path), "--out", str(out)]) == 1
    assert "run python -m model.lm.build_dictionary first" in capsys.readouterr().err and not out.exists()
    lm = gguf_loader.load(path, use_cache=False)
    d = nd.build(lm.model, lm.tokenizer, DOCS, model_source=lm.source)
    d.save(build_dictionary.rebuilt_path(lm.source))
    assert build_kinds.main(["--model", str(path), "--out", str(out)]) == 0
    saved = neuron_kinds.WeightStats.load(out)
    want = neuron_kinds.weight_stats(lm.model, neuron_kinds.token_log_frequency(d.ids, lm.config.vocab_size))
    for field in ("norm", "skew", "kurtosis", "null_share", "frequency_corr"):
        np.testing.assert_allclose(getattr(saved, field), getattr(want, field), rtol=1e-5, atol=1e-6)
