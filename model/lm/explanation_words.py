"""Explanations (model/lm/explanations.py) as words a learner reads, the search of all neurons by
those words, and each layer's scores in figures.

Pure functions: an `Explanations`, the model's `Vocab` (every token's text, as `kv_memory.token_text`
shows it, and its kind) and plain values in; strings and arrays out.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
import numpy as np

from model.lm import explanations as ex
from model.lm import token_classes

OPENAI_GPT2_XL_SHARE_08 = 0.003
"""Bills et al. 2023 ("Language models can explain neurons in language models", OpenAI): of GPT-2
XL's 307,200 neurons, more than 1,000 had explanations scoring at least 0.8 (over 0.3%), by their
correlation score on top-activating and random excerpts."""

TRUST = ((0.8, "strong"), (0.5, "fair"), (0.3, "weak"), (-1.0, "poor"))


@dataclass(frozen=True)
class Vocab:
    """Every token's text as a reader sees it, and its kind (token_classes), in id order."""
    texts: list[str]
    kinds: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> "Vocab":
        return cls(texts, np.array(token_classes.kinds_of_vocabulary(texts), dtype=np.int64))


UNTELLING = {token_classes.NONE, token_classes.KINDS.index(next(k for k in token_classes.KINDS
                                                               if k.name.startswith("word pieces")))}
"""Kinds too broad to name what a neuron writes: "writes word pieces" says nothing."""


def quoted(text: str) -> str:
    """A token in a line of words: quoted, its leading space kept, line breaks and tabs shown."""
    return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'"


def trust(corr: float) -> str:
    """'strong' (≥ 0.8), 'fair' (≥ 0.5), 'weak' (≥ 0.3) or 'poor': how far the words predict the neuron."""
    return next(word for floor, word in TRUST if corr >= floor)


def distinct_ids(ids, vocab: Vocab, k: int) -> list[int]:
    """Up to k token ids, skipping -1 and repeats that differ only in case or a leading space."""
    out, seen = [], set()
    for i in ids:
        if i < 0:
            continue
        key = vocab.texts[int(i)].strip(" ").lower()
        if key not in seen:
            seen.add(key)
            out.append(int(i))
        if len(out) == k:
            break
    return out


def distinct_tokens(ids, vocab: Vocab, k: int) -> list[str]:
    """`distinct_ids`, quoted."""
    return [quoted(vocab.texts[i]) for i in distinct_ids(ids, vocab, k)]


def _groups(e: ex.Explanations, s: int, layer: int, neuron: int) -> list[int]:
    return [int(g) for g in e.groups[s, layer, neuron] if g >= 0]


def kind_examples(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> list[int]:
    """The example tokens a kind explanation shows: its 2 strongest distinct tokens of that kind."""
    return distinct_ids(e.tokens[s, layer, neuron], vocab, 2)


def verb(e: ex.Explanations, s: int, layer: int, neuron: int) -> str:
    """'fires' (m > 0) or 'fires negatively' (m < 0) where every group it names has a typical
    coefficient of that sign; otherwise what the groups really share: the coefficient is above (or
    below) the neuron's own average there, which may not be above (below) zero."""
    values = [float(v) for g, v in zip(e.groups[s, layer, neuron], e.values[s, layer, neuron]) if g >= 0]
    if s == 0:
        return "fires" if values and min(values) > 0 else "rises above its average"
    return "fires negatively" if values and max(values) < 0 else "drops below its average"


def or_list(items: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def fires(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What makes the neuron fire with sign SIGNS[s], e.g. "fires on ' Having', ' That'"."""
    family, groups = int(e.family[s, layer, neuron]), _groups(e, s, layer, neuron)
    how = verb(e, s, layer, neuron)
    examples = [quoted(vocab.texts[i]) for i in kind_examples(e, s, layer, neuron, vocab)]
    if not groups:
        return f"{how}: no token, kind or position we name explains it"
    if family == ex.TOKEN:
        return f"{how} on " + ", ".join(distinct_tokens(groups, vocab, ex.MAX_GROUPS))
    if family == ex.PREVIOUS_TOKEN:
        return f"{how} on the token after " + ", ".join(distinct_tokens(groups, vocab, ex.MAX_GROUPS))
    if family in (ex.KIND, ex.PREVIOUS_KIND):
        names = " or ".join(token_classes.KINDS[g].name for g in groups)
        where = "on " if family == ex.KIND else "on the token after "
        return f"{how} {where}{names}" + (f" ({', '.join(examples)})" if examples else "")
    if family == ex.POSITION:
        spans = [ex.bucket_label(g).split(" ", 1)[1] for g in sorted(groups)]
        many = len(spans) > 1 or not spans[0].isdigit()
        return f"{how} at position{'s' if many else ''} {or_list(spans)} of its input window"
    return f"{how} in text of the kind " + or_list([f"'{e.sources[g]}'" for g in groups])


def shown_writes(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> tuple[int, list[int]]:
    """What `writes` shows: (the kind at least 3 of its 5 written tokens share, or -1; the token ids
    shown, 2 of that kind or else the first 3 distinct)."""
    ids = [int(i) for i in e.writes[s, layer, neuron]]
    kinds = vocab.kinds[ids].tolist()
    common = max(set(kinds), key=kinds.count)
    if common not in UNTELLING and kinds.count(common) >= 3:
        return common, distinct_ids([i for i, k in zip(ids, kinds) if k == common], vocab, 2)
    return -1, distinct_ids(ids, vocab, 3)


def writes(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What its sub-update promotes with that sign: "writes ' said', ' says'", or the kind most of
    them share: "writes month names (' March', ' June')"."""
    kind, ids = shown_writes(e, s, layer, neuron, vocab)
    tokens = ", ".join(quoted(vocab.texts[i]) for i in ids)
    return f"writes {token_classes.KINDS[kind].name} ({tokens})" if kind >= 0 else f"writes {tokens}"


def line(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """One sign's explanation in one line, short enough for a table cell."""
    return f"{fires(e, s, layer, neuron, vocab)}; {writes(e, s, layer, neuron, vocab)}"


def group_name(e: ex.Explanations, family: int, group: int, vocab: Vocab) -> str:
    """One group of an explanation as the line names it: a quoted token, a kind, positions, a kind of text."""
    if family in (ex.TOKEN, ex.PREVIOUS_TOKEN):
        return quoted(vocab.texts[group])
    if family in (ex.KIND, ex.PREVIOUS_KIND):
        return token_classes.KINDS[group].name
    if family == ex.POSITION:
        return ex.bucket_label(group)
    return str(e.sources[group])


def simulator_values(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What the simulator predicts from the line: "' Having' +1.52, ' That' +1.10; elsewhere -0.03"."""
    family = int(e.family[s, layer, neuron])
    named = [f"{group_name(e, family, int(g), vocab)} {float(v):+.2f}"
             for g, v in zip(e.groups[s, layer, neuron], e.values[s, layer, neuron]) if g >= 0]
    after = "after " if family in (ex.PREVIOUS_TOKEN, ex.PREVIOUS_KIND) else ""
    return (f"{after}{', '.join(named)}; " if named else "") + f"elsewhere {float(e.base[s, layer, neuron]):+.2f}"


@dataclass(frozen=True)
class Scores:
    corr: float  # held-out correlation of this sign's simulation with the coefficient
    detection: float  # held-out balanced accuracy on this sign's extreme decile
    both: float  # held-out correlation of the simulation from both signs' explanations
    shuffled_corr: float  # the same neuron scored with another neuron's explanation
    shuffled_detection: float


def scores(e: ex.Explanations, s: int, layer: int, neuron: int) -> Scores:
    return Scores(float(e.corr[1 + s, layer, neuron]), float(e.detection[s, layer, neuron]),
                  float(e.corr[0, layer, neuron]), float(e.shuffled_corr[1 + s, layer, neuron]),
                  float(e.shuffled_detection[s, layer, neuron]))


def sign_index(m: float) -> int:
    """0 for a coefficient ≥ 0, 1 for a negative one: which explanation describes a firing."""
    return 0 if m >= 0 else 1


# ---------------------------------------------------------------- search by words

def kind_words(kind: int) -> str:
    return f"{token_classes.KINDS[kind].name} {' '.join(token_classes.KINDS[kind].keywords)}"


def _stem(word: str) -> str:
    """'months' -> 'month': a query word finds its plural and its singular alike."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


WORD = re.compile(r"[a-z0-9]+")


class WordIndex:
    """The words of every neuron's two lines (its tokens, the kinds it names with their search
    words, its kind of text or position, what it writes), as an index from a word to the
    (sign, layer, neuron) whose line holds it. Built from the arrays, a group at a time, not from
    92,160 strings."""

    def __init__(self, e: ex.Explanations, vocab: Vocab):
        self.e = e
        _, L, F = e.family.shape
        flat = np.arange(2 * L * F).reshape(2, L, F)
        postings: dict[str, list[np.ndarray]] = defaultdict(list)

        def add(neurons: np.ndarray, items: np.ndarray, words_of) -> None:
            order = np.argsort(items, kind="stable")
            items, neurons = items[order], neurons[order]
            values, starts = np.unique(items, return_index=True)
            for item, chunk in zip(values.tolist(), np.split(neurons, starts[1:])):
                for word in {_stem(w) for w in WORD.findall(words_of(item).lower())}:
                    postings[word].append(chunk)

        named = e.groups >= 0
        for families, words_of in (((ex.TOKEN, ex.PREVIOUS_TOKEN), lambda t: vocab.texts[t]),
                                   ((ex.KIND, ex.PREVIOUS_KIND), lambda k: kind_words(k)),
                                   ((ex.SOURCE,), lambda g: str(e.sources[g])),
                                   ((ex.POSITION,), lambda g: ex.bucket_label(g) + " start")):
            where = named & np.isin(e.family, families)[..., None]
            add(np.broadcast_to(flat[..., None], e.groups.shape)[where], e.groups[where], words_of)
        # the tokens the lines show as examples of a kind and as what a neuron writes, and the kinds they name
        shown, themes = [], []
        for s, layer, neuron in zip(*np.nonzero(np.ones(e.family.shape, dtype=bool))):
            f = flat[s, layer, neuron]
            if e.family[s, layer, neuron] in (ex.KIND, ex.PREVIOUS_KIND):
                shown += [(f, t) for t in kind_examples(e, s, layer, neuron, vocab)]
            kind, ids = shown_writes(e, s, layer, neuron, vocab)
            shown += [(f, t) for t in ids]
            if kind >= 0:
                themes.append((f, kind))
        pairs = np.array(shown, dtype=np.int64).reshape(-1, 2)
        add(pairs[:, 0], pairs[:, 1], lambda t: vocab.texts[t])
        pairs = np.array(themes, dtype=np.int64).reshape(-1, 2)
        add(pairs[:, 0], pairs[:, 1], kind_words)
        self.words = sorted(postings)
        self.postings = {w: np.unique(np.concatenate(p)) for w, p in postings.items()}

    def search(self, query: str, k: int = 20) -> list[tuple[int, int, int, float]]:
        """(sign, layer, neuron, held-out correlation) of the neurons whose words contain every word
        of `query` (as a word's start: 'month' finds 'months'), best scored first."""
        terms = [_stem(w) for w in WORD.findall(query.lower())]
        if not terms:
            return []
        found = None
        for term in terms:
            start = np.searchsorted(self.words, term)
            hits = []
            for w in self.words[start:]:
                if not w.startswith(term):
                    break
                hits.append(self.postings[w])
            matched = np.unique(np.concatenate(hits)) if hits else np.zeros(0, dtype=np.int64)
            found = matched if found is None else np.intersect1d(found, matched, assume_unique=True)
        _, L, F = self.e.family.shape
        s, rest = np.divmod(found, L * F)
        layer, neuron = np.divmod(rest, F)
        corr = self.e.corr[1 + s, layer, neuron].astype(np.float64)
        best = np.argsort(-corr, kind="stable")[:k]
        return [(int(s[i]), int(layer[i]), int(neuron[i]), float(corr[i])) for i in best]


# ---------------------------------------------------------------- per layer

@dataclass(frozen=True)
class LayerScores:
    median_corr: np.ndarray  # (L,) median held-out correlation (both signs' explanations)
    share_05: np.ndarray  # (L,) share of the layer's neurons scoring ≥ 0.5
    share_08: np.ndarray  # (L,) ≥ 0.8
    median_detection: np.ndarray  # (2, L) per sign
    shuffled_median_corr: np.ndarray  # (L,)
    shuffled_median_detection: np.ndarray  # (2, L)


def by_layer(e: ex.Explanations) -> LayerScores:
    both = e.corr[0].astype(np.float64)
    return LayerScores(np.median(both, axis=1), (both >= 0.5).mean(1), (both >= 0.8).mean(1),
                       np.median(e.detection.astype(np.float64), axis=2),
                       np.median(e.shuffled_corr[0].astype(np.float64), axis=1),
                       np.median(e.shuffled_detection.astype(np.float64), axis=2))


@dataclass(frozen=True)
class Summary:
    """What the pages and the benchmark say of all of a model's explanations (held-out scores; both
    signs' lines of a neuron together unless named): computed once, read on every rerun."""
    neurons: int
    per: LayerScores
    lower_quartile: np.ndarray  # (L,) the middle half of each layer's correlations
    upper_quartile: np.ndarray
    median: float
    share_05: float
    share_08_one_line: float  # the m > 0 line alone
    at_08: int
    at_08_in_layer_0: int
    shuffled_median: float
    shuffled_detection: float

    @property
    def share_08(self) -> float:
        return self.at_08 / self.neurons


def summary(e: ex.Explanations) -> Summary:
    both = e.corr[0].astype(np.float64)
    top = both >= 0.8
    return Summary(both.size, by_layer(e), np.quantile(both, 0.25, axis=1), np.quantile(both, 0.75, axis=1),
                   float(np.median(both)), float((both >= 0.5).mean()),
                   float((e.corr[1].astype(np.float64) >= 0.8).mean()), int(top.sum()), int(top[0].sum()),
                   float(np.median(e.shuffled_corr[0].astype(np.float64))),
                   float(np.median(e.shuffled_detection.astype(np.float64))))
