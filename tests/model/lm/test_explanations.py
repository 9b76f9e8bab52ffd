"""Neuron explanations: what the streaming build computes, checked by brute force on a tiny model
over part of the real corpus; the held-out split; the shuffled baseline; the words and their search."""
import dataclasses
import json
import re

import numpy as np
import pytest
import torch

from components.shared import glossary as gloss
from model.lm import build_dictionary, build_explanations, gguf_loader
from model.lm import explanation_words as ew
from model.lm import explanations as ex
from model.lm import neuron_dictionary as nd
from model.lm import token_classes as tc
from model.lm.kv_memory import token_text
from testkit.apptest import plotly_figures, run_page, tables
from testkit.gguf_files import write_llama

N_DOCS = 60


def sub_dictionary(d: nd.NeuronDictionary, docs: np.ndarray) -> nd.NeuronDictionary:
    """The shipped corpus cut down to some of its documents (the neuron statistics left empty)."""
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    parts = [d.ids[d.doc_starts[i]:ends[i]] for i in docs]
    z = np.zeros((1, 1, 1), dtype=np.float32)
    return nd.NeuronDictionary(np.concatenate(parts), np.cumsum([0] + [len(p) for p in parts[:-1]]), z,
                               z.astype(np.int64), z, z.astype(np.int64), z.astype(np.int32), z[..., 0], z[..., 0],
                               d.doc_sources[docs], d.sources, "tiny")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    shipped = build_dictionary.load_builtin(gguf_loader.load().source)
    d = sub_dictionary(shipped, np.linspace(0, len(shipped.doc_starts) - 1, N_DOCS).astype(int))
    tiny = gguf_loader.load(write_llama(tmp_path_factory.mktemp("x") / "tiny.gguf", d_ff=24), use_cache=False)
    texts = [token_text(tiny.tokenizer, i) for i in range(tiny.config.vocab_size)]
    e = ex.build(tiny.model, d, texts)
    return tiny, d, texts, e


def coefficients(model, d, windows) -> tuple[np.ndarray, list[np.ndarray]]:
    """(positions, m (tokens, L*F)) over the windows, and each position's feature groups."""
    ms, positions = [], []
    for w in windows:
        m = model.trace(torch.from_numpy(d.ids[w].astype(np.int64)), logits="none").coeffs
        ms.append(m.permute(1, 0, 2).reshape(len(w), -1).numpy().astype(np.float64))
        positions.append(w)
    return np.concatenate(positions), np.concatenate(ms)


def simulate(e: ex.Explanations, groups: list[np.ndarray], s: int, flat: int, F: int) -> tuple[np.ndarray, np.ndarray]:
    """The simulator, written plainly for one neuron: (prediction, whether the explanation matched)."""
    layer, neuron = divmod(flat, F)
    family = int(e.family[s, layer, neuron])
    pred = np.full(len(groups[0]), float(e.base[s, layer, neuron]))
    match = np.zeros(len(groups[0]), dtype=bool)
    for g, v in zip(e.groups[s, layer, neuron], e.values[s, layer, neuron]):
        if g >= 0:
            hit = groups[family] == g
            pred[hit], match[hit] = v, True
    return pred, match


def all_groups(feats: ex.Features, d, windows) -> list[np.ndarray]:
    """Each family's group of every position; for the two token families, as a reader names them: the
    token's id, and the previous token's (none at a window's start)."""
    per = [feats.of(d.ids[w], w) for w in windows]
    out = [np.concatenate([p[f] for p in per]) for f in range(6)]
    ids = [d.ids[w].astype(np.int64) for w in windows]
    out[ex.TOKEN] = np.concatenate(ids)
    out[ex.PREVIOUS_TOKEN] = np.concatenate([np.concatenate([[-2], i[:-1]]) for i in ids])
    return out


def test_the_scores_are_what_a_plain_simulator_gets_on_held_out_text(setup):
    tiny, d, texts, e = setup
    L, F = tiny.config.n_layers, tiny.config.d_ff
    held = ex.split_documents(d)
    train_windows, held_windows = ex.split_windows(d, ~held), ex.split_windows(d, held)
    feats = ex.features(d, np.concatenate(train_windows), texts)
    _, m_train = coefficients(tiny.model, d, train_windows)
    _, m = coefficients(tiny.model, d, held_windows)
    g_train, g = all_groups(feats, d, train_windows), all_groups(feats, d, held_windows)
    # the build's deciles: ranks of the float16 sample of training tokens (all of them here: fewer than SAMPLE)
    ordered = np.sort(m_train.astype(np.float32).astype(np.float16).astype(np.float32), axis=0)
    assert len(ordered) < ex.SAMPLE
    upper, lower = ordered[round(0.9 * (len(ordered) - 1))], ordered[round(0.1 * (len(ordered) - 1))]
    shuffle = ex.within_layer_shuffle(L, F)
    for flat in range(L * F):
        layer, neuron = divmod(flat, F)
        preds = []
        for s in range(2):
            pred, match = simulate(e, g, s, flat, F)
            preds.append(pred)
            want = np.corrcoef(pred, m[:, flat])[0, 1] if pred.std() > 0 else 0.0
            assert e.corr[1 + s, layer, neuron] == pytest.approx(want, abs=2e-3)
            positive = m[:, flat] >= upper[flat] if s == 0 else m[:, flat] <= lower[flat]
            accuracy = (match[positive].mean() + (~match[~positive]).mean()) / 2
            assert e.detection[s, layer, neuron] == pytest.approx(accuracy, abs=2e-3)
            train_pred, _ = simulate(e, g_train, s, flat, F)
            want_train = np.corrcoef(train_pred, m_train[:, flat])[0, 1] if train_pred.std() > 0 else 0.0
            assert e.train_corr[s, layer, neuron] == pytest.approx(want_train, abs=2e-3)
        both = preds[0] + preds[1]
        assert e.corr[0, layer, neuron] == pytest.approx(np.corrcoef(both, m[:, flat])[0, 1], abs=2e-3)
        other = int(shuffle[flat])
        assert other // F == layer and other != flat  # another neuron of the same layer
        shuffled = simulate(e, g, 0, other, F)[0] + simulate(e, g, 1, other, F)[0]
        want = np.corrcoef(shuffled, m[:, flat])[0, 1] if shuffled.std() > 0 else 0.0
        assert e.shuffled_corr[0, layer, neuron] == pytest.approx(want, abs=2e-3)


def test_every_kind_of_text_is_held_out_in_proportion(setup):
    _, d, _, _ = setup
    held = ex.split_documents(d)
    for kind in np.unique(d.doc_sources):
        docs = d.doc_sources == kind
        assert held[docs].sum() == round(docs.sum() / ex.HOLD_OUT), d.sources[kind]
    shipped = build_dictionary.load_builtin(gguf_loader.load().source)
    whole = ex.split_documents(shipped)
    shares = [whole[shipped.doc_sources == k].mean() for k in range(len(shipped.sources))]
    assert all(0.15 < share < 0.25 for share in shares), dict(zip(shipped.sources, shares))


def test_only_frequent_tokens_are_named(setup):
    _, d, texts, e = setup
    counts = np.bincount(d.ids[np.concatenate(ex.split_windows(d, ~ex.split_documents(d)))], minlength=len(texts))
    named = e.groups[np.isin(e.family, (ex.TOKEN, ex.PREVIOUS_TOKEN))]
    assert (named >= 0).any() and (counts[named[named >= 0]] >= ex.MIN_COUNT).all()
    assert ((e.tokens == -1) | ((e.tokens >= 0) & (e.tokens < len(texts)))).all()
    assert (counts[e.tokens[e.tokens >= 0]] >= ex.MIN_COUNT).all()


def test_held_out_documents_never_shape_an_explanation(setup):
    tiny, d, texts, e = setup
    held = ex.split_documents(d)
    assert 0.15 < held.mean() < 0.25 and held.any() and not held.all()
    changed = dataclasses.replace(d, ids=d.ids.copy())
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    for doc in np.flatnonzero(held):  # scramble every held-out document
        span = slice(d.doc_starts[doc], ends[doc])
        changed.ids[span] = np.random.default_rng(int(doc)).permutation(changed.ids[span])
    again = ex.build(tiny.model, changed, texts)
    for name in ("family", "groups", "values", "base", "train_corr", "tokens"):
        np.testing.assert_array_equal(getattr(again, name), getattr(e, name), err_msg=name)
    assert not np.array_equal(again.corr, e.corr)  # the scores did see the change


def test_examples_span_the_range_and_are_the_coefficients_there(setup):
    tiny, d, _, e = setup
    F = tiny.config.d_ff
    layer, neuron = 1, 5
    values = [v for band in range(len(ex.BAND_NAMES)) for v, _ in e.example(layer, neuron, band)]
    assert values == sorted(values, reverse=True) and len(values) == len(ex.BAND_NAMES) * ex.PER_BAND
    for value, position in e.example(layer, neuron, 0)[:2]:
        doc = d.document_of(position)
        window = next(w for w in ex.split_windows(d, ~ex.split_documents(d)) if position in w)
        m = tiny.model.trace(torch.from_numpy(d.ids[window].astype(np.int64)), logits="none").coeffs
        assert m[layer, list(window).index(position), neuron].item() == pytest.approx(value, rel=2e-3, abs=2e-3)
        assert not ex.split_documents(d)[doc]  # examples come from the training documents
    assert e.example_index.max() < len(e.sample_positions) and F == e.family.shape[2]


def test_a_file_round_trips_and_knows_its_dictionary(setup, tmp_path):
    tiny, d, _, e = setup
    e.save(tmp_path / "e.npz")
    back = ex.Explanations.load(tmp_path / "e.npz")
    assert back.explains(d) and np.array_equal(back.groups, e.groups) and np.array_equal(back.corr, e.corr)
    other = dataclasses.replace(d, ids=d.ids[::-1].copy())
    assert not back.explains(other)


def test_an_interrupted_build_resumes_to_the_same_result(setup, tmp_path):
    tiny, d, texts, e = setup

    class Stop(Exception):
        pass

    def stop_after_some(done, total):
        if done > d.n_tokens // 3:
            raise Stop

    with pytest.raises(Stop):
        ex.build(tiny.model, d, texts, progress=stop_after_some, checkpoint=tmp_path / "cp", checkpoint_every=2)
    assert (tmp_path / "cp" / "state.json").is_file()
    resumed = ex.build(tiny.model, d, texts, checkpoint=tmp_path / "cp", checkpoint_every=2)
    for name in ("family", "groups", "train_corr", "corr", "detection"):
        np.testing.assert_allclose(getattr(resumed, name).astype(float), getattr(e, name).astype(float),
                                   atol=1e-3, err_msg=name)


def test_kinds_of_tokens():
    assert tc.KINDS[tc.kind_of(" March")].name == "month names"
    assert tc.KINDS[tc.kind_of(" Monday")].name == "weekday names"
    assert tc.KINDS[tc.kind_of(" 1969")].name == "years"
    assert tc.KINDS[tc.kind_of("42")].name == "digits"
    assert tc.KINDS[tc.kind_of("\n\n")].name == "line breaks"
    assert tc.KINDS[tc.kind_of("    ")].name == "indentation and spaces"
    assert tc.KINDS[tc.kind_of(" walked")].name == "words ending in -ed"
    assert tc.KINDS[tc.kind_of(" apples")].name.startswith("words ending in -s")
    assert tc.KINDS[tc.kind_of(" Paris")].name == "capitalised words"
    assert tc.KINDS[tc.kind_of(" the")].name == "articles and determiners"
    assert tc.KINDS[tc.kind_of(" may")].name == "auxiliary verbs"  # lower-case 'may' is not the month
    assert tc.kind_of(" xyzzy") == tc.NONE


# ---------------------------------------------------------------- the shipped file and the page

@pytest.fixture(scope="module")
def shipped():
    lm = gguf_loader.load()
    d = build_dictionary.load_builtin(lm.source)
    e = build_explanations.load_builtin(lm.source, d)
    assert e is not None, "the explanations of the bundled model ship beside its dictionary"
    return lm, d, e


def test_the_shipped_explanations_cover_every_neuron_of_this_corpus(shipped):
    lm, d, e = shipped
    path = build_explanations.shipped_path(lm.source)
    assert path.stat().st_size <= 20e6
    L, F = lm.config.n_layers, lm.config.d_ff
    assert e.family.shape == (2, L, F) and e.corr.shape == (2, L, F) and e.explains(d)
    assert e.covers.shape == e.covers_held_out.shape == (2, L, F, ex.SHOWN)
    assert np.array_equal(e.held_out, ex.split_documents(d))
    # the held-out firings are held-out tokens; the sampled examples are training tokens
    doc_of = lambda positions: np.searchsorted(d.doc_starts, positions, side="right") - 1  # noqa: E731
    firings = e.held_out_positions[e.held_out_positions >= 0]
    assert e.held_out[doc_of(firings)].all() and not e.covers_held_out[e.held_out_positions < 0].any()
    assert not e.held_out[doc_of(e.sample_positions)].any()
    # the shuffled baseline sits where chance does; a line must be read against it
    s = ew.summary(e)
    assert abs(s.shuffled_corr) < 0.05
    assert s.median_top_random > s.shuffled_top_random + 0.1


def test_the_words_quoted_in_the_glossary_match_the_split():
    from content.glossary import TERMS
    held = next(t for t in TERMS if t.name == "held-out")
    assert ex.HOLD_OUT == 5 and "a seeded random fifth of the documents of each kind of text" in held.definition


def test_the_card_shows_both_lines_with_their_coverage_and_scores(shipped):
    lm, d, e = shipped
    at = run_page("neurons", timeout=120, layer="20", neuron="0", words="months", reveal="all")
    vocab = ew.Vocab.of([token_text(lm.tokenizer, i) for i in range(lm.config.vocab_size)])
    shown = " ".join(m.value for m in at.markdown)
    captions = " ".join(c.value for c in at.caption)
    for s in range(2):
        assert gloss.md_escape(ew.line(e, s, 20, 0, vocab)) in shown
        assert ew.coverage_words(ew.coverage(e, s, 20, 0)) in shown
        assert f"**{float(e.corr_top_random[s, 20, 0]):+.2f}** over its top and random excerpts" in shown
        assert gloss.md_escape(ew.simulator_values(e, s, 20, 0, vocab)) in captions
    for band in ex.BAND_NAMES:
        assert f"*{band} of the sample*" in shown
    found = [t for t in tables(at) if "explanation" in t]
    search = next(t for t in found if "sign" in t)
    assert search["explanation"] and all("month" in line.lower() for line in search["explanation"])
    scores = [float(v) for v in search["held-out r (top + random)"]]
    assert scores == sorted(scores, reverse=True)
    assert any("held-out correlation with its own sign, by layer" in json.dumps(f) for f in plotly_figures(at))


def test_the_trust_section_waits_for_its_prediction_and_shows_the_share_it_reveals(shipped):
    from content.predictions import truth
    from testkit.apptest import answer, revealed

    at = run_page("neurons", timeout=120)
    assert not any("by layer" in json.dumps(f) for f in plotly_figures(at))
    t = truth("dict-explained-share")
    guess = 50 if t.answer < 45 else 0
    answer(at, "dict-explained-share", guess)
    shown = " ".join(m.value for m in at.markdown)
    assert f"Each of the {t.values['lines']} lines" in shown
    assert ("too high" if guess > t.answer else "too low") in revealed(at)
    assert any("by layer" in json.dumps(f) for f in plotly_figures(at))


def test_a_search_with_no_match_says_so(shipped):
    at = run_page("neurons", timeout=120, words="<script>zzqx</script>")
    assert any("No neuron's explanation holds all of" in i.value for i in at.info)


def test_a_model_without_explanations_gets_them_built_in_the_background(setup, tmp_path, monkeypatch):
    from components.lm.explanation_views import ExplainJob

    tiny, d, _, e = setup
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path / "cache"))
    assert build_explanations.load_builtin(tiny.source, d) is None
    job = ExplainJob()
    job.start_with(tiny, d)
    job.start_with(tiny, d)  # a second visitor joins the same build
    job._thread.join(timeout=300)
    assert job.error is None and job.result is not None and job.result.explains(d)
    assert job.done == job.total == d.n_tokens
    np.testing.assert_array_equal(job.result.groups, e.groups)
    # saved where the next server process finds it
    assert build_explanations.load_builtin(tiny.source, d).explains(d)
    assert not list((tmp_path / "cache").glob("*.checkpoint"))
