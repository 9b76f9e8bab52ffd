"""Kinds of token, named in words: "month names", "digits", "line breaks", "words ending in -ing".

A neuron that fires on ' March', ' June' and ' October' is better described as firing on month
names than by the three tokens, and the description then carries over to ' April', which the
corpus may have shown it only once. Each token gets at most one kind (the first rule in KINDS
that matches its text as a reader sees it, e.g. ' March'), so the kinds split the vocabulary into
groups, as the token identities do. The rules read only the token's text, never a model: the same
token text is the same kind in every model.

The word lists hold the common members of English's closed classes (pronouns, determiners,
prepositions, ...); the suffix rules are spelling, not grammar: "-s endings" holds plurals and
verbs alike, and the kind's name says so.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Callable

MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
NUMBER_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "hundred",
                "thousand", "million", "billion", "first", "second", "third", "fourth", "fifth", "half", "dozen"}
PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his",
            "its", "our", "their", "mine", "yours", "myself", "yourself", "himself", "herself", "itself",
            "themselves", "who", "whom", "whose"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "some", "any", "every", "each", "no", "all",
               "both", "either", "neither", "another", "such"}
PREPOSITIONS = {"of", "in", "on", "at", "to", "from", "by", "with", "about", "into", "over", "under", "between",
                "through", "after", "before", "during", "without", "within", "upon", "among", "across",
                "against", "toward", "towards", "behind", "beyond", "near", "onto", "off", "around", "for", "as",
                "like", "since", "until"}
CONJUNCTIONS = {"and", "or", "but", "nor", "yet", "because", "although", "though", "unless", "whereas", "than",
                "whether"}
AUXILIARIES = {"is", "are", "was", "were", "be", "been", "being", "am", "have", "has", "had", "do", "does", "did",
               "will", "would", "can", "could", "should", "might", "must", "shall", "may"}
CODE_WORDS = {"def", "return", "import", "class", "elif", "lambda", "self", "none", "true", "false", "print",
              "yield", "async", "await", "const", "var", "let", "function", "null", "int", "str", "float",
              "dict", "list", "len", "range", "select", "where", "println", "printf", "void", "struct",
              "__init__", "kwargs", "args"}
MATH = set("+-*/=<>%^×÷±√∑∫")
PUNCTUATION = set(string.punctuation) - MATH | set("“”‘’«»…–—")


@dataclass(frozen=True)
class Kind:
    name: str  # what a learner reads: "month names"
    keywords: tuple[str, ...]  # other words a search for it may use
    matches: Callable[[str, str], bool]  # (text as read, the word: stripped and lower-cased)


def _word(text: str) -> str:
    return text.strip().lower()


def _lower_word(text: str) -> bool:
    """A whole lower-case word with its leading space (' walked'), not a name or a word piece."""
    return text.startswith(" ") and text[1:].isalpha() and text[1:].islower()


def _is_number(word: str) -> bool:
    return bool(re.fullmatch(r"\d+([.,]\d+)?", word))


KINDS: tuple[Kind, ...] = (
    Kind("special tokens", ("chat", "template", "marker", "start", "end"),
         lambda t, w: bool(re.fullmatch(r"<\|?[^<>]*\|?>|<s>|</s>|<pad>|<bos>|<eos>", t.strip()))),
    Kind("line breaks", ("newline", "newlines", "line", "paragraph"), lambda t, w: "\n" in t and not t.strip()),
    Kind("indentation and spaces", ("code", "indentation", "indent", "whitespace", "spaces", "tab"),
         lambda t, w: len(t) >= 2 and not t.strip(" \t") and "\n" not in t),
    Kind("years", ("year", "date", "dates", "number", "numbers"),
         lambda t, w: bool(re.fullmatch(r"1[5-9]\d\d|20\d\d", w))),
    Kind("digits", ("number", "numbers", "numeral", "numerals", "digit", "arithmetic", "math"),
         lambda t, w: _is_number(w)),
    Kind("number words", ("number", "numbers", "count", "counting", "numeral", "ordinal"),
         lambda t, w: w in NUMBER_WORDS),
    Kind("month names", ("month", "months", "date", "dates", "calendar", "time"),
         lambda t, w: w in MONTHS and (w != "may" or t.strip()[:1].isupper())),
    Kind("weekday names", ("day", "days", "weekday", "week", "date", "calendar", "time"),
         lambda t, w: w in WEEKDAYS),
    Kind("maths symbols", ("math", "maths", "arithmetic", "operator", "operators", "equation", "symbol"),
         lambda t, w: bool(w) and all(c in MATH for c in w)),
    Kind("punctuation", ("punctuation", "comma", "period", "full", "stop", "quote", "quotes", "bracket",
                         "brackets", "colon", "symbol"),
         lambda t, w: bool(w) and all(c in PUNCTUATION for c in w)),
    Kind("code words", ("code", "python", "programming", "keyword", "keywords", "syntax"),
         lambda t, w: w in CODE_WORDS and not (t.strip()[:1].isupper() and w in {"select", "where", "class"})),
    Kind("pronouns", ("pronoun", "pronouns", "person", "people"), lambda t, w: w in PRONOUNS),
    Kind("articles and determiners", ("article", "articles", "determiner", "determiners", "the"),
         lambda t, w: w in DETERMINERS),
    Kind("prepositions", ("preposition", "prepositions", "relation"), lambda t, w: w in PREPOSITIONS),
    Kind("conjunctions", ("conjunction", "conjunctions", "clause", "connective"), lambda t, w: w in CONJUNCTIONS),
    Kind("auxiliary verbs", ("verb", "verbs", "auxiliary", "tense", "modal"), lambda t, w: w in AUXILIARIES),
    Kind("words ending in -ing", ("verb", "verbs", "gerund", "participle", "ing", "progressive"),
         lambda t, w: _lower_word(t) and len(w) > 4 and w.endswith("ing")),
    Kind("words ending in -ed", ("verb", "verbs", "past", "tense", "participle", "ed"),
         lambda t, w: _lower_word(t) and len(w) > 4 and w.endswith("ed")),
    Kind("words ending in -ly", ("adverb", "adverbs", "manner", "ly"),
         lambda t, w: _lower_word(t) and len(w) > 4 and w.endswith("ly")),
    Kind("words ending in -s (plurals and verbs)", ("plural", "plurals", "noun", "nouns", "verb", "verbs"),
         lambda t, w: _lower_word(t) and len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is"))),
    Kind("capitalised words", ("capital", "capitalised", "capitalized", "name", "names", "proper", "noun",
                               "nouns", "sentence", "start"),
         lambda t, w: len(t.strip()) > 1 and t.strip()[0].isupper() and t.strip()[1:].islower()),
    Kind("word pieces (inside a word)", ("subword", "piece", "pieces", "fragment", "inside", "word"),
         lambda t, w: t[:1].isalpha() and t.isalpha()),
)
NONE = len(KINDS)  # the group of tokens no rule names


def kind_of(text: str) -> int:
    """Index into KINDS of the first kind whose rule matches `text` (a token as a reader sees it,
    leading space included), or NONE."""
    word = _word(text)
    for i, kind in enumerate(KINDS):
        if kind.matches(text, word):
            return i
    return NONE


def kinds_of_vocabulary(texts: list[str]) -> list[int]:
    """`kind_of` for every token of a vocabulary, in id order."""
    return [kind_of(t) for t in texts]
