"""Neuron explanations: what the build computes, checked by brute force on a tiny model over part of
the real corpus (the held-out split, the lines' training and held-out scores, the strongest firings
and their coverage, the baselines), and the shipped files. The words of the lines and the pages are
in test_explanation_words.py."""
import dataclasses
import json

import numpy as np
import pytest
import torch

from components.shared import glossary as gloss
from model.lm import build_dictionary, build_explanations, gguf_loader
from model.lm import explain_groups as eg
from model.lm import explanation_words as ew
from model.lm import explanations as ex
from model.lm import neuron_dictionary as nd
from model.lm import token_classes as tc
from model.lm.explain_firings import CONTEXT, covers
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


def corpus_dictionary(model, tokenizer, shipped: nd.NeuronDictionary, docs: np.ndarray) -> nd.NeuronDictionary:
    """A real dictionary of the tiny model over some of the shipped corpus's documents."""
    ends = np.append(shipped.doc_starts[1:], shipped.n_tokens)
    texts = [tokenizer.decode(shipped.ids[shipped.doc_starts[i]:ends[i]].tolist()) for i in docs]
    return nd.build(model, tokenizer, texts, sources=[shipped.sources[shipped.doc_sources[i]] for i in docs])


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    shipped = build_dictionary.load_builtin(gguf_loader.load().source)
    tiny = gguf_loader.load(write_llama(tmp_path_factory.mktemp("x") / "tiny.gguf", d_ff=24), use_cache=False)
    docs = np.linspace(0, len(shipped.doc_starts) - 1, N_DOCS).astype(int)
    d = corpus_dictionary(tiny.model, tiny.tokenizer, shipped, np.append(docs, docs[3]))  # one copy of a document
    texts = [token_text(tiny.tokenizer, i) for i in range(tiny.config.vocab_size)]
    return tiny, d, texts, ex.build(tiny.model, d, texts)


@dataclasses.dataclass
class Plain:
    """The corpus as the build reads it, recomputed plainly: windows, coefficients, groups."""
    train: list[np.ndarray]
    held: list[np.ndarray]
    m_train: list[np.ndarray]  # per window (T, L*F)
    m_held: list[np.ndarray]
    at: np.ndarray


@pytest.fixture(scope="module")
def plain(setup):
    tiny, d, texts, _ = setup
    held = ex.split_documents(d)
    train_w = ex.split_windows(d, ~held & ~ex.duplicate_documents(d))
    held_w = ex.split_windows(d, held)

    def m(w):
        c = tiny.model.trace(torch.from_numpy(d.ids[w].astype(np.int64)), logits="none").coeffs
        return c.permute(1, 0, 2).reshape(len(w), -1).numpy().astype(np.float64)

    at = eg.position_groups(d.ids, d.doc_starts, d.doc_sources, train_w + held_w, texts).at
    return Plain(train_w, held_w, [m(w) for w in train_w], [m(w) for w in held_w], at)


def simulate(e: ex.Explanations, at: np.ndarray, s: int, flat: int, F: int, positions: np.ndarray) -> np.ndarray:
    """The simulator, written plainly for one neuron's line: its y at each position."""
    layer, neuron = divmod(flat, F)
    family = int(e.family[s, layer, neuron])
    sign = 1 if s == 0 else -1
    pred = np.full(len(positions), sign * float(e.base[s, layer, neuron]))
    for g, v in zip(e.groups[s, layer, neuron], e.values[s, layer, neuron]):
        if g >= 0:
            pred[(positions >= 0) & (at[family, np.maximum(positions, 0)] == g)] = sign * float(v)
    return pred


def corr(p: np.ndarray, t: np.ndarray, w: np.ndarray | None = None) -> float:
    w = np.ones(len(p)) if w is None else w
    mp, mt = (w * p).sum() / w.sum(), (w * t).sum() / w.sum()
    vp, vt = (w * (p - mp) ** 2).sum(), (w * (t - mt) ** 2).sum()
    return 0.0 if vp < 1e-9 * w.sum() or vt < 1e-12 * w.sum() else float((w * (p - mp) * (t - mt)).sum() / np.sqrt(vp * vt))


def test_held_out_scores_are_what_a_plain_simulator_gets(setup, plain):
    tiny, d, _, e = setup
    L, F = tiny.config.n_layers, tiny.config.d_ff
    positions, m = np.concatenate(plain.held), np.concatenate(plain.m_held)
    train_positions, m_train = np.concatenate(plain.train), np.concatenate(plain.m_train)
    shuffle = ex.within_layer_shuffle(L, F)
    rows, _ = ex.token_rows(d.ids, train_positions, tiny.config.vocab_size)
    for flat in range(L * F):
        layer, neuron = divmod(flat, F)
        preds = []
        for s in range(2):
            y = np.maximum(m[:, flat] * (1 if s == 0 else -1), 0)
            pred = simulate(e, plain.at, s, flat, F, positions)
            preds.append(pred)
            assert e.corr[s, layer, neuron] == pytest.approx(corr(pred, y), abs=2e-3)
            other = int(shuffle[flat])
            assert other // F == layer and other != flat  # another neuron of the same layer
            assert e.shuffled_corr[s, layer, neuron] == pytest.approx(
                corr(simulate(e, plain.at, s, other, F, positions), y), abs=2e-3)
            # the look-up table: each frequent token's mean y in training (the rest share one row)
            y_train = np.maximum(m_train[:, flat] * (1 if s == 0 else -1), 0)
            r_train = rows[d.ids[train_positions]]
            table = np.bincount(r_train, y_train, minlength=rows.max() + 1) / np.maximum(
                np.bincount(r_train, minlength=rows.max() + 1), 1)
            assert e.lookup_corr[s, layer, neuron] == pytest.approx(corr(table[rows[d.ids[positions]]], y), abs=2e-3)
        assert e.corr_both[layer, neuron] == pytest.approx(corr(preds[0] - preds[1], m[:, flat]), abs=2e-3)


def strongest(windows: list[np.ndarray], ms: list[np.ndarray], flat: int, s: int, k: int):
    """A neuron's k strongest firings of sign s, by brute force: (position, excerpt positions, excerpt y)."""
    rows = [(max(0.0, float(m[t, flat]) * (1 if s == 0 else -1)), w, t) for w, m in zip(windows, ms)
            for t in range(len(w))]
    rows = sorted((r for r in rows if r[0] > 0), key=lambda r: -r[0])[:k]
    out = []
    for _, w, t in rows:
        m = ms[next(i for i, x in enumerate(windows) if x is w)]
        back = [t - c for c in range(CONTEXT - 1, -1, -1)]
        out.append((int(w[t]), [int(w[b]) if b >= 0 else -1 for b in back],
                    [max(0.0, float(m[b, flat]) * (1 if s == 0 else -1)) if b >= 0 else 0.0 for b in back]))
    return out


def test_strongest_held_out_firings_coverage_and_top_plus_random_scores_by_brute_force(setup, plain):
    tiny, d, _, e = setup
    L, F = tiny.config.n_layers, tiny.config.d_ff
    rng = np.random.default_rng(0)  # the build's random excerpts: training ones first, then held-out ones
    ex.excerpt_sample(plain.train, ex.SAMPLE_EXCERPTS, rng)
    random_positions = ex.excerpt_sample(plain.held, ex.HELD_OUT_EXCERPTS, rng)
    where = {int(p): (i, t) for i, w in enumerate(plain.held) for t, p in enumerate(w)}
    for flat in range(L * F):
        layer, neuron = divmod(flat, F)
        for s in range(2):
            top = strongest(plain.held, plain.m_held, flat, s, ex.SHOWN)
            want = [p for p, _, _ in top] + [-1] * (ex.SHOWN - len(top))
            assert e.held_out_positions[s, layer, neuron].tolist() == want
            line = (int(e.family[s, layer, neuron]), e.groups[s, layer, neuron].tolist())
            assert e.covers_held_out[s, layer, neuron].tolist() == covers(*line, want, plain.at)
            card = (d.top_positions if s == 0 else d.bottom_positions)[layer, neuron].tolist()
            assert e.covers[s, layer, neuron].tolist() == covers(*line, card, plain.at)
            ctx = np.array([p for _, c, _ in top for p in c])
            ctx_y = np.array([y for _, _, ys in top for y in ys])
            rand_y = np.array([max(0.0, plain.m_held[where[p][0]][where[p][1], flat] * (1 if s == 0 else -1))
                               for p in random_positions])
            ok = ctx >= 0
            p_all = np.concatenate([simulate(e, plain.at, s, flat, F, ctx[ok]),
                                    simulate(e, plain.at, s, flat, F, random_positions)])
            w = np.concatenate([np.ones(ok.sum()), np.full(len(random_positions), ok.sum() / len(random_positions))])
            want_r = corr(p_all, np.concatenate([ctx_y[ok], rand_y]), w) if ok.any() else 0.0
            assert e.corr_top_random[s, layer, neuron] == pytest.approx(want_r, abs=3e-3)


def test_a_line_is_chosen_from_the_strongest_training_firings_and_scored_as_stated(setup, plain):
    tiny, d, texts, _ = setup
    L, F = tiny.config.n_layers, tiny.config.d_ff
    pg = eg.position_groups(d.ids, d.doc_starts, d.doc_sources, plain.train + plain.held, texts)
    run = ex.read_corpus(tiny.model, d, pg, plain.train, plain.held, lambda k: None, None)
    r = run.reading
    for s in range(2):
        lines = run.lines[s]
        for flat in range(L * F):
            top = strongest(plain.train, plain.m_train, flat, s, ex.TOP)
            # the tracker's strongest firings are the brute-force ones (equal values may swap places)
            np.testing.assert_allclose(r.top[s].values[:len(top), flat].numpy(), [ys[-1] for _, _, ys in top], rtol=1e-5)
            top = [(int(p), [int(c) for c in r.top[s].context_positions[i, :, flat]],
                    r.top[s].context_values[i, :, flat].double().tolist())
                   for i, p in enumerate(r.top[s].positions[:len(top), flat])]
            named = {int(g) for g in lines.groups[flat] if g >= 0}
            family = int(lines.family[flat])
            # every group a line names is the group of one of the neuron's strongest firings
            assert named <= {int(pg.at[family, p]) for p, _, _ in top}
            ctx = np.array([p for _, c, _ in top for p in c])
            ctx_y = np.array([y for _, _, ys in top for y in ys])
            ok = ctx >= 0
            sample = r.sample.positions
            sample_y = np.maximum(r.sample.m[:, flat].double().numpy() * (1 if s == 0 else -1), 0)

            def pred(pos):
                out = np.full(len(pos), lines.base[flat])
                for g, v in zip(lines.groups[flat], lines.values[flat]):
                    if g >= 0:
                        out[pg.at[family, pos] == g] = v
                return out

            w = np.concatenate([np.ones(ok.sum()), np.full(len(sample), ok.sum() / len(sample))])
            want = corr(np.concatenate([pred(ctx[ok]), pred(sample)]),
                        np.concatenate([ctx_y[ok], sample_y]), w) if named else 0.0
            assert lines.train_corr[flat] == pytest.approx(max(want, 0.0), abs=2e-3)


def test_duplicate_documents_are_dropped_before_the_split(setup):
    _, d, _, e = setup
    dup = ex.duplicate_documents(d)
    assert dup.sum() == 1 and dup[-1]  # the fixture's copy of document 3, not its original
    assert np.array_equal(e.duplicate, dup) and not (e.held_out & dup).any()
    train = ex.split_windows(d, ex.training_documents(d, e.held_out))
    last = slice(d.doc_starts[-1], d.n_tokens)
    assert not np.isin(np.arange(d.n_tokens)[last], np.concatenate(train)).any()


def test_every_kind_of_text_is_held_out_in_proportion(setup):
    _, d, _, _ = setup
    held = ex.split_documents(d)
    distinct = ~ex.duplicate_documents(d)
    for kind in np.unique(d.doc_sources):
        docs = (d.doc_sources == kind) & distinct
        assert held[docs].sum() == round(docs.sum() / ex.HOLD_OUT), d.sources[kind]
    shipped = build_dictionary.load_builtin(gguf_loader.load().source)
    whole = ex.split_documents(shipped)
    shares = [whole[shipped.doc_sources == k].mean() for k in range(len(shipped.sources))]
    assert all(0.15 < share < 0.25 for share in shares), dict(zip(shipped.sources, shares))


def test_only_groups_seen_often_enough_are_named_and_writes_are_whole_tokens(setup, plain):
    _, d, texts, e = setup
    train = np.concatenate(plain.train)
    for family in range(eg.N_FAMILIES):
        named = e.groups[e.family == family]
        named = named[named >= 0]
        counts = np.bincount(plain.at[family, train][plain.at[family, train] >= 0], minlength=named.max(initial=0) + 1)
        assert (counts[named] >= ex.ch.MIN_COUNT).all(), eg.FAMILY_NAMES[family]
    assert ((e.tokens == -1) | ((e.tokens >= 0) & (e.tokens < len(texts)))).all()
    assert ex.whole_tokens(texts)[e.writes].all()
    assert not ex.whole_tokens(["\ufffd", "<0x0A>", " ", "a\ufffd"]).any() and ex.whole_tokens([" word"]).all()


def named(e: ex.Explanations) -> list:
    """What every line names, as a reader would read it: a word, a pair of tokens, or the group's id."""
    out = []
    for s, layer, n in np.ndindex(*e.family.shape):
        family = int(e.family[s, layer, n])
        for g in e.groups[s, layer, n]:
            if g >= 0:
                out.append(str(e.names[g]) if family in eg.NAMED_BY_TABLE else
                           tuple(e.pairs[g]) if family == eg.PAIR else int(g))
    return out


def test_held_out_documents_never_shape_a_line(setup):
    tiny, d, texts, e = setup
    held = ex.split_documents(d)
    changed = dataclasses.replace(d, ids=d.ids.copy())
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    for doc in np.flatnonzero(held):  # scramble every held-out document
        span = slice(d.doc_starts[doc], ends[doc])
        changed.ids[span] = np.random.default_rng(int(doc)).permutation(changed.ids[span])
    again = ex.build(tiny.model, changed, texts, random_init=False)
    for name in ("family", "values", "base", "train_corr", "tokens"):
        np.testing.assert_array_equal(getattr(again, name), getattr(e, name), err_msg=name)
    assert named(again) == named(e)  # the same words (their ids in the names table may differ)
    assert not np.array_equal(again.corr, e.corr)  # the scores did see the change


def test_the_random_weight_baseline_runs_the_same_pipeline_on_a_model_of_the_same_shape(setup):
    tiny, d, _, e = setup
    fresh = ex.random_like(tiny.model)
    assert [(n, p.shape) for n, p in fresh.named_parameters()] == [(n, p.shape) for n, p in tiny.model.named_parameters()]
    w = dict(fresh.named_parameters())
    assert all(abs(float(p.detach().std()) - 0.02) < 0.005 for n, p in w.items() if p.ndim > 1)
    again = dict(ex.random_like(tiny.model).named_parameters())
    assert all(torch.equal(again[n], p) for n, p in w.items())  # seeded: the same baseline every build
    trained = dict(tiny.model.named_parameters())
    assert not any(torch.equal(trained[n], p) for n, p in w.items() if p.ndim > 1)
    assert e.random_init_corr.shape == e.corr.shape and e.random_init_covers_held_out.shape == e.covers.shape
    assert 0 < e.n_random_init[0] < e.n_train and 0 < e.n_random_init[1] < e.n_held_out
    assert not np.array_equal(e.random_init_family, e.family)


def test_examples_span_the_range_and_are_the_coefficients_there(setup):
    tiny, d, _, e = setup
    F = tiny.config.d_ff
    layer, neuron = 1, 5
    values = [v for band in range(len(ex.BAND_NAMES)) for v, _ in e.example(layer, neuron, band)]
    assert values == sorted(values, reverse=True) and len(values) == len(ex.BAND_NAMES) * ex.PER_BAND
    train = ex.split_windows(d, ex.training_documents(d, e.held_out))
    for value, position in e.example(layer, neuron, 0)[:2]:
        window = next(w for w in train if position in w)
        m = tiny.model.trace(torch.from_numpy(d.ids[window].astype(np.int64)), logits="none").coeffs
        assert m[layer, list(window).index(position), neuron].item() == pytest.approx(value, rel=2e-3, abs=2e-3)
        assert not e.held_out[d.document_of(position)]  # examples come from the training documents
    assert e.example_index.max() < len(e.sample_positions) and F == e.family.shape[2]


def test_a_file_round_trips_and_knows_its_dictionary(setup, tmp_path):
    tiny, d, _, e = setup
    e.save(tmp_path / "e.npz")
    back = ex.Explanations.load(tmp_path / "e.npz")
    assert back.explains(d) and np.array_equal(back.groups, e.groups) and np.array_equal(back.corr, e.corr)
    assert list(back.names) == list(e.names) and np.array_equal(back.pairs, e.pairs)
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
    for name in ("family", "groups", "train_corr", "corr", "corr_top_random", "covers_held_out"):
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
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    assert int(e.n_train) + int(e.n_held_out) == int((ends - d.doc_starts)[~e.duplicate].sum())
    for name in ("shuffled_corr", "shuffled_corr_top_random"):
        assert abs(float(np.median(getattr(e, name).astype(float)))) < 0.05, name


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
    assert job.done == job.total > d.n_tokens  # the training and held-out passes, then the random-weight model's
    np.testing.assert_array_equal(job.result.groups, e.groups)
    # saved where the next server process finds it
    assert build_explanations.load_builtin(tiny.source, d).explains(d)
    assert not list((tmp_path / "cache").glob("*.checkpoint"))
