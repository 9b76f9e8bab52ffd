"""Word groups read from the real WordNet files (Debian's wordnet-base) and, at the end, the real
corpus as the bundled SmolLM2 tokenizer cut it."""
from __future__ import annotations

import time

import numpy as np
import pytest

from model.lm import word_groups as wg


def groups_of(docs: list[list[str]]):
    """Word groups of documents given as token texts, each distinct text one token id."""
    vocab = list(dict.fromkeys(t for doc in docs for t in doc))
    ids = np.array([vocab.index(t) for doc in docs for t in doc], dtype=np.int64)
    starts = np.cumsum([0] + [len(d) for d in docs[:-1]])
    return wg.word_groups(ids, starts, vocab), ids, starts


def name(g, kind: str, position: int) -> str | None:
    i = int(getattr(g, kind)[position])
    return g.names[i] if i >= 0 else None


def test_words_are_rebuilt_from_their_pieces_and_stop_at_documents():
    docs = [["G", "iving", " Ham", "let", "'s", " play", ",", " 12", " well", "-", "known", " don", "'t", "\n", "Ham"],
            ["let", " it", " be", "."]]
    g, ids, starts = groups_of(docs)
    words = [name(g, "word", p) for p in range(len(ids))]
    assert words == ["giving", "giving", "hamlet's", "hamlet's", "hamlet's", "play", None, None,
                     "well-known", "well-known", "well-known", "don't", "don't", None, "ham",
                     "let", "it", "be", None]
    # the same word is one id wherever it is
    assert g.word[14] != g.word[15] and g.word[0] == g.word[1]
    assert name(g, "lemma", 2) == "hamlet"  # the possessive is not part of the base form


def test_forms_of_a_word_share_its_lemma():
    g, ids, _ = groups_of([[" gave", " gives", " given", " giving", " give", " regions", " was", " does"]])
    assert len({int(x) for x in g.lemma[:5]}) == 1 and name(g, "lemma", 0) == "give"
    assert len({int(x) for x in g.word[:5]}) == 5  # while each stays its own word
    assert [name(g, "lemma", p) for p in (5, 6, 7)] == ["region", "be", "do"]
    # an inflected form keeps the part of speech its ending shows: the verb give, not the noun
    assert g.synset[0] == g.synset[4] >= 0


def test_synsets_and_categories_of_nouns():
    g, ids, _ = groups_of([[" region", " province", " area", " zorblax"]])
    assert (g.synset[:3] >= 0).all()
    assert name(g, "synset", 0) == "region, part"
    assert name(g, "category", 0) == "location"  # region -> location: one up, as two would be 'object'
    assert name(g, "category", 2) == "location"  # area, country -> location too
    assert g.category[1] >= 0
    # a word WordNet does not know is its own lemma and has no synset
    assert name(g, "lemma", 3) == "zorblax" and g.synset[3] == -1 and g.category[3] == -1


def test_function_words_have_no_synset():
    words = [" a", " I", " in", " the", " it", " us", " as", " was", " x", " can"]
    g, ids, _ = groups_of([words])
    assert (g.word >= 0).all() and (g.lemma >= 0).all()
    assert (g.synset == -1).all() and (g.category == -1).all()
    # WordNet alone would give them these odd meanings
    assert wg.synset_name(("noun", wg._index("noun")["in"][0])).startswith("inch")
    assert name(g, "lemma", 5) == "us"  # not 'u' (uranium) by the plural rule


def test_names_are_names():
    # 'James' and 'John' capitalised inside a sentence are names; 'jams' in lower case is jam
    g, ids, _ = groups_of([[" with", " James", " and", " John", " we", " ate", " jams", ".", " James", " left"]])
    assert name(g, "lemma", 1) == "james" and name(g, "synset", 1).startswith("James")
    assert name(g, "synset", 3).startswith("John")  # a person, not WordNet's first sense: the toilet
    assert name(g, "lemma", 6) == "jam"
    assert wg.synset_name(("noun", wg._index("noun")["john"][0])).startswith("toilet")


def test_pairs_are_per_document():
    docs = [[" the", " cat", " the", " cat", "."], [" cat", " the", " cat"]]
    g, ids, starts = groups_of(docs)
    assert g.pair[0] == -1 and g.pair[5] == -1  # each document's first token
    for p in range(len(ids)):
        if p not in starts:
            assert tuple(g.pairs[g.pair[p]]) == (ids[p - 1], ids[p])
    assert g.pair[1] == g.pair[3] == g.pair[7]  # ' the cat' in both documents
    assert len(g.pairs) == len(np.unique(g.pair[g.pair >= 0])) == 3  # the cat, cat the, cat .
    assert g.pairs.dtype == np.int32 and g.pairs.shape[1] == 2


def test_ids_index_one_names_table_in_disjoint_ranges():
    g, _, _ = groups_of([[" The", " dogs", " gave", " regions", " of", " Paris", " away", "."]])
    ranges = []
    for kind in ("word", "lemma", "synset", "category"):
        a = getattr(g, kind)
        assert a.dtype == np.int64 and ((a == -1) | ((a >= 0) & (a < len(g.names)))).all()
        ranges.append(set(a[a >= 0].tolist()))
    assert all(not (ranges[i] & ranges[j]) for i in range(4) for j in range(i + 1, 4))
    assert name(g, "category", 5) == "capital"  # Paris, an instance of national capital -> capital


def test_empty_corpus():
    g = wg.word_groups(np.array([], dtype=np.int64), np.array([0]), ["a"])
    assert len(g.word) == len(g.pair) == 0 and g.pairs.shape == (0, 2) and g.names == []


@pytest.fixture(scope="module")
def smollm_corpus():
    """The shipped dictionary's corpus (model/lm/corpus.py's reading corpus, as SmolLM2 tokenised it)
    and the text of every token, from the tokenizer alone (the weights are not read)."""
    from model.lm import build_dictionary, gguf_loader
    from model.lm.kv_memory import token_text
    from model.lm.neuron_dictionary import NeuronDictionary
    from model.lm.tokenizer import tokenizer_from

    path = gguf_loader.find_gguf()
    _, meta, family, cfg = gguf_loader._open(path, check_size=False)
    tokenizer = tokenizer_from(meta, family)
    d = NeuronDictionary.load(build_dictionary.shipped_path(path))
    return d.ids, d.doc_starts, [token_text(tokenizer, i) for i in range(cfg.vocab_size)]


def test_the_real_corpus(smollm_corpus):
    ids, starts, texts = smollm_corpus
    start = time.perf_counter()
    g = wg.word_groups(ids, starts, texts)
    seconds = time.perf_counter() - start
    assert seconds < 15, f"{seconds:.1f} s for {len(ids):,} tokens"
    letters = np.array([any(c.isalpha() for c in t) for t in texts])[ids]
    assert (g.word[letters] >= 0).mean() > 0.99
    assert (g.synset[letters] >= 0).mean() > 0.4  # the rest: function words, names, code
    assert ((g.category >= 0) <= (g.synset >= 0)).all() and ((g.synset >= 0) <= (g.lemma >= 0)).all()
    # every piece's letters are in its word, and a word's pieces are consecutive in one document
    rng = np.random.default_rng(0)
    for p in rng.choice(np.flatnonzero(g.word >= 0), 2000, replace=False):
        piece = "".join(c for c in texts[ids[p]].lower() if c.isalpha())
        assert piece in g.names[g.word[p]]
    occurrence, _, _ = wg.word_spans(ids, starts, texts)
    doc = np.searchsorted(starts, np.arange(len(ids)), side="right")
    same = (occurrence[1:] == occurrence[:-1]) & (occurrence[1:] >= 0)
    assert same.sum() > 10_000 and (doc[1:][same] == doc[:-1][same]).all()
    assert (g.pair >= 0).sum() == len(ids) - len(starts)
