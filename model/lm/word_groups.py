"""Groups of corpus positions a person would name: the whole word a token belongs to, that word's
base form, its WordNet synset and a broader category of it, and the (previous token, token) pair.

Neuron explanations draw candidate groups from these (issue 30): a line can then say "fires on
'giving'" instead of "fires on 'iving'", or "fires on forms of give" or "on words for a region".

WordNet is read from its own files (Debian's `wordnet-base`, as model/lm/corpus.py reads them):
index.<pos> lists each lemma's synsets, most frequent first; data.<pos> holds a synset's lemma names
and pointers at the byte offset that names it; *.exc list irregular forms (gave -> give); and
cntlist.rev counts how often each sense was tagged in the SemCor corpus, which picks between parts
of speech. Each file is parsed once, lazily; each distinct word is looked up once.

WordNet knows no context: a word gets its most frequent sense wherever it stands ('capital' is
money, 'states' a province), which is why these groups are candidates a score must confirm.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORDNET = Path("/usr/share/wordnet")
POS = ("noun", "verb", "adj", "adv")
POS_OF_TYPE = {"1": "noun", "2": "verb", "3": "adj", "4": "adv", "5": "adj"}  # ss_type 5: adjective satellite
POS_OF_CHAR = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}

# WordNet's detachment rules (morph.c), tried when a form is in no exception list
RULES = {
    "noun": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
             ("men", "man"), ("ies", "y")),
    "verb": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
             ("ing", "")),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}

# Function words get no synset or category: WordNet knows most of them only as something else
# ('a' vitamin A, 'i' iodine, 'in' inch, 'it' information technology, 'us' United States, 'as'
# arsenic, 'he' helium, 'may' the month, 'can' a tin, 'will' a testament), so a line would name a
# meaning the text never has. Their lemma is still found as a verb's (was -> be, does -> do).
FUNCTION_WORDS = frozenset("""
a an the this that these those some any each every no all both either neither
i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves who whom whose which what whoever whatever
one ones there here
of in on at by to from for with about into onto over under up down out off upon within without through
across after before between among against during since until till toward towards via per than as like
and or but nor so yet if then because while although though whether unless else also not
is am are was were be been being has have had having do does did doing done
will would shall should can could may might must ought
s t d ll re ve m st nd rd th
""".split())
# (the last row: clitics and ordinal endings left when "don't", "it's", "4th" lose their other part)

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # letters, with an apostrophe or hyphen inside
DOC_BREAK = "\0"  # put between documents so no word runs across one
SENTENCE_END = re.compile(r"[.!?:;\n\0\"'“‘(\[*#>-]")  # after these a capital may not mark a name


@dataclass(frozen=True)
class WordGroups:
    word: np.ndarray      # (N,) int64: the whole word each corpus position belongs to, or -1
    lemma: np.ndarray     # (N,) int64: that word's base form, or -1
    synset: np.ndarray    # (N,) int64: the base form's most frequent WordNet synset, or -1
    category: np.ndarray  # (N,) int64: a broader category of that synset, or -1
    pair: np.ndarray      # (N,) int64: the (previous token, token) pair, or -1 at a document's first token
    names: list[str]      # one table: words, then lemmas, then synsets, then categories (disjoint ranges)
    pairs: np.ndarray     # (P, 2) int32: (previous token id, token id) of each pair id


# ---- WordNet's files ----------------------------------------------------------------------------

@functools.cache
def _index(pos: str, root: Path = WORDNET) -> dict[str, tuple[int, ...]]:
    """lemma -> byte offsets of its synsets in data.<pos>, most frequent first."""
    out = {}
    for line in (root / f"index.{pos}").read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue  # the licence header
        fields = line.split()
        out[fields[0]] = tuple(map(int, fields[-int(fields[2]):]))  # the synset offsets end the line
    return out


@functools.cache
def _exceptions(pos: str, root: Path = WORDNET) -> dict[str, list[str]]:
    """Irregular form -> its base forms (gave -> give)."""
    out = {}
    for line in (root / f"{pos}.exc").read_text(encoding="utf-8").splitlines():
        form, *bases = line.split()
        out[form] = bases
    return out


@functools.cache
def _tag_counts(root: Path = WORDNET) -> dict[tuple[str, str], tuple[int, int]]:
    """(lemma, pos) -> (SemCor count of its first sense, of all its senses)."""
    first, total = {}, {}
    for line in (root / "cntlist.rev").read_text(encoding="utf-8").splitlines():
        key, sense, count = line.split()
        lemma, rest = key.split("%", 1)
        k = (lemma, POS_OF_TYPE[rest[0]])
        total[k] = total.get(k, 0) + int(count)
        if sense == "1":
            first[k] = int(count)
    return {k: (first.get(k, 0), n) for k, n in total.items()}


@functools.cache
def _data(pos: str, root: Path = WORDNET) -> bytes:
    return (root / f"data.{pos}").read_bytes()


@functools.cache
def _synset(pos: str, offset: int) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """A synset's lemma names and its hypernyms (pos, offset), read at its byte offset."""
    data = _data(pos)
    fields = data[offset:data.index(b"\n", offset)].decode("utf-8").split("|")[0].split()
    n_words = int(fields[3], 16)
    names = [re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in fields[4:4 + 2 * n_words:2]]  # 'big(a)'
    at = 4 + 2 * n_words
    pointers = [fields[at + 1 + 4 * i: at + 5 + 4 * i] for i in range(int(fields[at]))]
    # '@i' is an instance's class (Paris -> national capital), the hypernym of a named thing
    hypernyms = tuple((POS_OF_CHAR[p[2]], int(p[1])) for p in pointers if p[0] in ("@", "@i"))
    return tuple(dict.fromkeys(names)), hypernyms


# ---- one word -------------------------------------------------------------------------------------

def morphy(form: str, pos: str) -> list[str]:
    """WordNet's morphy: the base forms of `form` as a `pos` that WordNet lists, the form itself first.
    A form in the exception list takes only its listed bases, as in WordNet (that stops 'his' -> 'hi')."""
    index = _index(pos)
    exceptions = _exceptions(pos)
    if form in exceptions:
        forms = [form, *exceptions[form]]
    else:
        forms = [form] + [form[:-len(old)] + new for old, new in RULES[pos] if form.endswith(old)]
    return [f for f in dict.fromkeys(forms) if f in index]


def _key(word: str) -> str:
    """How WordNet spells a word: straight apostrophe, no possessive 's, underscores for spaces."""
    word = word.replace("’", "'")
    return word[:-2] if word.endswith("'s") and len(word) > 2 else word


@functools.cache
def lemma_of(word: str) -> tuple[str, str | None]:
    """(base form, part of speech it was found as, or None if WordNet does not know the word).
    Of every (base, pos) morphy finds, the one tagged most often in SemCor: 'does' is 'do' (a verb),
    not 'doe' (a deer), and 'given' is 'give', not the noun 'given'. Ties keep noun, verb, adj, adv."""
    key = _key(word)
    if word in FUNCTION_WORDS:  # only as a verb (was -> be): as a noun 'his' would be 'hi', 'us' 'u'
        found = [(b, "verb") for b in morphy(key, "verb")]
    else:
        found = [(b, p) for p in POS for b in morphy(key, p)]
    if not found:
        return key, None
    counts = _tag_counts()
    best = max(found, key=lambda bp: counts.get(bp, (0, 0))[1])  # max keeps the first of equals
    return best


@functools.cache
def synset_of(lemma: str, pos: str | None = None) -> tuple[str, int] | None:
    """The lemma's most frequent synset (pos, offset) as a `pos`, or as any part of speech: WordNet
    lists senses by frequency, so the first sense of the part of speech whose first sense SemCor
    tagged most ('give': the verb, not the noun for elasticity). None for words WordNet does not
    know, single letters and function words."""
    if len(lemma) < 2 or lemma in FUNCTION_WORDS:  # single letters: initials and variables, not 'c' carbon
        return None
    counts = _tag_counts()
    found = [p for p in ((pos,) if pos else POS) if lemma in _index(p)]
    if not found:
        return None
    pos = max(found, key=lambda p: counts.get((lemma, p), (0, 0))[0])
    return pos, _index(pos)[lemma][0]


def name_synset(lemma: str) -> tuple[str, int] | None:
    """For a word the text always capitalises: its first sense that WordNet names with a capital
    ('John' the apostle, not 'john' the toilet; 'Paris' the capital), or None ('Sam' is no missile)."""
    for pos in POS:
        for offset in _index(pos).get(lemma, ()):
            if _synset(pos, offset)[0][0][:1].isupper():
                return pos, offset
    return None


@functools.cache
def senses_of(word: str, name: bool = False) -> tuple[str, tuple[str, int] | None, tuple[str, int] | None]:
    """A word's (lemma, synset, category). An inflected word keeps the part of speech its ending
    showed ('shared' is the verb share, not the noun), a base form takes its most frequent one.
    A `name` (always capitalised in the text) is itself where WordNet knows it: 'James', not 'jams'."""
    if name and any(_key(word) in _index(p) for p in POS) and word not in FUNCTION_WORDS:
        synset = name_synset(_key(word))
        return _key(word), synset, category_of(synset) if synset else None
    lemma, pos = lemma_of(word)
    if pos is None:
        return lemma, None, None
    synset = synset_of(lemma, pos if lemma != _key(word) else None)
    return lemma, synset, category_of(synset) if synset else None


CATEGORY_MIN_DEPTH = 3  # entity > physical entity > object: WordNet's top noun levels name no category


@functools.cache
def _depth(synset: tuple[str, int]) -> int:
    """Steps from the synset to its root along first hypernyms."""
    hypernyms = _synset(*synset)[1]
    return 1 + _depth(hypernyms[0]) if hypernyms else 0


def category_of(synset: tuple[str, int]) -> tuple[str, int] | None:
    """The synset's hypernym two levels up (region -> location -> object), or one level up where two
    would reach WordNet's top levels (region -> location) or there is only one. None for synsets
    without hypernyms (adjectives, adverbs, roots)."""
    chain = [synset]
    while len(chain) < 3 and _synset(*chain[-1])[1]:
        chain.append(_synset(*chain[-1])[1][0])
    if len(chain) == 3 and (chain[2][0] != "noun" or _depth(chain[2]) >= CATEGORY_MIN_DEPTH):
        return chain[2]
    return chain[1] if len(chain) > 1 else None


def synset_name(synset: tuple[str, int], n: int = 3) -> str:
    """A synset named by its first `n` lemma names: 'region, part'."""
    return ", ".join(_synset(*synset)[0][:n])


# ---- the corpus -----------------------------------------------------------------------------------

def _document_starts(doc_starts: np.ndarray, n: int) -> np.ndarray:
    """(n,) bool: True where a document begins (position 0 always does)."""
    out = np.zeros(n, dtype=bool)
    starts = np.asarray(doc_starts, dtype=np.int64)
    out[starts[starts < n]] = True
    out[:1] = True
    return out


def word_spans(ids: np.ndarray, doc_starts: np.ndarray, token_texts: list[str]
               ) -> tuple[np.ndarray, list[str], list[bool | None]]:
    """(N,) index into the returned word list for each position, or -1; the words (lowercased,
    one entry per occurrence); and whether each was capitalised, None where a sentence starts (that
    tells nothing). A word is a run of letters in the document's text, which may span tokens
    (' Ham' + 'let'); a token that holds parts of two words belongs to the first."""
    n = len(ids)
    is_start = _document_starts(doc_starts, n)
    pieces = [DOC_BREAK + token_texts[t] if s else token_texts[t] for t, s in zip(ids.tolist(), is_start.tolist())]
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=n)
    starts = np.cumsum(lengths) - lengths  # each token's first character in the joined text
    text = "".join(pieces)
    matches = list(WORD.finditer(text))
    first = np.searchsorted(starts, [m.start() for m in matches], side="right") - 1
    last = np.searchsorted(starts, [m.end() - 1 for m in matches], side="right") - 1
    occurrence = np.full(n, -1, dtype=np.int64)
    for i in range(len(matches) - 1, -1, -1):  # backwards, so a shared token keeps the first word
        occurrence[first[i]:last[i] + 1] = i
    capitalised, end = [], 0
    for m in matches:
        gap = text[end:m.start()]
        capitalised.append(None if end == 0 or SENTENCE_END.search(gap) else m.group()[0].isupper())
        end = m.end()
    return occurrence, [m.group().lower().replace("’", "'") for m in matches], capitalised


def word_groups(ids: np.ndarray, doc_starts: np.ndarray, token_texts: list[str]) -> WordGroups:
    """Every position's word, lemma, synset, category and pair groups (see WordGroups)."""
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    occurrence, words, capitalised = word_spans(ids, doc_starts, token_texts)
    # a name: capitalised wherever a capital tells (not after a sentence's end), at least once
    cases: dict[str, set] = {}
    for w, c in zip(words, capitalised):
        cases.setdefault(w, set()).add(c)

    names: list[str] = []

    def table(keys: list, name) -> np.ndarray:
        """Ids (into `names`) for distinct keys, named by `name(key)`; None -> -1."""
        ids_of = {}
        for k in dict.fromkeys(keys):
            if k is not None:
                ids_of[k] = len(names)
                names.append(name(k))
        return np.array([ids_of[k] if k is not None else -1 for k in keys], dtype=np.int64)

    distinct = list(dict.fromkeys(words))
    word_of = table(distinct, str)
    senses = [senses_of(w, cases[w] - {None} == {True}) for w in distinct]
    lemma_of_word = table([lemma for lemma, _, _ in senses], str)
    synset_of_word = table([synset for _, synset, _ in senses], synset_name)
    category_of_word = table([category for _, _, category in senses], lambda s: synset_name(s, 2))

    # occurrence -> distinct word -> groups; -1 stays -1 through a lookup with a sentinel at the end
    index = {w: i for i, w in enumerate(distinct)}
    d = np.array([index[w] for w in words] + [-1], dtype=np.int64)[occurrence]

    def per_position(of_word: np.ndarray) -> np.ndarray:
        return np.append(of_word, -1)[d]

    prev_ok = ~_document_starts(doc_starts, n)
    keys = (np.roll(ids, 1) << 32) | ids
    unique, inverse = np.unique(keys[prev_ok], return_inverse=True)
    pair = np.full(n, -1, dtype=np.int64)
    pair[prev_ok] = inverse
    pairs = np.stack([unique >> 32, unique & 0xFFFFFFFF], axis=1).astype(np.int32)

    return WordGroups(word=per_position(word_of), lemma=per_position(lemma_of_word),
                      synset=per_position(synset_of_word), category=per_position(category_of_word),
                      pair=pair, names=names, pairs=pairs.reshape(-1, 2))
