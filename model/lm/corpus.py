"""The built-in corpus the neuron dictionary is built from: short texts we wrote
across topics, plus the start of every topic of the Python documentation that ships
with Python itself (`pydoc_data.topics`), so no download is ever needed."""
from __future__ import annotations

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

DOC_CHARS = 800  # of each Python documentation topic: enough variety, a build under a minute


def python_docs(max_chars: int = DOC_CHARS) -> list[str]:
    import pydoc_data.topics

    topics = pydoc_data.topics.topics
    return [topics[name][:max_chars] for name in sorted(topics)]


def builtin_documents() -> list[str]:
    written = [" ".join(texts[i:i + 2]) for texts in WRITTEN.values() for i in range(0, len(texts), 2)]
    return written + python_docs()
