"""The glossary: every term and symbol a learner meets in FFN Lab, each defined in one or two plain
sentences, and the notation card that maps the FFN's names onto each other.

Pure data and pure functions (no Streamlit): components/shared/glossary.py shows a term as hover
help at its first use on a page, the Glossary page lists them all, and tests/content/test_glossary.py
fails when a page uses a term or abbreviation that is not defined here.

Where a word means two things in the literature ("up", "key", "value", "activation", "top-k"), its
definition says which meaning each page uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache


_ASCII = str.maketrans({"₁": "1", "₂": "2", "Φ": "normal-cdf-Phi", "σ": "sigmoid-sigma", "⊙": "elementwise-product"})


@dataclass(frozen=True)
class Term:
    name: str  # as the glossary shows it
    definition: str  # one or two plain sentences
    symbol: str = ""  # the symbol or formula the pages write, if any
    forms: tuple[str, ...] = ()  # other spellings found in the pages' text (plurals are matched anyway)
    section: str = ""
    bare: bool = True  # whether the name alone counts as a use (not for "up" or "down")
    not_in: tuple[str, ...] = ()  # phrases where the word means something else ("Key takeaways")

    # anchor and hover are read for every mark on every rerun: computed once per term
    @cached_property
    def anchor(self) -> str:
        """The id of the term's entry on the Glossary page (/glossary#anchor)."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.translate(_ASCII).lower()).strip("-")

    @cached_property
    def hover(self) -> str:
        """The text of the term's hover help: symbol, then definition."""
        return f"{self.name}" + (f" ({self.symbol})" if self.symbol else "") + f": {self.definition}"


def _t(section: str, name: str, definition: str, symbol: str = "", *forms: str, bare: bool = True,
       not_in: tuple[str, ...] = ()) -> Term:
    return Term(name, definition, symbol, forms, section, bare, not_in)


def uses(term: Term) -> tuple[str, ...]:
    """The spellings that count as a use of `term` in a page's text."""
    return ((term.name,) if term.bare else ()) + term.forms


BASICS, FFN, GATED, MEMORY, READING, SIZES, MOE = (
    "Transformer basics", "The FFN", "Activations and gated FFNs", "The FFN as a key-value memory",
    "Reading a real model", "Sizes, numbers and files", "Mixture of Experts")
SUPERPOSITION = "Superposition and features"

TERMS: tuple[Term, ...] = (
    # --- Transformer basics
    _t(BASICS, "token", "A piece of text the model reads as one unit: a word, part of a word or a byte; "
       "' Paris' (with its leading space) and 'Paris' are different tokens. Each position of the input holds "
       "one token.", "", "tokens"),
    _t(BASICS, "tokenizer", "The fixed procedure that splits text into tokens and maps each to its id in the "
       "vocabulary. SmolLM2's is byte-level BPE (byte-pair encoding: frequent pairs of pieces merged into one).",
       "", "tokenization", "tokenisation", "BPE"),
    _t(BASICS, "vocabulary", "The set of all tokens a model knows, each with an id; the model scores every one "
       "of them when it predicts the next token.", "", "vocab"),
    _t(BASICS, "BOS", "Beginning-of-sequence: a special token some tokenizers put before the text (written "
       "<bos> or <s>). Pages show it as token 0 when the model's tokenizer adds one.", "<bos>", "<bos>"),
    _t(BASICS, "embedding", "The learned vector of d_model numbers that a token's id is turned into before the "
       "first block: row id of the embedding matrix.", "W_E", "embeddings", "embedding matrix"),
    _t(BASICS, "residual stream", "The vector of d_model numbers that each token carries from block to block. "
       "Every attention and FFN sub-layer reads it and adds its output to it, so it is the running sum of the "
       "embedding and of everything the sub-layers wrote.", "x", "residual", "residual connection"),
    _t(BASICS, "Transformer block", "One attention sub-layer and one FFN sub-layer, each with a norm and a "
       "residual connection around it. A model stacks many of them (SmolLM2-135M: 30); 'layer' on the pages "
       "means one block.", "", "block", "sub-layer"),
    _t(BASICS, "attention", "The sub-layer in which each token takes in information from other tokens: it "
       "scores them (query · key), turns the scores into weights with softmax, and adds up their value vectors "
       "with those weights. Its keys and values are computed from the tokens of this text.", "",
       "self-attention", "multi-head attention"),
    _t(BASICS, "attention head", "One of several attention computations run side by side in a layer, each "
       "with its own query, key and value projections.", "", "heads", "query heads"),
    _t(BASICS, "GQA", "Grouped-query attention (Ainslie et al. 2023, EMNLP): several query heads share one key "
       "head and one value head, which shrinks the keys and values a model must keep. SmolLM2-135M has 9 query "
       "heads sharing 3 key/value heads.", "", "grouped-query attention", "key/value heads"),
    _t(BASICS, "causal", "A causal (decoder-only) language model lets each token attend only to itself and "
       "earlier tokens, so the prediction at a position depends only on the text so far.", "",
       "decoder-only", "causal mask"),
    _t(BASICS, "RoPE", "Rotary position embedding (Su et al. 2021, arXiv): position enters attention by "
       "rotating each query and key vector by angles that grow with its position.", "θ",
       "rotary position embedding"),
    _t(BASICS, "softmax", "Turns scores into probabilities: exp(score) divided by the sum of the exps of all "
       "scores. Adding one number to every score leaves the result unchanged.", "softmax(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ"),
    _t(BASICS, "LM", "Language model: a model trained to predict the next token of text.", "",
       "language model", "language models"),
    _t(BASICS, "convex mix", "A weighted sum whose weights are all ≥ 0 and add up to 1: it always lies inside "
       "the convex hull of the vectors mixed. Attention's softmax weights make its sum of value vectors such a mix.",
       "", "convex hull", "convex combination"),
    _t(BASICS, "output projection", "The matrix W_O that joins an attention layer's heads: their outputs are "
       "concatenated and multiplied by W_O before joining the residual stream. Each head's output lies in the "
       "convex hull of its values; after W_O the layer's output lies in no such hull.", "W_O", "W_O"),
    _t(BASICS, "rank collapse", "What stacked attention does without FFNs and skip connections: every token's "
       "vector converges to the same one, doubly exponentially fast with depth (Dong, Cordonnier and Loukas 2021, "
       "ICML).", "", "loses rank"),
    _t(BASICS, "parallel block", "A block that computes attention and the FFN side by side from the same input "
       "and adds both to the residual stream, as in GPT-J and PaLM, instead of one after the other.", "",
       "in parallel"),
    _t(BASICS, "allclose", "Equal up to floating-point rounding: torch.allclose(a, b) is true when every entry "
       "satisfies |a − b| ≤ 1e-8 + 1e-5·|b|, its default tolerances.", "", "torch.allclose"),
    _t(BASICS, "position-wise", "Applied to every position (token) separately, with the same weights. The FFN "
       "is position-wise; attention is not, since it mixes positions.", "", "positionwise"),

    # --- the FFN
    _t(FFN, "FFN", "Feed-forward network: the half of every Transformer block that transforms each token's "
       "vector on its own: widen it from d_model to d_ff, apply a non-linearity, project it back. Also called "
       "the MLP (multi-layer perceptron).", "FFN(x) = W₂ φ(W₁x + b₁) + b₂",
       "feed-forward network", "feed-forward", "MLP"),
    _t(FFN, "dense FFN", "The standard, ungated FFN of GPT-2 and BERT: two matrices with one activation "
       "function between them.", "W₂ φ(W₁x + b₁) + b₂", "standard FFN", "ungated"),
    _t(FFN, "d_model", "The width of the residual stream: how many numbers describe each token between "
       "sub-layers (576 in SmolLM2-135M, 768 in GPT-2 small).", "d_model"),
    _t(FFN, "d_ff", "The FFN's hidden width: how many neurons each FFN has (1,536 in SmolLM2-135M, 3,072 in "
       "GPT-2 small).", "d_ff"),
    _t(FFN, "expansion ratio", "d_ff / d_model. The original Transformer and GPT-2 use 4×; gated FFNs often "
       "use about 8/3× so that three matrices cost what two 4× ones do, but models vary (the budget page "
       "lists real presets).", "d_ff / d_model", "expansion"),
    _t(FFN, "neuron", "One of the d_ff hidden units of an FFN: a key (row i of W₁, or of W_gate and W_up), a "
       "coefficient mᵢ on each token, and a value (column i of W₂ or W_down).", "i", "neurons", "hidden unit"),
    _t(FFN, "W₁", "The first matrix of a dense FFN (d_ff × d_model, with bias b₁): it projects the token up "
       "to the hidden width. Its row i is neuron i's key kᵢ; GPT-2 calls it c_fc.", "W₁", "W1", "W_in", "b₁"),
    _t(FFN, "W₂", "The second matrix of a dense FFN (d_model × d_ff, with bias b₂): it projects back down. "
       "Its column i is neuron i's value vᵢ; GPT-2 calls it c_proj.", "W₂", "W2", "W_out", "b₂"),
    _t(FFN, "bias", "A learned vector added after a matrix product (b₁, b₂). GPT-2 and BERT have them; "
       "LLaMA-style FFNs have none.", "b", "biases"),
    _t(FFN, "activation function", "The element-wise non-linearity inside an FFN (ReLU, GELU, SiLU, …), "
       "written φ. Without it the FFN's two matrices would collapse into one linear map W₂W₁.", "φ",
       "non-linearity", "nonlinearity", "φ"),
    _t(FFN, "activation", "Either the activation function φ, or the number a neuron outputs on a token, which "
       "the key-value pages call its coefficient mᵢ. The pages write 'activation function' or φ for the first "
       "and 'coefficient m' for the second.", "φ or mᵢ", "activations"),
    _t(FFN, "linear map", "A function built only from a matrix product (plus a constant): lines stay lines. "
       "Two linear layers in a row are one linear layer, W₂W₁.", "", "linear layer", "linear layers"),
    _t(FFN, "XOR", "Exclusive or: true when exactly one of two inputs is true. No straight line separates its "
       "two classes, so a linear model cannot learn it; one hidden layer with a non-linearity can.", "x₁ ⊕ x₂"),
    _t(FFN, "universal approximation", "A network with one hidden layer and a non-polynomial activation "
       "function can approximate any continuous function on a bounded region as closely as wanted, given "
       "enough neurons (Cybenko 1989; Hornik et al. 1989; Leshno et al. 1993).", "", "universal approximator"),
    _t(FFN, "LayerNorm", "Layer normalisation (Ba et al. 2016, arXiv): subtracts the mean of the token's "
       "vector, divides by its standard deviation, then multiplies by learned gains and adds a learned bias. "
       "GPT-2 and BERT use it.", "", "layer norm", "layer normalisation"),
    _t(FFN, "RMSNorm", "Root-mean-square normalisation (Zhang & Sennrich 2019, NeurIPS): divides the vector "
       "by its root mean square and multiplies by learned gains, with no mean removed and no bias. LLaMA-style "
       "models, SmolLM2 among them, use it.", "x / rms(x) ⊙ g"),
    _t(FFN, "norm", "A normalisation layer (LayerNorm or RMSNorm) that rescales a token's vector. Pre-norm "
       "blocks (GPT-2, LLaMA) normalise the input of each sub-layer; post-norm blocks (the original "
       "Transformer, BERT) normalise after each addition.", "", "pre-norm", "post-norm", "add & norm",
       "normalisation"),
    _t(FFN, "final norm", "The norm applied to the residual stream after the last block, just before the "
       "unembedding (RMSNorm in SmolLM2, LayerNorm in GPT-2).", "", "final LayerNorm", "final RMSNorm"),

    # --- activations and gated FFNs
    _t(GATED, "ReLU", "Rectified linear unit: max(0, x), exactly zero with zero slope for every negative "
       "input (its dead zone). Leaky ReLU keeps a small slope there, and ReLU² squares the positive part.",
       "max(0, x)", "dead zone", "Leaky ReLU", "ReLU²"),
    _t(GATED, "dying ReLU", "A ReLU neuron whose input has become negative on every input outputs 0 and gets "
       "a zero gradient, so training can no longer revive it (a dead neuron).", "", "dead neuron",
       "dead neurons"),
    _t(GATED, "GELU", "Gaussian error linear unit (Hendrycks & Gimpel 2016, arXiv): x·Φ(x), the input "
       "weighted by how likely a standard normal variable is to lie below it. Its tanh form approximates Φ.",
       "x·Φ(x)", "GELUs"),
    _t(GATED, "Φ", "The standard normal cumulative distribution function: Φ(x) is the probability that a "
       "standard normal variable is below x. Φ(0) = 0.5, Φ(−∞) = 0, Φ(∞) = 1.", "Φ(x)"),
    _t(GATED, "σ", "The logistic sigmoid, σ(x) = 1 / (1 + e⁻ˣ): an S-curve from 0 to 1, with σ(0) = 0.5.",
       "σ(x)", "sigmoid"),
    _t(GATED, "SiLU", "Sigmoid linear unit, also called Swish: x·σ(x) (Elfwing et al. 2018; Ramachandran et "
       "al. 2017 as Swish). Unlike ReLU it is never exactly zero except at 0 and dips to about −0.28 near "
       "x = −1.28.", "x·σ(x)", "Swish"),
    _t(GATED, "gated FFN", "An FFN with three matrices in which each neuron's activated gate multiplies a "
       "second projection of the token (Shazeer 2020, arXiv, after Dauphin et al. 2017's GLU). LLaMA, Mistral "
       "and SmolLM2 use one.", "W_down (φ(W_gate x) ⊙ W_up x)", "GLU", "gating", "gated"),
    _t(GATED, "SwiGLU", "A gated FFN whose gate goes through SiLU (Swish). GeGLU uses GELU (Gemma), ReGLU uses "
       "ReLU (Shazeer 2020, arXiv).", "silu(gate·x) ⊙ up·x", "GeGLU", "ReGLU"),
    _t(GATED, "gate", "In a gated FFN, the projection W_gate x that goes through the activation function; "
       "φ(gate·x) scales the neuron. With SiLU it is not a 0–1 switch: silu(3) ≈ 2.86.", "W_gate",
       "gate_proj", "gate projection", "W_gate"),
    _t(GATED, "up", "In a gated FFN, and on the gating pages, up is W_up x: the projection that is not "
       "activated and is multiplied by φ(gate·x). In a dense FFN 'up projection' means W₁, which is activated: "
       "the same word for a different role.", "W_up", "up_proj", "up projection", "up-projection",
       "up·x", "W_up", bare=False),
    _t(GATED, "down", "The projection back to d_model: W_down in a gated FFN, W₂ in a dense one. Its column i "
       "is neuron i's value vector vᵢ.", "W_down", "down_proj", "down projection", "W_down", bare=False),
    _t(GATED, "⊙", "Element-wise product: two vectors of the same length multiplied entry by entry.", "⊙",
       "element-wise"),
    _t(GATED, "sign pair", "In a gated FFN, the signs of gate·x and up·x for one neuron on one token: four "
       "combinations (++, +−, −+, −−). The coefficient's sign is set by both, so a neuron can write its value "
       "vector or its negative.", "(sign gate·x, sign up·x)", "sign pairs", "gate/up sign"),
    _t(GATED, "sparsity", "How often values are exactly zero: the share of a layer's coefficients that are 0 on "
       "the tokens shown, or on the superposition page the probability S that a feature is 0. ReLU gives many exact "
       "zeros; GELU and SiLU almost none, so 'quiet' needs a stated threshold.", ""),

    # --- key-value memory
    _t(MEMORY, "key-value memory", "Reading an FFN as a memory (Geva et al. 2021, EMNLP): each neuron's key "
       "detects a pattern in the token's vector and its value is what it writes when the key matches, so "
       "FFN(x) = Σᵢ mᵢvᵢ.", "Σᵢ mᵢ vᵢ", "key–value memory", "key-value"),
    _t(MEMORY, "key", "An FFN key kᵢ is a fixed weight vector: row i of W₁ (dense) or of W_gate and W_up "
       "(gated), whose match with the token, kᵢ·x, sets how strongly neuron i fires. On the neuron dictionary "
       "'keys' also names the corpus contexts that make the neuron fire most: what the key detects.", "kᵢ",
       "keys", "key vector", not_in=("key takeaways", "→ keys", "registry key", "session-state key")),
    _t(MEMORY, "value", "An FFN value vᵢ is a fixed weight vector: column i of W₂ or W_down, what neuron i "
       "adds to the residual stream, scaled by its coefficient. Attention's values are different: computed "
       "from the tokens of each text.", "vᵢ", "values", "value vector", "value vectors",
       not_in=("negative values", "URL's values", "lowest value", "hover for values", "control value", "first values",
               "raw value", "bad values", "current value", "toy values")),
    _t(MEMORY, "coefficient", "How strongly neuron i fires on a token, one number per neuron per token: "
       "mᵢ = φ(kᵢ·x + bᵢ) in a dense FFN, φ(gateᵢ·x)·(upᵢ·x) in a gated one. A negative mᵢ makes the neuron "
       "subtract its value vector.", "mᵢ", "coefficients"),
    _t(MEMORY, "sub-update", "What neuron i adds to the residual stream on a token: its value vector times "
       "its coefficient. The FFN's output is the sum of all sub-updates, plus b₂ if there is one (Geva et al. "
       "2022, EMNLP).", "mᵢ·vᵢ", "sub-updates"),
    _t(MEMORY, "attention keys and values", "In attention, keys and values are computed from the tokens of "
       "each text (W_K x, W_V x), so they change with the text; an FFN's keys and values are fixed weights, "
       "the same for every text.", "W_K x, W_V x", "attention's keys", "attention's values"),

    # --- reading a real model
    _t(READING, "logit", "A next-token score before softmax, one per vocabulary token: the final norm's "
       "output dotted with that token's unembedding row. A higher logit means a higher probability.", "",
       "logits", "raw logit"),
    _t(READING, "unembedding", "The matrix that turns the final residual vector into logits, one row per "
       "vocabulary token, also called the LM head. With tied embeddings (SmolLM2, GPT-2) it is the embedding "
       "matrix itself.", "W_U", "unembedding row", "tied embeddings", "LM head"),
    _t(READING, "centred logit", "A token's logit minus the mean logit over the vocabulary. Softmax ignores "
       "whatever lifts every token at once; the centred logit counts such a shift as zero.",
       "logit − mean logit", "centered logit"),
    _t(READING, "logit difference", "One token's logit minus another's (' Paris' rather than ' London'): how "
       "much the model prefers the first. Anything that lifts both equally cancels.", "logit(A) − logit(B)"),
    _t(READING, "readout direction", "The vector u whose dot product with a residual-stream part gives its "
       "share of the explained logit: the target token's unembedding row (minus the vocabulary's mean row for "
       "the centred logit, minus the other token's row for a difference) read through the final norm, that is "
       "times its gains and divided by the residual's rms at that position (its standard deviation for a "
       "LayerNorm, which also removes the mean).", "u"),
    _t(READING, "direct effect", "Neuron i's direct effect on a logit is mᵢ(vᵢ·u): how much its sub-update "
       "moves the logit along the path straight to the output, ignoring what later layers do with it. With the "
       "embedding's and the attention layers' parts (and any biases) the neurons' parts add up to the explained "
       "logit.", "mᵢ (vᵢ · u)", "direct effects", "direct logit attribution", "DLA"),
    _t(READING, "readout", "A vector's readout is its product with the final norm and unembedding: one score "
       "per vocabulary token, high for the tokens it promotes, low for those it suppresses. A value vector's "
       "readout shows what a neuron writes (Geva et al. 2022, EMNLP).", "W_U · norm(v)", "readouts",
       "promoted tokens", "promotes"),
    _t(READING, "rank", "Where a token stands in a readout or a prediction, counted from 1 for the top. A "
       "neuron that ranks a token in the thousands is broad, not a detector of that token.", "",
       not_in=("rank of W",)),
    _t(READING, "attribution", "Splitting a prediction into what each part of the model contributed. The "
       "key-value page offers the direct effect on the centred logit, on a logit difference, and the total "
       "effect.", "", "attributions"),
    _t(READING, "total effect", "How much log p(token) would change if a neuron were switched off, through "
       "every path, later layers included. Estimated for all neurons at once from one backward pass as "
       "gradient × activation (attribution patching; Nanda 2023; Syed et al. 2023, arXiv).",
       "∂ log p / ∂mᵢ · mᵢ", "gradient × activation", "attribution patching"),
    _t(READING, "gradient", "How much a number (here log p of the target) changes per unit change of an "
       "input, found for every input at once by one backward pass.", "∂", "backward pass"),
    _t(READING, "ablation", "Switching a part off (a neuron's coefficient, or a whole FFN's output, set to "
       "zero, or to its mean over a corpus in a mean ablation) and running the model again to see what "
       "changes.", "", "switch off", "switching off", "switched off", "ablate", "mean ablation"),
    _t(READING, "super weight", "A single scalar in one FFN's down projection that some large language models "
       "cannot lose: zeroing it wrecked their predictions, while zeroing thousands of other large weights did "
       "little (Yu et al. 2024, arXiv). It writes the massive activation.", "", "super weights"),
    _t(READING, "massive activation", "One of a few residual-stream values thousands of times larger than the "
       "median, on the first token or a delimiter, appearing after one layer and then kept almost constant (Sun "
       "et al. 2024, COLM); a super weight in that layer's down projection writes it (Yu et al. 2024, arXiv).",
       "", "massive activations"),
    _t(READING, "neuron kinds", "Kinds of neurons read from their weights, and for token frequency from a corpus "
       "too (Gurnee et al. 2024, TMLR; Stolfo et al. 2024, NeurIPS): prediction and suppression neurons promote "
       "or suppress a few tokens, entropy neurons change the model's confidence, token-frequency neurons write "
       "along log token frequency. FFN Lab adds dormant neurons, which barely fire on its corpus, and sets every "
       "threshold itself.", "", "prediction neuron", "suppression neuron", "entropy neuron",
       "token frequency neuron", "dormant", "prediction and suppression"),
    _t(READING, "kurtosis", "How heavy-tailed a distribution is; excess kurtosis is 0 for a normal distribution. "
       "A value vector's readout with high excess kurtosis singles out a few tokens.", "", "excess kurtosis"),
    _t(READING, "entropy", "How unsure a prediction is: −Σ p log p over the vocabulary, in nats; 0 when one "
       "token has all the probability.", "H"),
    _t(READING, "KL divergence", "Kullback–Leibler divergence: how far one probability distribution is from "
       "another, in nats; 0 when they are equal.", "KL(p ‖ q)", "KL"),
    _t(READING, "logit lens", "Reading the residual stream after each layer through the final norm and "
       "unembedding, as if the model stopped there (nostalgebraist 2020, LessWrong).", "", "layer by layer"),
    _t(READING, "probability", "The model's probability for the next token, the softmax of the logits.",
       "p(token)", "p(next token)"),
    _t(READING, "loss", "Cross-entropy: −log p of the token that actually comes next, averaged over the "
       "text, in nats (natural logarithm). Lower is better.", "−log p", "cross-entropy", "nats"),
    _t(READING, "perplexity", "e to the power of the loss in nats: how many tokens the model is, on average, "
       "as unsure between as if it picked uniformly among them. Its logarithm, the log-perplexity, is the loss "
       "itself; lower is better.", "e^loss", "log-perplexity"),
    _t(READING, "top-k", "The k highest-scoring items. On the key-value page, the k likeliest next tokens; on "
       "the Mixture of Experts page, the k experts a router runs for each token.", "k", "top k"),
    _t(READING, "corpus", "The collection of text that ships with the app, over which the neuron dictionary "
       "finds each neuron's strongest contexts.", "", "corpora"),
    _t(READING, "top contexts", "The passages of the corpus where a neuron's coefficient is largest (or most "
       "negative): max-activating examples, as Neuroscope and Neuronpedia show them.", "",
       "max-activating examples", "strongest contexts"),
    _t(READING, "explanation", "A neuron's explanation: one line per sign of its coefficient saying what it fires on "
       "(tokens, the token before, a whole word, forms of a word, a WordNet meaning, a token pair, a kind of token, "
       "a position or a kind of text), drawn from its strongest firings without a language model and scored on "
       "held-out text, and what it writes, read from its value vector (not scored).", "", "explanations", "in words"),
    _t(READING, "held-out", "Kept apart: the part of the corpus (a seeded random fifth of the documents of each "
       "kind of text) that the explanations never see while they are chosen and that only scores them, so a score "
       "says how well an explanation carries over to other documents rather than how well it fits its own.", "",
       "held out"),
    _t(READING, "simulator", "A rule that predicts a neuron's coefficient on every token from its explanation "
       "alone: on each group the explanation names, the neuron's average coefficient there in the training part "
       "(pulled towards its overall average when the group is small), and its average elsewhere. OpenAI's "
       "simulator is a language model reading words; ours is this look-up.", "", "simulation", "simulates"),
    _t(READING, "correlation", "Pearson correlation of two lists of numbers: 1 when they rise and fall together "
       "exactly, 0 when one says nothing linear about the other. An explanation's correlation score compares "
       "the simulator's predictions with the true coefficients on held-out text, over the neuron's top excerpts "
       "plus random ones (as OpenAI scores) or over every token.", "r", "correlation score"),
    _t(READING, "look-up table baseline", "A neuron's mean coefficient on every frequent token, used as a "
       "simulator: not a short explanation, but roughly the ceiling of rules that read only the current token.",
       "", "full token look-up table", "token look-up table", "look-up table"),
    _t(READING, "random-weight baseline", "The same explanation pipeline run on a model of the same shape with "
       "random, untrained weights; explanations of such a model can score like a trained one's (Heap et al. "
       "2025, arXiv), so a trained model's score means something only above it.", "",
       "random-weight model", "random-weight model's lines", "randomly initialised model"),
    _t(READING, "shuffled explanation", "A neuron scored with the explanation of another neuron of its layer, "
       "chosen at random: the baseline a real explanation must beat. On average near 0 correlation; one draw per "
       "neuron, so a single shuffled score can differ by about ±0.2 by chance.", "",
       "shuffled explanations", "shuffled line", "shuffled lines", "shuffled"),

    # --- sizes, numbers and files
    _t(SIZES, "parameter", "One learned number of a model: an entry of a weight matrix or a bias.", "",
       "parameters"),
    _t(SIZES, "non-embedding parameters", "All parameters except the embedding and unembedding matrices; "
       "the usual base when comparing what the FFN and attention hold.", "", "non-embedding"),
    _t(SIZES, "FLOPs", "Floating-point operations (not per second). A product of an m × n matrix with a "
       "vector costs about 2mn FLOPs, one multiply and one add per weight.", ""),
    _t(SIZES, "fp32", "32-bit floating point: 4 bytes a number. FFN Lab computes in fp32.", "", "float32"),
    _t(SIZES, "bf16", "bfloat16: a 16-bit float with fp32's range and less precision, 2 bytes a number; "
       "fp16 is the other 16-bit float, with more precision and less range.", "", "bfloat16", "fp16"),
    _t(SIZES, "int8", "8-bit integers, 1 byte a weight, with a scale per block or row of weights to map them "
       "back to real numbers (a quantisation).", "", "quantisation", "quantization", "quantised"),
    _t(SIZES, "int4", "4-bit integers, half a byte a weight, again with scales per block; GGUF's Q4_1 keeps "
       "a scale and a minimum for each block of 32 weights.", "", "Q4_1"),
    _t(SIZES, "GGUF", "The single-file model format of llama.cpp: weights (often quantised), tokenizer and "
       "settings together. FFN Lab reads SmolLM2-135M from one and dequantises it to fp32.", "",
       "dequantise", "dequantises"),
    _t(SIZES, "tensor", "An array of numbers with a shape, such as a weight matrix of shape d_ff × d_model.",
       "", "tensors"),

    # --- Mixture of Experts
    _t(MOE, "MoE", "Mixture of Experts: an FFN layer made of several FFNs (experts), of which a router runs "
       "only a few for each token (Shazeer et al. 2017, ICLR; Mixtral: Jiang et al. 2024, arXiv).", "",
       "Mixture of Experts", "mixture of experts"),
    _t(MOE, "expert", "One of the FFNs of a Mixture-of-Experts layer, with its own weights.", "",
       "experts", "shared expert", "shared experts"),
    _t(MOE, "router", "A small linear layer that scores every expert for a token; the top-k scores choose "
       "which experts run, and their outputs are weighted by a softmax of the chosen scores (as in "
       "Mixtral).", "", "gating network", "routing"),
    _t(MOE, "expert load", "How many tokens an expert receives; a balanced router spreads them evenly.", "",
       "load per expert", "load balance"),
    _t(MOE, "active parameters", "The parameters used for one token: in an MoE model only the k chosen "
       "experts' FFNs count, so they are far fewer than the total.", "", "total parameters"),

    # --- superposition and features
    _t(SUPERPOSITION, "feature", "A property of the input that a model tracks, such as 'this token is a month'; in "
       "the superposition page's toy model, one input number xᵢ, zero most of the time. In a shape such as "
       "(batch, tokens, features) the word only counts a vector's numbers.", "xᵢ", "features"),
    _t(SUPERPOSITION, "superposition", "Storing more features than a layer has dimensions, each as a direction, "
       "with directions that overlap: it pays when features are rarely on together (Elhage et al. 2022, "
       "Transformer Circuits Thread).", "", "in superposition"),
    _t(SUPERPOSITION, "polysemantic", "A neuron is polysemantic when it fires for several unrelated features, "
       "and monosemantic when it fires for one.", "", "polysemanticity", "monosemantic", "monosemanticity"),
    _t(SUPERPOSITION, "sparse autoencoder", "A wide layer trained to rewrite a model's activations as a sum of a "
       "few of many learned directions, each meant to read as one feature (Bricken et al. 2023, Towards "
       "Monosemanticity).", "", "sparse autoencoders", "SAE", "SAEs", "sparse dictionary", "sparse dictionaries"),
    _t(SUPERPOSITION, "transcoder", "A wide, sparse FFN trained to reproduce an FFN's output from its input, whose "
       "hidden units are read as features in place of the FFN's neurons (Dunefsky, Chlenski & Nanda 2024, "
       "NeurIPS).", "", "transcoders"),
)

# Abbreviations spelled out in the pages' sense, for the lint: every all-caps word a page writes
# must be a term, a form of one, or listed in tests/content/test_glossary.py as a proper name.


@lru_cache(maxsize=1)
def by_name() -> dict[str, Term]:
    """Every name and form (lower-cased) -> its term."""
    out: dict[str, Term] = {}
    for term in TERMS:
        for form in (term.name, *term.forms):
            out.setdefault(_key(form), term)
    return out


def _key(form: str) -> str:
    """Words compare in lower case; symbols as written (φ is not Φ)."""
    return form.lower() if form[:1].isascii() else form


def lookup(name: str) -> Term:
    """The term for a name or any of its forms; KeyError names what is missing."""
    try:
        return by_name()[_key(name)]
    except KeyError:
        raise KeyError(f"'{name}' is not in the glossary (content/glossary.py)") from None


@lru_cache(maxsize=1024)  # each inline code span of a page's prose, on every rerun: 289 patterns tried
def spelled(text: str) -> Term | None:
    """The term that `text` is, all of it, spelled as a use of it counts ('d_model'), or None."""
    return next((t for p, t, _ in _patterns() if p.fullmatch(text)), None)


def defines(word: str) -> bool:
    """Whether the glossary defines `word` (a name or form, or its plural)."""
    w = _key(word)
    return any(w[:len(w) - len(end)] in by_name() for end in ("", "s", "es") if w.endswith(end))


def _needs_case(form: str) -> bool:
    """Abbreviations and symbols match as written ('LM' not 'lm', 'σ' not 'Σ'); words in any case."""
    return any(ch.isupper() for ch in form[1:]) or not form[:1].isascii() or not form[:1].isalpha()


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, Term, str]]:
    """One pattern per form, longest first so 'logit lens' wins over 'logit', with the form case-folded:
    a text whose case-folded self lacks it cannot match, and that test is far cheaper than the pattern."""
    forms = sorted(((f, t) for t in TERMS for f in uses(t)), key=lambda ft: -len(ft[0]))
    out = []
    for form, term in forms:
        body = re.escape(form) + (r"(?:s|es)?" if form[-1:].isalpha() else "")
        flags = 0 if _needs_case(form) else re.IGNORECASE
        out.append((re.compile(r"(?<![\w\-])" + body + r"(?![\w])", flags), term, form.casefold()))
    return out


def find(text: str) -> list[tuple[int, int, Term]]:
    """(start, end, term) of every term use in `text`, left to right, longer names first where two
    overlap ('logit lens' is one use of the logit lens, not of 'logit')."""
    return list(_find(text))


@lru_cache(maxsize=4096)  # a page's rerun marks the same prose again: its texts' uses are kept
def _find(text: str) -> tuple[tuple[int, int, Term], ...]:
    taken: list[tuple[int, int, Term]] = []
    lowered, folded = text.lower(), text.casefold()
    for pattern, term, needle in _patterns():
        if needle not in folded:
            continue
        other = [(i, i + len(p)) for p in term.not_in for i in _all(lowered, p.lower())]
        for m in pattern.finditer(text):
            if any(s <= m.start() and m.end() <= e for s, e in other):
                continue
            if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                taken.append((m.start(), m.end(), term))
    return tuple(sorted(taken, key=lambda x: x[0]))


def _all(text: str, phrase: str) -> list[int]:
    """Every start of `phrase` in `text`."""
    return [m.start() for m in re.finditer(re.escape(phrase), text)]


def terms_in(text: str) -> list[Term]:
    """The terms `text` uses, in order of first use, each once."""
    seen: dict[str, Term] = {}
    for _, _, term in find(text):
        seen.setdefault(term.name, term)
    return list(seen.values())


def sections() -> dict[str, list[Term]]:
    """The terms by section, in the glossary's order, each section sorted by name."""
    out: dict[str, list[Term]] = {}
    for term in TERMS:
        out.setdefault(term.section, []).append(term)
    return {s: sorted(ts, key=lambda t: t.name.lower().lstrip("⊙φσΦ")) for s, ts in out.items()}


# The notation card: one row per idea, the names each reading gives it.
NOTATION_COLUMNS = ("idea", "dense FFN (GPT-2, BERT)", "gated FFN (LLaMA, SmolLM2)", "key-value reading (Geva et al.)")
NOTATION: tuple[tuple[str, str, str, str], ...] = (
    ("first projection", "W₁ (GPT-2: c_fc), often called 'up'", "W_gate (gate_proj) and W_up (up_proj)",
     "keys kᵢ: row i of W₁, or rows i of W_gate and W_up"),
    ("bias", "b₁ and b₂", "none", "b₁ᵢ is part of neuron i's key"),
    ("activation function", "φ(W₁x + b₁): GELU in GPT-2", "φ(W_gate x): SiLU in SwiGLU", "φ"),
    ("neuron i's number on a token", "mᵢ = φ(kᵢ·x + b₁ᵢ)", "mᵢ = φ(gateᵢ·x) · (upᵢ·x)",
     "coefficient mᵢ (also called its activation)"),
    ("second projection", "W₂ (GPT-2: c_proj), often called 'down'", "W_down (down_proj)",
     "values vᵢ: column i of W₂ or W_down"),
    ("what neuron i writes", "mᵢ·vᵢ", "mᵢ·vᵢ", "sub-update mᵢ·vᵢ"),
    ("the FFN's output", "Σᵢ mᵢvᵢ + b₂", "Σᵢ mᵢvᵢ", "FFN(x) = Σᵢ mᵢvᵢ (+ b₂)"),
    ("matrices and shapes", "W₁: d_ff × d_model, W₂: d_model × d_ff",
     "W_gate, W_up: d_ff × d_model, W_down: d_model × d_ff", "d_ff keys and d_ff values of length d_model"),
)
KEYS_VALUES_COLUMNS = ("", "FFN (a key-value memory)", "attention")
KEYS_VALUES: tuple[tuple[str, str, str], ...] = (
    ("keys", "kᵢ: fixed weights (rows of W₁ or W_gate/W_up), the same for every text",
     "W_K x: computed from the tokens of this text"),
    ("values", "vᵢ: fixed weights (columns of W₂ or W_down), the same for every text",
     "W_V x: computed from the tokens of this text"),
    ("how much of each value", "coefficient mᵢ = φ(kᵢ·x …): any sign, any size",
     "softmax weights of query·key: ≥ 0 and adding up to 1"),
    ("what a token sees", "only itself", "itself and (in a causal model) the tokens before it"),
    ("how many", "d_ff per layer (1,536 in SmolLM2-135M)", "one key and one value per token per head"),
)
