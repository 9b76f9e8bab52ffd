"""The tokenizer a GGUF file's metadata describes, rebuilt with the `tokenizers` library as
transformers' GGUF loader rebuilds it, so both give the same token ids: byte-level BPE ('gpt2' in a
file) with one of the ways of splitting text in SPLITS, or SentencePiece's BPE ('llama' in a file)
laid out as its family's files lay it out (families.Family.sentencepiece). Anything else is
refused by `unsupported`, not guessed: another split gives other ids than the model was trained on.
"""
from __future__ import annotations

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from model.architectures.families import RUNNABLE, Family

CONTROL_TOKEN = 3  # llama.cpp token type for special tokens such as <|im_start|>
USER_DEFINED_TOKEN = 4  # llama.cpp token type for tokens always matched whole, such as <start_of_turn>

# Byte-level BPE's ways of splitting text before the merges, by the file's tokenizer.ggml.pre
_SPLIT_LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_SPLIT_QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPLITS: dict[str, str | None] = {"smollm": None, "gpt-2": None, "qwen2": _SPLIT_QWEN2, "llama-bpe": _SPLIT_LLAMA3}
BYTE_LEVEL = "gpt2"  # tokenizer.ggml.model of byte-level BPE vocabularies
TOKENIZERS = {(BYTE_LEVEL, pre) for pre in SPLITS}
SENTENCEPIECE = "llama"  # tokenizer.ggml.model of SentencePiece BPE vocabularies, whatever their 'pre'
SENTENCEPIECE_FAMILIES = [name for name, f in RUNNABLE.items() if f.sentencepiece]


def _pre_tokenizer(pre: str):
    """How text is split before the merges: 'smollm' puts every digit on its own, then GPT-2's
    byte-level split; 'gpt-2' is that split alone; the others split with their own pattern."""
    if pre == "gpt-2":
        return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    first = (pre_tokenizers.Digits(individual_digits=True) if pre == "smollm"
             else pre_tokenizers.Split(Regex(SPLITS[pre]), behavior="isolated"))
    return pre_tokenizers.Sequence([first, pre_tokenizers.ByteLevel(add_prefix_space=False,
                                                                     use_regex=pre == "smollm")])


def _special_tokens(tok: Tokenizer, tokens: list[str], token_types: list[int]) -> None:
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, kind in zip(tokens, token_types) if kind == CONTROL_TOKEN])


def build_tokenizer(tokens: list[str], merges: list[str], token_types: list[int], pre: str = "smollm") -> Tokenizer:
    """Byte-level BPE with the file's vocabulary, merges, special tokens and split of the text."""
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)},
                     merges=[tuple(m.split(" ", 1)) for m in merges])
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = _pre_tokenizer(pre)
    tok.decoder = decoders.ByteLevel()
    _special_tokens(tok, tokens, token_types)
    return tok


def merges_from_scores(tokens: list[str], scores: dict[str, float]) -> list[tuple[str, str]]:
    """The BPE merges a SentencePiece vocabulary implies (its files list none): every way of cutting
    a token into two tokens, best-scored token first, shorter left pieces first among equals
    (the rule of transformers' `generate_merges`, so both give the same ids)."""
    index = {t: i for i, t in enumerate(tokens)}
    merges = []
    for token, score in scores.items():
        cuts = [(token[:i], token[i:], score) for i in range(1, len(token)) if token[:i] in index and token[i:] in index]
        merges += sorted(cuts, key=lambda m: (index[m[0]], index[m[1]]))
    merges.sort(key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    return [(left, right) for left, right, _ in merges]


def build_sentencepiece(tokens: list[str], scores: list[float], token_types: list[int], layout: str = "llama",
                        bos: int | None = None) -> Tokenizer:
    """SentencePiece BPE as transformers rebuilds it from a GGUF: spaces written '▁', unknown
    characters spelled as byte tokens, and (`bos`) the begin-of-text token in front, as these
    models were trained. LLaMA's `layout` puts a '▁' before the text and orders its merges by
    score; Gemma's adds no '▁', stores runs of spaces as spaces, and orders by file position."""
    gemma = layout == "gemma"
    if gemma:
        tokens = ["▁" * len(t) if " " in t and not t.strip() else t for t in tokens]
        order = {t: -i for i, t in enumerate(tokens)}
    else:
        order = dict(zip(tokens, scores))
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges_from_scores(tokens, order),
                               fuse_unk=True, byte_fallback=True, unk_token="<unk>" if gemma else None))
    if gemma:
        tok.normalizer = normalizers.Replace(" ", "▁")
    else:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    # no Strip of the prefix '▁': pages show single tokens, and ' Paris' must keep its space
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    _special_tokens(tok, tokens, token_types)
    tok.add_tokens([AddedToken(t, special=False, normalized=False)
                    for t, kind in zip(tokens, token_types) if kind == USER_DEFINED_TOKEN])
    if bos is not None:
        tok.post_processor = processors.TemplateProcessing(single=f"{tokens[bos]} $A", pair=f"{tokens[bos]} $A $B",
                                                           special_tokens=[(tokens[bos], bos)])
    return tok


def unsupported(meta: dict, family: Family) -> str | None:
    """Why FFN Lab cannot rebuild the tokenizer of a file of `family` with metadata `meta`
    (words that follow the file's name), or None when it can."""
    kind = (meta.get("tokenizer.ggml.model"), meta.get("tokenizer.ggml.pre"))
    if kind in TOKENIZERS or (kind[0] == SENTENCEPIECE and family.sentencepiece):
        return None
    return (f"uses the tokenizer {kind[0]!r} with pre-tokenizer {kind[1]!r}; "
            f"FFN Lab reproduces {', '.join(f'{m!r}/{p!r}' for m, p in sorted(TOKENIZERS))} "
            f"and SentencePiece ({SENTENCEPIECE!r}) for {', '.join(SENTENCEPIECE_FAMILIES)} "
            "exactly, and does not guess at others.")


def tokenizer_from(meta: dict, family: Family) -> Tokenizer:
    """The tokenizer a file's metadata describes (one `unsupported` accepted)."""
    field = lambda name: meta[f"tokenizer.ggml.{name}"]  # noqa: E731
    if field("model") == SENTENCEPIECE:
        # llama.cpp puts BOS first unless the file says not to
        bos = meta.get("tokenizer.ggml.bos_token_id") if meta.get("tokenizer.ggml.add_bos_token", True) else None
        return build_sentencepiece(field("tokens"), field("scores"), field("token_type"), family.sentencepiece,
                                   None if bos is None else int(bos))
    return build_tokenizer(field("tokens"), field("merges"), field("token_type"), field("pre"))
