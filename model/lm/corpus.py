"""The corpus the built-in neuron dictionary is read from: about 300,000 tokens of varied
text, all from sources that install here and allow shipping what we derive from them.

| source | kind of text | licence | where it comes from |
|---|---|---|---|
| WordNet 3.0 glosses | encyclopaedic definitions (places, people, things, verbs) with example sentences | WordNet 3.0 licence (free use and redistribution with its notice) | Debian `wordnet-base` |
| fortune cookies | quotations, dialogue, jokes, poems, headlines, literature | BSD (Debian `fortunes`) | Debian `fortunes` |
| the Jargon File | essays and stories about computing culture | public domain | Debian `jargon-text` |
| arithmetic | sums, products, dates and word problems | ours (generated, seeded) | this module |
| Python's documentation | technical prose and code | PSF licence | `pydoc_data`, part of Python |
| our sentences | capitals, past tense, numbers, code, everyday life | ours | this module |

Only the dictionary's rebuild (`python -m model.lm.build_dictionary`) reads these files; the
app reads the shipped dictionary, which keeps the corpus as token ids.
Everything here is deterministic: the same files give the same documents, in the same order.
"""
from __future__ import annotations

import gzip
import random
import re
from dataclasses import dataclass
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
FORTUNES = Path("/usr/share/games/fortunes")
JARGON = Path("/usr/share/doc/jargon-text/jargon.txt.gz")
DEBIAN_PACKAGES = ("wordnet-base", "fortunes", "jargon-text")

WRITTEN: dict[str, list[str]] = {
    "places and capitals": [
        "Paris is the capital of France. Berlin is the capital of Germany, and Madrid is the capital of Spain.",
        "Rome, the capital of Italy, is older than London, the capital of the United Kingdom.",
        "Tokyo is the capital of Japan; Seoul is the capital of South Korea; Beijing is the capital of China.",
        "Canberra, not Sydney, is the capital of Australia, and Ottawa, not Toronto, is the capital of Canada.",
        "The Nile flows through Egypt and Sudan. Cairo sits on its banks, close to the pyramids of Giza.",
        "We took the train from Lisbon to Porto, then flew to Dublin, Oslo and finally Helsinki.",
        "Mount Everest lies on the border of Nepal and China; the Alps cross France, Switzerland and Austria.",
        "Brazil's largest city is São Paulo, but its capital is Brasília, built in the nineteen-fifties.",
        "Every spring we fly to Paris to see the Eiffel Tower, then take the train from Paris to Brussels.",
        "She was born in Vienna, studied in Prague and now teaches history in Paris.",
    ],
    "past tense": [
        "Yesterday she walked to school, opened her bag, and realised she had forgotten her book.",
        "He cooked dinner, washed the dishes, and went to bed early because he was tired.",
        "They played football in the park until it started to rain, then they ran home.",
        "The old man sat on the bench, fed the pigeons and watched the children who were playing.",
        "We visited our grandparents last summer and swam in the lake every morning.",
        "She wrote a letter, sealed the envelope and posted it before the office closed.",
        "The storm destroyed the bridge, so the villagers built a new one from stone.",
        "I bought bread, paid the baker and thanked him for the warm loaf.",
    ],
    "numbers and arithmetic": [
        "12 + 7 = 19. 25 - 8 = 17. 6 * 7 = 42. 81 / 9 = 9.",
        "The year 1969 saw the first moon landing; the year 2000 began a new millennium.",
        "Two plus two is four, three times three is nine, and ten minus one is nine.",
        "The recipe needs 250 grams of flour, 3 eggs, 100 ml of milk and 2 spoons of sugar.",
        "In 2024 the population was about 8.1 billion; by 2050 it may reach 9.7 billion.",
        "Count from one to ten: one, two, three, four, five, six, seven, eight, nine, ten.",
        "The square root of 144 is 12, and 2 to the power of 10 is 1024.",
        "Prices rose by 3.5 percent, from 40 dollars to 41.40 dollars.",
    ],
    "code": [
        "def add(a, b):\n    return a + b\n\nprint(add(2, 3))",
        "for i in range(10):\n    if i % 2 == 0:\n        print(i)",
        "import numpy as np\nx = np.zeros((3, 4))\nprint(x.shape)",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)",
        "while True:\n    line = input()\n    if not line:\n        break",
        "const total = items.reduce((sum, x) => sum + x, 0);\nconsole.log(total);",
        "SELECT name, age FROM users WHERE age > 30 ORDER BY name;",
        "try:\n    value = int(text)\nexcept ValueError:\n    value = 0",
    ],
    "everyday life": [
        "I paid the cheque in at the bank and then bought a coffee on the way to work.",
        "The bank by the river was steep and covered in wild flowers.",
        "Please remember to water the plants, feed the cat and lock the door.",
        "The meeting starts at nine, so I will take the early bus to the office.",
        "My sister is a doctor at the hospital; my brother teaches music at a school.",
        "We need milk, eggs, apples, rice and a loaf of bread from the shop.",
        "It was raining, so she took an umbrella and wore her boots.",
        "After dinner we watched a film, talked about our holiday and went to sleep.",
    ],
}

# characters taken from each source (about 4 characters a token; digits are a token each)
BUDGET = {"encyclopaedic": 560_000, "quotations and dialogue": 330_000, "essays and stories": 300_000,
          "arithmetic": 50_000, "code and technical": 110_000}
FORTUNE_FILES = ("fortunes", "literature", "wisdom", "people", "humorists", "songs-poems", "kids", "education",
                 "science", "food", "love", "pets", "sports", "work", "men-women", "miscellaneous", "riddles",
                 "platitudes", "startrek", "politics", "law", "medicine", "news", "magic", "tao", "pratchett")


@dataclass(frozen=True)
class Document:
    source: str  # a key of BUDGET, or "our sentences"
    text: str


def _take(texts: list[str], budget: int) -> list[str]:
    """The first texts whose lengths add up to `budget` characters."""
    out, used = [], 0
    for t in texts:
        if used >= budget:
            break
        out.append(t)
        used += len(t)
    return out


def wordnet_entries(root: Path = WORDNET) -> list[str]:
    """One line per synset, 'lemma, lemma: gloss; "example"', places and people (WordNet's
    instances) first, then everything else, each group in a seeded shuffle."""
    instances, others = [], []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (root / f"data.{part}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(" ") or "|" not in line:
                continue  # the licence header
            fields, gloss = line.split("|", 1)
            words = fields.split()
            n_words = int(words[3], 16)
            lemmas = [re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in words[4:4 + 2 * n_words:2]]
            entry = f"{', '.join(dict.fromkeys(lemmas))}: {gloss.strip()}"
            (instances if " @i " in fields else others).append(entry)
    rng = random.Random(0)
    rng.shuffle(instances)
    rng.shuffle(others)
    half = len(instances) // 2
    return instances[:half] + others[: 2 * half] + instances[half:] + others[2 * half:]


def fortunes(root: Path = FORTUNES) -> list[str]:
    """Fortune cookies from the categories in FORTUNE_FILES, interleaved so every kind is represented."""
    files = [[t.strip() for t in (root / name).read_text(encoding="utf-8", errors="replace").split("\n%\n")
              if t.strip()] for name in FORTUNE_FILES if (root / name).is_file()]
    out = []
    for i in range(max(map(len, files), default=0)):
        out += [f[i] for f in files if i < len(f)]
    return out


def jargon_paragraphs(path: Path = JARGON) -> list[str]:
    """Prose paragraphs of the Jargon File: its box-drawn tables and headings left out."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if len(p) > 200 and not re.search(r"[\u2500-\u257f]", p)]


NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty").split()
MONTHS = ("January February March April May June July August September October November December").split()


def arithmetic(n: int = 4000, seed: int = 0) -> list[str]:
    """Short generated maths texts: sums and products in digits and in words, dates, word problems."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        kind = rng.randrange(5)
        if kind == 0:
            out.append(f"{a} + {b} = {a + b}, and {a} - {b} = {a - b}.")
        elif kind == 1:
            x, y = rng.randint(2, 12), rng.randint(2, 12)
            out.append(f"{x} times {y} is {x * y}, so {x * y} divided by {y} is {x}.")
        elif kind == 2:
            x, y = rng.randint(0, 10), rng.randint(0, 10)
            out.append(f"{NUMBER_WORDS[x].capitalize()} plus {NUMBER_WORDS[y]} makes {NUMBER_WORDS[x + y]}.")
        elif kind == 3:
            out.append(f"On {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1800, 2030)} the price was "
                       f"{a}.{b:02d} dollars; a week later it was {a + rng.randint(1, 9)}.{b:02d}.")
        else:
            out.append(f"Sam had {a} apples and gave away {min(a, b)}. How many are left? {a} - {min(a, b)} "
                       f"= {a - min(a, b)} apples.")
    return out


def python_docs(max_chars: int = 800) -> list[str]:
    import pydoc_data.topics

    topics = pydoc_data.topics.topics
    return [topics[name][:max_chars] for name in sorted(topics)]


def ours() -> list[str]:
    return [" ".join(texts[i:i + 2]) for texts in WRITTEN.values() for i in range(0, len(texts), 2)]


def missing_sources() -> list[str]:
    """The Debian packages whose files a rebuild of the dictionary needs but cannot find."""
    files = {"wordnet-base": WORDNET / "data.noun", "fortunes": FORTUNES / "fortunes", "jargon-text": JARGON}
    return [pkg for pkg, path in files.items() if not path.is_file()]


def reading_corpus() -> list[Document]:
    """The built-in dictionary's corpus: every source within its budget, interleaved in
    blocks so that any prefix of the corpus already mixes the kinds of text."""
    missing = missing_sources()
    if missing:
        raise FileNotFoundError("the corpus needs Debian's " + ", ".join(missing)
                                + f": apt-get install {' '.join(missing)}")
    sources = {
        "encyclopaedic": [" ".join(group) for group in _chunks(wordnet_entries(), 6)],
        "quotations and dialogue": fortunes(),
        "essays and stories": jargon_paragraphs(),
        "arithmetic": [" ".join(group) for group in _chunks(arithmetic(), 5)],
        "code and technical": python_docs(max_chars=2000),
    }
    taken = {name: _take(texts, BUDGET[name]) for name, texts in sources.items()}
    docs = [Document("our sentences", t) for t in ours()]
    for i in range(max(map(len, taken.values()))):
        docs += [Document(name, texts[i]) for name, texts in taken.items() if i < len(texts)]
    return docs


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
