"""What reads explanations: the words of a line, its coverage, its scores, the search by words, the
figures by layer and overall, the benchmark's targets and the dictionary page, on a small synthetic
`Explanations` (testkit.synthetic_explanations) so that none of it needs the build."""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench import explanations as bench
from model.lm import explanation_words as ew
from model.lm import explanations as ex
from model.lm import token_classes as tc
from testkit.synthetic_explanations import synthetic

TEXTS = [" New", " York", "G", "iving", " the", " March", " June", "42", "\n", " said"] + [f" w{i}" for i in range(40)]


@pytest.fixture()
def e() -> ex.Explanations:
    return synthetic(L=2, F=6, vocab_size=len(TEXTS))


@pytest.fixture(scope="module")
def vocab() -> ew.Vocab:
    return ew.Vocab.of(TEXTS)


def set_line(e: ex.Explanations, s: int, family: int, groups: list[int], shares: list[float], at=(0, 0)) -> None:
    """Line s of neuron `at` names `groups` of `family`, each typically `shares` of the peak."""
    layer, neuron = at
    e.family[s, layer, neuron] = family
    e.groups[s, layer, neuron] = groups + [-1] * (ex.MAX_GROUPS - len(groups))
    e.values[s, layer, neuron] = [v * e.peak[s, layer, neuron] for v in shares] + [0.0] * (ex.MAX_GROUPS - len(shares))
    e.base[s, layer, neuron] = 0.01 * e.peak[s, layer, neuron]


def test_each_family_reads_as_a_person_would_say_it(e, vocab):
    cases = [
        (ex.WORD, [0], "on the word 'giving'"),
        (ex.WORD, [0, 1], "on the words 'giving' or 'gave'"),
        (ex.LEMMA, [2], "on forms of 'give'"),
        (ex.SYNSET, [3], "on words for 'region, area, part'"),
        (ex.CATEGORY, [4], "on words for a kind of 'location'"),
        (ex.PAIR, [0], "on ' New' then ' York'"),
        (ex.PAIR, [0, 1], "on ' New' then ' York' or 'G' then 'iving'"),
        (ex.TOKEN, [9, 4], "on ' said', ' the'"),
        (ex.PREVIOUS_TOKEN, [4], "on the token after ' the'"),
        (ex.POSITION, [0, 1], "at positions 0 or 1 of its input window (where, not what)"),
        (ex.SOURCE, [1], "in text of the kind 'dialogue' (where, not what)"),
    ]
    for family, groups, words in cases:
        set_line(e, 0, family, groups, [0.45] * len(groups))
        assert ew.fires(e, 0, 0, 0, vocab) == f"fires (typically 45% of its peak) {words}"
        assert ew.flagged(e, 0, 0, 0) == (family in ex.FLAGGED)
        assert len(ew.line(e, 0, 0, 0, vocab)) < 160  # a table cell
    set_line(e, 0, ex.KIND, [tc.kind_of(" March")], [0.3])
    e.tokens[0, 0, 0] = [5, 6, -1]
    assert ew.fires(e, 0, 0, 0, vocab) == "fires (typically 30% of its peak) on month names (' March', ' June')"
    set_line(e, 1, ex.PAIR, [1], [0.5])
    assert ew.fires(e, 1, 0, 0, vocab) == "fires negatively (typically 50% of its peak) on 'G' then 'iving'"
    assert ew.simulator_values(e, 1, 0, 0, vocab).startswith(f"'G' then 'iving' {float(e.values[1, 0, 0, 0]):+.2f}")
    set_line(e, 1, ex.LEMMA, [], [])
    assert ew.fires(e, 1, 0, 0, vocab) == "nothing we name is common to its strongest firings"


def test_it_says_fires_only_where_a_group_reaches_a_tenth_of_the_peak(e, vocab):
    set_line(e, 0, ex.WORD, [0, 1], [0.12, 0.45])
    assert ew.verb(e, 0, 0, 0) == "fires (typically 12–45% of its peak)"
    set_line(e, 0, ex.WORD, [0], [0.09])  # above the neuron's usual value, below a tenth of its peak
    assert ew.verb(e, 0, 0, 0) == "is slightly raised (typically 9% of its peak)"
    set_line(e, 1, ex.WORD, [0], [0.05])
    assert ew.verb(e, 1, 0, 0) == "is slightly lowered (typically 5% of its peak)"
    e.base[0, 0, 0] = 0.001 * e.peak[0, 0, 0]
    e.values[0, 0, 0, 0] = 0.004 * e.peak[0, 0, 0]
    assert ew.verb(e, 0, 0, 0) == "is slightly raised (typically under 1% of its peak)"
    set_line(e, 0, ex.WORD, [0], [0.005])  # below the value elsewhere (1% of the peak)
    assert ew.verb(e, 0, 0, 0) == "is no higher than elsewhere"
    set_line(e, 0, ex.WORD, [0], [0.5])
    e.peak[0, 0, 0] = -1.0  # a "peak" of the wrong sign: no share can be stated
    assert not ew.verb(e, 0, 0, 0).startswith("fires")


def test_the_coverage_sentence_counts_the_arrays(e):
    e.covers[0, 0, 0] = [True] * 6 + [False] * 2
    e.covers_held_out[0, 0, 0] = [True] * 5 + [False] * 3
    e.held_out_positions[0, 0, 0] = np.arange(8)
    c = ew.coverage(e, 0, 0, 0)
    assert ew.coverage_words(c) == "names 6 of its 8 strongest firings (5 of 8 on held-out text)"
    e.held_out_positions[0, 0, 0, 6:] = -1  # only 6 held-out firings of this sign
    assert ew.coverage_words(ew.coverage(e, 0, 0, 0)).endswith("(5 of 6 on held-out text)")
    e.held_out_positions[0, 0, 0] = -1
    e.covers_held_out[0, 0, 0] = False
    assert ew.coverage_words(ew.coverage(e, 0, 0, 0)).endswith("(it never fires this way on held-out text)")


def test_a_lines_scores_are_its_own_sign_beside_the_three_baselines(e):
    for s, layer, neuron in [(0, 0, 1), (1, 1, 4)]:
        sc = ew.scores(e, s, layer, neuron)
        assert sc.corr == float(e.corr[s, layer, neuron])
        assert sc.top_random == float(e.corr_top_random[s, layer, neuron])
        assert sc.shuffled_top_random == float(e.shuffled_corr_top_random[s, layer, neuron])
        assert sc.lookup == float(e.lookup_corr[s, layer, neuron])
        assert sc.random_init_top_random == pytest.approx(np.median(e.random_init_corr_top_random[s, layer].astype(float)))
        assert sc.both == float(e.corr_both[layer, neuron])


def test_search_finds_every_named_word_and_filters_by_held_out_coverage(e, vocab):
    index = ew.WordIndex(e, vocab)
    named = e.covers_held_out.sum(-1)
    for s, layer, n in zip(*np.nonzero(e.family >= 0)):
        family = int(e.family[s, layer, n])
        for g in (int(g) for g in e.groups[s, layer, n] if g >= 0):
            if family in ex.eg.NAMED_BY_TABLE:
                text = str(e.names[g])
            elif family == ex.PAIR:
                text = " ".join(TEXTS[t] for t in e.pairs[g])
            elif family in (ex.TOKEN, ex.PREVIOUS_TOKEN):
                text = TEXTS[g]
            else:
                continue
            for word in ew.WORD.findall(text.lower()):
                hits = index.search(word, k=10_000)
                assert (s, layer, n) in {h[:3] for h in hits}, (word, ew.line(e, s, layer, n, vocab))
                # the filter keeps exactly the lines naming enough held-out firings, in the same order
                for least in (1, 4):
                    kept = index.search(word, k=10_000, min_named=least)
                    assert kept == [h for h in hits if named[h[0], h[1], h[2]] >= least]
                scores = [h[3] for h in hits]
                assert scores == sorted(scores, reverse=True)
                assert all(h[3] == float(e.corr_top_random[h[:3]]) for h in hits)
    assert index.search("zzzqqq") == [] and index.search("  ") == []
    assert index.search("york", min_named=ex.SHOWN + 1) == []


def test_by_layer_and_the_summary_match_plain_loops(e):
    for least in (0, 4):
        per = ew.by_layer(e, least)
        for layer in range(2):
            lines = [(s, n) for s in range(2) for n in range(6)
                     if e.covers_held_out[s, layer, n].sum() >= least]
            if not lines:
                assert np.isnan(per.median_top_random[layer])
                continue
            tr = [float(e.corr_top_random[s, layer, n]) for s, n in lines]
            assert per.median_top_random[layer] == pytest.approx(np.median(tr))
            assert per.lookup_top_random[layer] == pytest.approx(np.median([float(e.lookup_corr_top_random[s, layer, n])
                                                                            for s, n in lines]))
            fired = [(s, n) for s, n in lines if (e.held_out_positions[s, layer, n] >= 0).any()]
            shares = [e.covers_held_out[s, layer, n].sum() / (e.held_out_positions[s, layer, n] >= 0).sum()
                      for s, n in fired]
            assert per.held_out_coverage[layer] == pytest.approx(np.median(shares))
            assert per.none_held_out[layer] == pytest.approx(np.mean([share == 0 for share in shares]))
            assert per.kept[layer] == pytest.approx(len(lines) / 12)
    e.covers_held_out[0, 1] = False  # layer 1's m > 0 lines name none of their held-out firings
    s = ew.summary(e)
    assert s.neurons == 12 and s.lines == 24
    assert s.per.none_held_out[1] >= 0.5 and 1 in ew.hard_layers(s.per)
    assert s.median_top_random == pytest.approx(np.median(e.corr_top_random.astype(float)))
    assert s.random_init_top_random == pytest.approx(np.median(e.random_init_corr_top_random.astype(float)))
    assert s.families.sum() == pytest.approx(1.0) and s.flagged == pytest.approx(np.isin(e.family, ex.FLAGGED).mean())


def test_the_benchmark_prints_each_target_with_its_measured_value_and_no_pass_mark_against_openai(e):
    s = ew.summary(e)
    lines = [str(t) for t in bench.targets(s, card_p95_ms=12.5, size_mb=21.0)]
    text = "\n".join(lines)
    assert f"{s.held_out_coverage:.0%} (target ≥ 50%)" in text and f"{s.none_held_out:.1%} (target ≤ 15%)" in text
    assert "12.50 ms (target ≤ 50 ms)   ok" in text and "21.0 MB (target ≤ 20 MB)   MISSED" in text
    assert "OpenAI" not in text and "0.3%" not in text
    assert len(bench.layer_rows(s.per)) == 1 + 2


# ---------------------------------------------------------------- the page, on a synthetic file

@pytest.fixture()
def synthetic_file(tmp_path, monkeypatch):
    """A synthetic file of the bundled model's shape over its dictionary, where a server keeps the
    explanations it built (the shipped file may be of an older format while this is tested)."""
    from model.lm import build_dictionary, build_explanations, gguf_loader

    lm = gguf_loader.load()
    d = build_dictionary.load_builtin(lm.source)
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path))
    e = synthetic(lm.config.n_layers, lm.config.d_ff, lm.config.vocab_size, d.n_tokens, len(d.doc_starts),
                  tuple(d.sources), fingerprint=d.fingerprint)
    shipped = build_explanations.load_builtin(lm.source, d)
    if shipped is not None and shipped.dictionary == e.dictionary and build_explanations.shipped_path(lm.source).is_file():
        e = shipped  # the real file, once it ships in this format
    else:
        e.save(build_explanations.rebuilt_path(lm.source))
    return lm, e


def test_the_card_search_and_trust_section_read_the_file(synthetic_file):
    from components.shared import glossary as gloss
    from model.lm.kv_memory import token_text
    from testkit.apptest import plotly_figures, run_page, tables
    from components.lm.answers import dict_explained_share

    lm, e = synthetic_file
    vocab = ew.Vocab.of([token_text(lm.tokenizer, i) for i in range(lm.config.vocab_size)])
    at = run_page("neurons", timeout=180, layer="1", neuron="2", words="give", named="3", reveal="all")
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    for s in range(2):
        assert gloss.md_escape(ew.line(e, s, 1, 2, vocab)) in shown
        assert ew.coverage_words(ew.coverage(e, s, 1, 2)) in shown
        sc = ew.scores(e, s, 1, 2)
        assert f"**{sc.top_random:+.2f}** over its top and random excerpts" in shown
        assert f"{sc.random_init_top_random:+.2f} / {sc.random_init:+.2f}" in shown
    # the search keeps only lines naming at least 3 of their held-out firings, best first
    search = next(t for t in tables(at) if "sign" in t and "explanation" in t)
    assert search["explanation"] and all(int(c.split(" of ")[0]) >= 3 for c in search["names, held out"])
    assert all("give" in line.lower() for line in search["explanation"])
    scores = [float(v) for v in search["held-out r (top + random)"]]
    assert scores == sorted(scores, reverse=True)
    summary = ew.summary(e)
    assert f"**{summary.none_held_out:.0%}** of lines name none of them" in shown
    titles = json.dumps(plotly_figures(at))
    assert "held-out correlation with its own sign, by layer" in titles and "8 strongest firings a line names" in titles
    assert "**Beside OpenAI's.**" in shown and "The comparison is loose" in shown
    truth = dict_explained_share()
    assert truth.answer == round(100 * summary.none_held_out, 1) and truth.values["lines"] == f"{summary.lines:,}"
