"""What each result means and where it stops (issue 29): the one-sentence conclusion each real-model
page opens with, and the sentence each view carries. Plain data, so a teacher can edit the words
without touching code; `{name}` is a figure the page computes live and fills in."""
from __future__ import annotations

RELU_VS_GELU = (
    "**Does the smoother curve train better?** Not clearly. In the one comparison at matched cost that this course "
    "shows, table 1 of Shazeer (2020, arXiv) on the [gating page](gating), T5-base with a GELU FFN reached a "
    "held-out log-perplexity of {gelu_short} after 65,536 steps against ReLU's {relu_short} (runs vary by up to "
    "{short_spread}), and {gelu_full} against {relu_full} after the full run. Gating the FFN mattered more than "
    "the choice of curve.")

# --- where a token ranks in what a neuron writes (key-value page, tour step 7)
IN_TOP = "in its top {share}"
OUTSIDE_TOP = "outside its top {share}, so it writes a wider theme"
TOP_SHARE = (
    "**{n} of these {rows} neurons rank {target} in their top {share}** (among the {count} of the {vocab} tokens each "
    "writes most). That is not being specific to it: each of them writes hundreds of other tokens as strongly. "
    "Over all {rows} the median rank is {median} of {vocab}: most write a wider theme, which their promoted tokens "
    "show.")

# --- the one-sentence conclusion each real-model page (and the budget page) opens with
CONCLUSIONS = {
    # the real-model pages' conclusions quote no figure that one of their predictions asks for
    "kv_memory": (
        "Each FFN neuron fires on a pattern in the token (its key) and adds a direction (its value); on a real "
        "prediction many neurons that write broad themes together write the answer, and the views below show who "
        "writes it at the last position, not where a fact is stored."),
    "concept_neurons": (
        "Some neurons' value vectors promote a whole family of words, as {full} of the {k} neurons the months "
        "search lists first rank all {size} months in their top 1%, but ranking a set in its top 1% is not being "
        "specific to it: most neurons are polysemantic and write several themes at once."),
    "concept_neurons_none": (
        "Some neurons' value vectors promote a whole family of words, but ranking a set in a neuron's top 1% is "
        "not being specific to it: most neurons are polysemantic and write several themes at once."),
    "neurons": (
        "A neuron's top contexts, what its value vector writes and a line in words scored on held-out text are "
        "evidence about it, not its function: most neurons are polysemantic, firing on several unrelated patterns, "
        "so a line is a hypothesis about a neuron that its scores test."),
    "anatomy": (
        "On this text one weight, layer {layer}'s W_down[{row}, {col}], writes the massive activation in residual "
        "dimension {dim}: the super weight of section 1 and the massive activation of section 2 are one phenomenon "
        "shown twice, and the kinds of section 3 are labels for weight and corpus statistics, with thresholds of "
        "FFN Lab's own."),
    "anatomy_apart": (
        "On this text the super weight candidate (layer {layer}'s W_down[{row}, {col}]) and the largest massive "
        "activation (dimension {dim}) are not the same write, so sections 1 and 2 show two findings; the kinds of "
        "section 3 are labels for weight and corpus statistics, with thresholds of FFN Lab's own."),
    "anatomy_none": (
        "On this text the page does not find both a super weight and a massive activation: they are findings in "
        "particular models on particular tokens, and the kinds of section 3 are labels for weight and corpus "
        "statistics, with thresholds of FFN Lab's own."),
    "budget": (
        # no figure its predictions ask for (GPT-2 small's shares, of all and outside the embeddings)
        "Across the {n} published models here the FFN holds from {low} to {high} of all parameters: its share "
        "grows with d_ff and the number of experts, and shrinks where the embeddings are large."),
}

# --- one sentence per view: what it shows, and where it stops
VIEWS = {
    # key-value memory
    "keys": (
        "What a neuron fires on in one text is a clue, not its function: a label given from one sentence is not "
        "the neuron's function, and most neurons are polysemantic, firing on several unrelated patterns (Elhage et al. "
        "2022; Bricken et al. 2023, Transformer Circuits Thread); see the superposition lesson."),
    "check": (
        "The sum matches to {gap} (float32 rounding): reading the FFN as keys and values is its own computation "
        "rewritten, not an approximation of it."),
    "attribution": (
        "Direct effect at position {position} shows who writes {target} there, not where the fact is stored: "
        "recall starts earlier, at the subject's tokens (Meng et al. 2022, NeurIPS; Geva et al. 2023, EMNLP), and "
        "where a fact is localised need not be where it is best edited (Hase et al. 2023, NeurIPS)."),
    "lens": (
        "The lens shows when {target} becomes readable through the final norm and unembedding, not when the "
        "model first holds it: earlier layers can carry it in a form the lens cannot read."),
    "intervene": (
        "A change here shows what this prediction needs on this text; where little moves, other neurons may do "
        "the same work, and a neuron's effect on one text is not its role on every text."),
    "labour": (
        "The lines show how much each sub-layer writes, not how much of it matters: the loss without them, "
        "above, is the stronger test."),
    "contexts": (
        "The same token gets different coefficients because an FFN reads the whole residual vector, which "
        "attention has filled with the context: its keys see the word in its context, not the word alone."),
    "compare": (
        "The two models' neurons do not correspond one to one: compare what each does on the text, not neuron "
        "numbers."),
    # concept neurons
    "gallery": (
        "Each story rests on one sentence and one switch-off: a label given from one sentence is not the "
        "neuron's function."),
    "concept_search": (
        "A set in a neuron's top 1% (among the {count} of {vocab} tokens it writes most) means the neuron ranks "
        "it in its top 1%, not that it is specific to the set: most neurons are polysemantic (Elhage et al. 2022; "
        "Bricken et al. 2023, Transformer Circuits Thread); see the superposition lesson."),
    # neuron dictionary
    "token_search": (
        "Firing on a token is what a neuron's key detects; promoting it is what its value writes: the two lists "
        "answer different questions, and neither names the neuron's function."),
    "card": (
        "Top contexts are where a neuron fires hardest, not all it does: most neurons are polysemantic, and a "
        "label read off a few contexts is a hypothesis about the neuron, not its function."),
    # inside a real FFN
    "super_weight": (
        "Super weights are a finding in particular large language models (Yu et al. 2024, arXiv, found them in "
        "Llama, Mistral and other models), not a part every model has: zeroing one shows what this model needs on "
        "these texts."),
    "massive_same": (
        "Dimension {dim} is the super weight's output row: through layer {layer}'s W_down[{row}, {col}], neuron {col} "
        "writes {part} of the {value} there, {share} of it (Yu et al. 2024, arXiv). Sections 1 and 2 show one "
        "phenomenon twice."),
    "massive_same_plain": (
        "Dimension {dim} is the super weight's output row: layer {layer}'s W_down[{row}, {col}] writes into it (Yu et "
        "al. 2024, arXiv). Sections 1 and 2 show one phenomenon twice."),
    "massive_apart": (
        "Dimension {dim} is not the super weight candidate's output row ({row}) on this text: here the two "
        "findings are separate writes."),
    "kinds": (
        "A kind is a label for a statistic, read with FFN Lab's own thresholds, not proof of what a neuron does: "
        "the check by mean ablation below tests it."),
}

# --- the neuron card's "What the scores mean", as short bullets
WHAT_SCORES_MEAN = (
    "- **The line.** Each sign's line is drawn from the neuron's strongest training firings (as N2G does, Foote "
    "et al. 2023): the tokens, whole words, forms of a word, WordNet meanings, token pairs, kinds of token, "
    "positions or kinds of text found there. It says “fires” only where a group it names typically reaches "
    "{fires} of the neuron's peak of that sign, and gives that share; otherwise “is slightly raised”. A line "
    "about a position or a kind of text is marked (where, not what).\n"
    "- **The split.** Lines were chosen on the training part of the corpus and scored on a held-out part they "
    "never saw: a seeded random 1 in {hold_out} of each kind of text's distinct documents (copies of a document "
    "were dropped first; arithmetic comes from the same templates in both parts, so it carries over more "
    "easily).\n"
    "- **What it names.** Of the neuron's {shown} strongest firings on the card, and of its {shown} strongest on "
    "held-out text, how many fall in a group the line names. The card's firings are where the line came from, "
    "so the held-out count is the honest one.\n"
    "- **Correlation.** A simulator reads only what the line names, with the typical coefficient listed for each "
    "group, and predicts this sign's part of the coefficient: 1 means its predictions rise and fall exactly "
    "with the neuron's, 0 that they carry no linear information about it. It is scored over the neuron's top "
    "held-out excerpts of 8 tokens plus random ones, weighted equally (as OpenAI scores, Bills et al. 2023), and "
    "over every held-out token. Labels: strong ≥ 0.8 (OpenAI's threshold), fair ≥ 0.5, weak ≥ 0.3, poor below "
    "(FFN Lab's own cut-offs).\n"
    "- **The baselines.** Each score stands beside the same neuron scored with another neuron's line from its "
    "layer (one draw, so ±0.2 by chance), beside the full token look-up table (the neuron's mean on every "
    "frequent token: not a short line, the best a rule reading only the token can do), and beside the median "
    "line of this layer in a randomly initialised model of the same shape, built the same way.\n"
    "- **What the scores cannot tell.** They score the line's “fires on” part only, on this corpus; what it "
    "*writes* is read from the value vector through the unembedding, not scored (and means little in early "
    "layers). A high score says the line predicts the coefficient here, not that it is the neuron's function: "
    "most neurons are polysemantic.")
