"""Explanations (model/lm/explanations.py) as words a learner reads, the search of all neurons by
those words, and the scores by layer and overall.

Pure functions: an `Explanations`, the model's `Vocab` (every token's text, as `kv_memory.token_text`
shows it, and its kind) and plain values in; strings and arrays out.

A line says "fires" only where a group it names typically reaches FIRES of the neuron's peak of that
sign (the share is stated); weaker lines get a weaker verb. Its coverage says how many of the
neuron's 8 strongest firings it names: on the card (where its candidates came from, so partly by
construction) and on held-out text (which it never saw).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from model.lm import explain_groups as eg
from model.lm import explanations as ex
from model.lm import token_classes

FIRES = 0.1  # a named group's typical value must reach this share of the neuron's peak for "fires"
FLAG = "(where, not what)"  # after a line that names a position or a kind of text, not the token
TRUST = ((0.8, "strong"), (0.5, "fair"), (0.3, "weak"), (-1.0, "poor"))

OPENAI_COMPARISON = (
    "OpenAI scored GPT-2 XL's neurons the same way, by correlation over top-activating plus random excerpts "
    "(Bills et al. 2023), and found more than 1,000 of 307,200 at 0.8 or more. The comparison is loose: their "
    "explanations were written by GPT-4 and read by a language-model simulator on 64-token excerpts, one per "
    "neuron, its activations clipped at 0; ours are rule-based lines with fitted "
    "typical values, scored on 8-token excerpts, one for each sign of a SwiGLU coefficient.")


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


def _named(e: ex.Explanations, s: int, layer: int, neuron: int) -> list[tuple[int, float]]:
    """(group, typical m) of each group the line names, in its order."""
    return [(int(g), float(v)) for g, v in zip(e.groups[s, layer, neuron], e.values[s, layer, neuron]) if g >= 0]


def kind_examples(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> list[int]:
    """The example tokens a kind explanation shows: its 2 strongest distinct tokens of that kind."""
    return distinct_ids(e.tokens[s, layer, neuron], vocab, 2)


def shares_of_peak(e: ex.Explanations, s: int, layer: int, neuron: int) -> list[float]:
    """Each named group's typical m as a share of the neuron's peak of that sign (0 where the peak
    is not of that sign)."""
    peak = float(e.peak[s, layer, neuron]) * ex.SIGNS[s]
    return [v * ex.SIGNS[s] / peak if peak > 0 else 0.0 for _, v in _named(e, s, layer, neuron)]


def percent_range(shares: list[float]) -> str:
    """[0.45] -> '45%'; [0.2, 0.45] -> '20–45%'; [0.003] -> 'under 1%'."""
    lo, hi = round(100 * min(shares)), round(100 * max(shares))
    if hi < 1:
        return "under 1%"
    return f"{hi}%" if lo == hi else f"{lo}–{hi}%"


def verb(e: ex.Explanations, s: int, layer: int, neuron: int) -> str:
    """'fires (typically 45% of its peak)' where a named group typically reaches FIRES of the peak of
    that sign; 'is slightly raised (typically 4% of its peak)' where its groups are above the
    neuron's usual value but below that; 'is no higher than elsewhere' where they are not even that
    (negatively, for m < 0)."""
    shares = shares_of_peak(e, s, layer, neuron)
    typical = f"(typically {percent_range(shares)} of its peak)" if shares else ""
    if shares and max(shares) >= FIRES:
        return f"fires {typical}" if s == 0 else f"fires negatively {typical}"
    base = float(e.base[s, layer, neuron]) * ex.SIGNS[s]
    if any(v * ex.SIGNS[s] > base for _, v in _named(e, s, layer, neuron)):
        return f"is slightly raised {typical}" if s == 0 else f"is slightly lowered {typical}"
    return "is no higher than elsewhere" if s == 0 else "is no lower than elsewhere"


def or_list(items: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def pair_text(e: ex.Explanations, group: int, vocab: Vocab) -> str:
    """A (previous token, token) pair: "' New' then ' York'"."""
    before, token = (int(i) for i in e.pairs[group])
    return f"{quoted(vocab.texts[before])} then {quoted(vocab.texts[token])}"


def flagged(e: ex.Explanations, s: int, layer: int, neuron: int) -> bool:
    """Whether the line names where a token is (a position, a kind of text), not what it is."""
    return int(e.family[s, layer, neuron]) in ex.FLAGGED


def what(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What the line names, after its verb: "on ' omelet', ' Hamlet'", "on forms of 'give'"."""
    family = int(e.family[s, layer, neuron])
    groups = [g for g, _ in _named(e, s, layer, neuron)]
    names = [quoted(str(e.names[g])) for g in groups] if family in eg.NAMED_BY_TABLE else []
    if family == ex.TOKEN:
        return "on " + ", ".join(distinct_tokens(groups, vocab, ex.MAX_GROUPS))
    if family == ex.PREVIOUS_TOKEN:
        return "on the token after " + ", ".join(distinct_tokens(groups, vocab, ex.MAX_GROUPS))
    if family in (ex.KIND, ex.PREVIOUS_KIND):
        examples = [quoted(vocab.texts[i]) for i in kind_examples(e, s, layer, neuron, vocab)]
        where = "on " if family == ex.KIND else "on the token after "
        return (where + " or ".join(token_classes.KINDS[g].name for g in groups)
                + (f" ({', '.join(examples)})" if examples else ""))
    if family == ex.POSITION:
        spans = [ex.bucket_label(g).split(" ", 1)[1] for g in sorted(groups)]
        many = len(spans) > 1 or not spans[0].isdigit()
        return f"at position{'s' if many else ''} {or_list(spans)} of its input window {FLAG}"
    if family == ex.SOURCE:
        return "in text of the kind " + or_list([f"'{e.sources[g]}'" for g in groups]) + f" {FLAG}"
    if family == ex.WORD:
        return ("on the word " if len(names) == 1 else "on the words ") + or_list(names)
    if family == ex.LEMMA:
        return "on forms of " + or_list(names)
    if family == ex.SYNSET:
        return "on words for " + or_list(names)
    if family == ex.CATEGORY:
        return "on words for a kind of " + or_list(names)
    return "on " + or_list([pair_text(e, g, vocab) for g in groups])  # PAIR


def fires(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What the neuron does when it fires with sign SIGNS[s], e.g. "fires (typically 45% of its peak)
    on ' Having', ' That'"."""
    if not _named(e, s, layer, neuron):
        return "nothing we name is common to its strongest firings"
    return f"{verb(e, s, layer, neuron)} {what(e, s, layer, neuron, vocab)}"


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
    """What its sub-update promotes with that sign (whole tokens only: the build skips byte pieces):
    "writes ' said', ' says'", or the kind most of them share: "writes month names (' March', ' June')"."""
    kind, ids = shown_writes(e, s, layer, neuron, vocab)
    tokens = ", ".join(quoted(vocab.texts[i]) for i in ids)
    return f"writes {token_classes.KINDS[kind].name} ({tokens})" if kind >= 0 else f"writes {tokens}"


def line(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """One sign's explanation in one line, short enough for a table cell."""
    return f"{fires(e, s, layer, neuron, vocab)}; {writes(e, s, layer, neuron, vocab)}"


# ---------------------------------------------------------------- coverage

@dataclass(frozen=True)
class Coverage:
    """How many of a neuron's strongest firings of one sign its line names."""
    card: int  # of the card's SHOWN strongest firings
    held_out: int  # of the strongest held-out firings
    held_out_firings: int  # how many held-out firings of that sign there were (up to SHOWN)


def coverage(e: ex.Explanations, s: int, layer: int, neuron: int) -> Coverage:
    return Coverage(int(e.covers[s, layer, neuron].sum()), int(e.covers_held_out[s, layer, neuron].sum()),
                    int((e.held_out_positions[s, layer, neuron] >= 0).sum()))


def coverage_words(c: Coverage) -> str:
    """'names 6 of its 8 strongest firings (5 of 8 on held-out text)'."""
    held = (f"{c.held_out} of {c.held_out_firings} on held-out text" if c.held_out_firings
            else "it never fires this way on held-out text")
    return f"names {c.card} of its {ex.SHOWN} strongest firings ({held})"


# ---------------------------------------------------------------- one line's scores

def group_name(e: ex.Explanations, family: int, group: int, vocab: Vocab) -> str:
    """One group of an explanation as the line names it: a quoted token, word or meaning, a kind, a
    pair, positions, a kind of text."""
    if family in (ex.TOKEN, ex.PREVIOUS_TOKEN):
        return quoted(vocab.texts[group])
    if family in (ex.KIND, ex.PREVIOUS_KIND):
        return token_classes.KINDS[group].name
    if family == ex.POSITION:
        return ex.bucket_label(group)
    if family == ex.SOURCE:
        return str(e.sources[group])
    if family == ex.PAIR:
        return pair_text(e, group, vocab)
    return quoted(str(e.names[group]))


def simulator_values(e: ex.Explanations, s: int, layer: int, neuron: int, vocab: Vocab) -> str:
    """What the simulator predicts from the line: "' Having' +1.52, ' That' +1.10; elsewhere -0.03"."""
    family = int(e.family[s, layer, neuron])
    named = [f"{group_name(e, family, g, vocab)} {v:+.2f}" for g, v in _named(e, s, layer, neuron)]
    after = "after " if family in (ex.PREVIOUS_TOKEN, ex.PREVIOUS_KIND) else ""
    return (f"{after}{', '.join(named)}; " if named else "") + f"elsewhere {float(e.base[s, layer, neuron]):+.2f}"


@dataclass(frozen=True)
class Scores:
    """One line's held-out correlations with its own sign's part of m, over all held-out tokens and
    over top plus random held-out excerpts, beside the baselines for the same neuron and sign."""
    corr: float
    top_random: float
    shuffled: float  # the neuron scored with another neuron's line of its layer
    shuffled_top_random: float
    lookup: float  # the full token look-up table: the token-only ceiling, not a short line
    lookup_top_random: float
    random_init: float  # the median line of this layer of a randomly initialised model, same sign
    random_init_top_random: float
    both: float  # both lines together against m, all held-out tokens


def scores(e: ex.Explanations, s: int, layer: int, neuron: int) -> Scores:
    at = (s, layer, neuron)
    return Scores(float(e.corr[at]), float(e.corr_top_random[at]), float(e.shuffled_corr[at]),
                  float(e.shuffled_corr_top_random[at]), float(e.lookup_corr[at]), float(e.lookup_corr_top_random[at]),
                  float(np.median(e.random_init_corr[s, layer].astype(np.float64))),
                  float(np.median(e.random_init_corr_top_random[s, layer].astype(np.float64))),
                  float(e.corr_both[layer, neuron]))


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


def named_held_out(e: ex.Explanations) -> np.ndarray:
    """(2, L, F) how many of its strongest held-out firings each line names."""
    return e.covers_held_out.sum(-1)


class WordIndex:
    """The words of every neuron's two lines (its tokens, whole words, forms, meanings and pairs, the
    kinds it names with their search words, its kind of text or position, what it writes), as an
    index from a word to the (sign, layer, neuron) whose line holds it. Built from the arrays, a
    group at a time, not from every line's string."""

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
                                   ((ex.KIND, ex.PREVIOUS_KIND), kind_words),
                                   ((ex.SOURCE,), lambda g: str(e.sources[g])),
                                   ((ex.POSITION,), lambda g: ex.bucket_label(g) + " start"),
                                   (eg.NAMED_BY_TABLE, lambda g: str(e.names[g])),
                                   ((ex.PAIR,), lambda g: " ".join(vocab.texts[int(t)] for t in e.pairs[g]))):
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
        self.named = named_held_out(e).reshape(-1)

    def search(self, query: str, k: int = 20, min_named: int = 0) -> list[tuple[int, int, int, float]]:
        """(sign, layer, neuron, held-out top-plus-random correlation) of the lines whose words contain
        every word of `query` (as a word's start: 'month' finds 'months') and that name at least
        `min_named` of their 8 strongest held-out firings, best scored first."""
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
        found = found[self.named[found] >= min_named]
        _, L, F = self.e.family.shape
        s, rest = np.divmod(found, L * F)
        layer, neuron = np.divmod(rest, F)
        corr = self.e.corr_top_random[s, layer, neuron].astype(np.float64)
        best = np.argsort(-corr, kind="stable")[:k]
        return [(int(s[i]), int(layer[i]), int(neuron[i]), float(corr[i])) for i in best]


# ---------------------------------------------------------------- by layer and overall

def _median(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(L,) the median over each layer's kept lines (values, keep: (2, L, F)); NaN where none is kept."""
    out = np.full(values.shape[1], np.nan)
    for layer in range(values.shape[1]):
        kept = values[:, layer][keep[:, layer]]
        if kept.size:
            out[layer] = np.median(kept)
    return out


def _share(flags: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(L,) the share of each layer's kept lines where `flags` holds; NaN where none is kept."""
    n = keep.sum((0, 2))
    return np.where(n > 0, (flags & keep).sum((0, 2)) / np.maximum(n, 1), np.nan)


@dataclass(frozen=True)
class LayerScores:
    """Per layer (L,), over its lines (both signs) that name at least `min_named` of their strongest
    held-out firings; medians of held-out correlations on each line's own sign."""
    min_named: int
    kept: np.ndarray  # share of the layer's lines kept by the filter
    median_corr: np.ndarray  # over all held-out tokens
    median_top_random: np.ndarray  # over top plus random held-out excerpts
    q1_top_random: np.ndarray  # the middle half of the lines' top-plus-random correlations
    q3_top_random: np.ndarray
    shuffled_corr: np.ndarray  # the baselines' medians over the same neurons (random-init: its own lines)
    shuffled_top_random: np.ndarray
    lookup_corr: np.ndarray
    lookup_top_random: np.ndarray
    random_init_corr: np.ndarray
    random_init_top_random: np.ndarray
    held_out_coverage: np.ndarray  # median share of the 8 strongest held-out firings a line names
    none_held_out: np.ndarray  # share of lines naming none of them
    card_coverage: np.ndarray  # median share of the card's 8 strongest firings a line names
    none_card: np.ndarray
    random_init_held_out_coverage: np.ndarray  # the random-weight model's lines, as held_out_coverage
    flagged: np.ndarray  # share of lines naming a position or a kind of text

    @property
    def layers(self) -> int:
        return len(self.median_corr)


def by_layer(e: ex.Explanations, min_named: int = 0) -> LayerScores:
    keep = named_held_out(e) >= min_named
    keep_random = e.random_init_covers_held_out.sum(-1) >= min_named
    fired = (e.held_out_positions >= 0).sum(-1)  # lines with no held-out firing have no held-out coverage
    held_share = e.covers_held_out.sum(-1) / np.maximum(fired, 1)
    card_share = e.covers.sum(-1) / e.covers.shape[-1]
    random_share = e.random_init_covers_held_out.sum(-1) / e.random_init_covers_held_out.shape[-1]
    f64 = lambda name: getattr(e, name).astype(np.float64)  # noqa: E731
    top_random = f64("corr_top_random")
    quartile = lambda q: np.array([np.quantile(top_random[:, la][keep[:, la]], q) if keep[:, la].any()  # noqa: E731
                                   else np.nan for la in range(top_random.shape[1])])
    return LayerScores(
        min_named, keep.mean((0, 2)), _median(f64("corr"), keep), _median(top_random, keep), quartile(0.25),
        quartile(0.75), _median(f64("shuffled_corr"), keep), _median(f64("shuffled_corr_top_random"), keep),
        _median(f64("lookup_corr"), keep), _median(f64("lookup_corr_top_random"), keep),
        _median(f64("random_init_corr"), keep_random), _median(f64("random_init_corr_top_random"), keep_random),
        _median(held_share, keep & (fired > 0)), _share(e.covers_held_out.sum(-1) == 0, keep & (fired > 0)),
        _median(card_share, keep), _share(e.covers.sum(-1) == 0, keep), _median(random_share, keep_random),
        _share(np.isin(e.family, ex.FLAGGED), keep))


@dataclass(frozen=True)
class Summary:
    """What the pages and the benchmark say of all of a model's lines (held-out scores, each line on
    its own sign): computed once, read on every rerun."""
    neurons: int
    lines: int
    per: LayerScores
    median_corr: float  # the medians over every line, as LayerScores' per layer
    median_top_random: float
    shuffled_corr: float
    shuffled_top_random: float
    lookup_corr: float
    lookup_top_random: float
    random_init_corr: float
    random_init_top_random: float
    held_out_coverage: float
    none_held_out: float
    card_coverage: float
    none_card: float
    random_init_held_out_coverage: float
    random_init_none_held_out: float
    flagged: float
    share_08_top_random: float  # lines at 0.8 or more over top plus random excerpts (a loose comparison)
    families: np.ndarray  # (N_FAMILIES,) the share of lines naming each family
    no_held_out_firing: float  # lines whose sign never fires on held-out text (left out of its coverage)

    @property
    def median(self) -> float:
        """The median line's held-out correlation over top plus random excerpts (OpenAI's way)."""
        return self.median_top_random


def summary(e: ex.Explanations) -> Summary:
    all_lines = np.ones(e.family.shape, dtype=bool)
    fired = (e.held_out_positions >= 0).sum(-1) > 0
    med = lambda name, keep=all_lines: float(np.median(getattr(e, name).astype(np.float64)[keep]))  # noqa: E731
    held_share = e.covers_held_out.sum(-1) / np.maximum((e.held_out_positions >= 0).sum(-1), 1)
    random_named = e.random_init_covers_held_out.sum(-1)
    return Summary(
        e.family.shape[1] * e.family.shape[2], e.family.size, by_layer(e),
        med("corr"), med("corr_top_random"), med("shuffled_corr"), med("shuffled_corr_top_random"),
        med("lookup_corr"), med("lookup_corr_top_random"), med("random_init_corr"), med("random_init_corr_top_random"),
        float(np.median(held_share[fired])) if fired.any() else float("nan"),
        float((e.covers_held_out.sum(-1)[fired] == 0).mean()) if fired.any() else float("nan"),
        float(np.median(e.covers.sum(-1) / e.covers.shape[-1])), float((e.covers.sum(-1) == 0).mean()),
        float(np.median(random_named / e.random_init_covers_held_out.shape[-1])), float((random_named == 0).mean()),
        float(np.isin(e.family, ex.FLAGGED).mean()), float((e.corr_top_random.astype(np.float64) >= 0.8).mean()),
        np.bincount(e.family.reshape(-1), minlength=len(ex.FAMILY_NAMES)) / e.family.size, float((~fired).mean()))


def hard_layers(per: LayerScores, none_above: float = 1 / 3) -> list[int]:
    """The layers where more than `none_above` of the lines name none of their strongest held-out
    firings: the neurons the lines describe worst."""
    return [layer for layer, share in enumerate(per.none_held_out) if share > none_above]

