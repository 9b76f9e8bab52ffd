"""Train a transcoder for one FFN layer: a wide, sparse FFN (model/lm/transcoder.py) that reproduces the
layer's output from its input, trained on the built-in dictionary's corpus with the neuron explanations'
split (their training documents; their held-out fifth scores it).

Three stages, each resumed from the checkpoint folder after an interruption:
1. collect: one pass of the blocks up to the layer over the corpus keeps every token's FFN input and
   output (float16), and for held-out windows the residual stream before the layer and the next-token
   loss of the clean model and of the model with the layer's FFN zeroed;
2. train: epochs over the training tokens in a seeded order, checkpointed every `checkpoint_every` steps,
   with a held-out evaluation every `eval_every` tokens (the learning curve kept in the file);
3. score, on the held-out documents: the fraction of variance unexplained, L0, dead latents, and the
   next-token loss with the FFN replaced by the transcoder (its float16 weights, as saved) against clean
   and zeroed.

Run: python -m model.lm.build_transcoder --layer N [--model KEY_OR_GGUF] [--out PATH] [--expansion 16]
     [--k 32] [--epochs 8] [--minutes M]
The file goes to the cache folder by default (<cache>/<model>.transcoder-<N>.npz), not beside the
shipped dictionaries: until a layer meets the issue's targets its weights are a measurement, not
something the app should ship (--out model/lm/dictionaries/... ships one).
Needs the model's dictionary (shipped, or built by python -m model.lm.build_dictionary).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from model.architectures.transformer import Transformer
from model.lm import build_dictionary, gguf_loader
from model.lm import explanations as ex
from model.lm import transcoder as tr
from model.lm.interventions import with_ffn
from model.lm.neuron_dictionary import NeuronDictionary, model_key
from model.util.atomic_file import write_atomically

BUILD_VERSION = 1  # part of the checkpoint's key


@dataclass(frozen=True)
class Settings:
    layer: int
    expansion: int = 16  # latents per model dimension
    k: int = 32  # active latents per token (TopK)
    batch: int = 1024  # tokens per step
    lr: float | None = None  # None: tr.default_lr(n_latents)
    warmup_steps: int = 100
    epochs: float = 8.0  # passes over the training tokens
    dead_tokens: int = 100_000  # a latent that fired on none of this many tokens is dead (AuxK)
    seed: int = 0
    eval_every: int = 250_000  # training tokens between held-out evaluations (the curve)
    curve_windows: int = 16  # held-out windows whose loss each evaluation measures
    loss_windows: int = 0  # held-out windows the final loss is measured on (0: all)
    checkpoint_every: int = 50  # steps
    skip_first: bool = False  # leave each window's first position out: trained, scored and replaced only
    # elsewhere (where a layer writes a massive activation at the window's first token, as layer 11 of SmolLM2)

    def n_latents(self, d_model: int) -> int:
        return self.expansion * d_model


def default_path(model_source: Path, layer: int) -> Path:
    return gguf_loader.cache_dir() / f"{model_source.stem}.transcoder-{layer}.npz"


def shipped_path(model_source: Path, layer: int) -> Path:
    return build_dictionary.SHIPPED / f"{model_source.stem}.transcoder-{layer}.npz"


# ---------------------------------------------------------------- passes through part of the model

def run_blocks(model: Transformer, x: Tensor, first: int, last: int) -> Tensor:
    """The residual stream (1, T, d) after blocks first..last-1, from `x` before block `first`."""
    rope = model._rope(x.shape[1])
    for block in list(model.blocks)[first:last]:
        x = block.trace(x, rope).x_out
    return x


@torch.inference_mode()
def ffn_io(model: Transformer, ids: Tensor, layer: int) -> tuple[Tensor, Tensor, Tensor]:
    """For one window of ids (T,): the residual stream before block `layer`, what its FFN reads (after the
    norm) and what it writes (before any post-norm), each (T, d)."""
    got = {}

    def record(x: Tensor, t) -> Tensor:
        got["x"], got["y"] = x, t.output
        return t.output

    before = run_blocks(model, model.embed(ids[None]), 0, layer)
    run_blocks(with_ffn(model, layer, record), before, layer, layer + 1)
    return before[0], got["x"][0], got["y"][0]


@torch.inference_mode()
def window_loss(model: Transformer, before: Tensor, ids: Tensor, layer: int) -> float:
    """Summed next-token cross-entropy over a window (T - 1 predictions), from the residual stream
    `before` (T, d) block `layer`."""
    x = run_blocks(model, before[None], layer, model.cfg.n_layers)
    return float(F.cross_entropy(model.logits_at(x[0])[:-1].float(), ids[1:], reduction="sum"))


def zeroed(model: Transformer, layer: int, skip_first: bool = False) -> Transformer:
    """The model with the layer's FFN writing zero (`skip_first`: except at position 0)."""
    if skip_first:
        return with_ffn(model, layer, lambda x, t: torch.cat([t.output[:, :1], torch.zeros_like(t.output[:, 1:])], 1))
    return with_ffn(model, layer, lambda x, t: torch.zeros_like(t.output))


def replaced(model: Transformer, layer: int, tc: tr.Transcoder, skip_first: bool = False) -> Transformer:
    """The model with the layer's FFN replaced by the transcoder (`skip_first`: except at position 0,
    where the FFN's own output stays)."""
    if skip_first:
        return with_ffn(model, layer, lambda x, t: torch.cat([t.output[:, :1], tc(x[:, 1:])], 1))
    return with_ffn(model, layer, lambda x, t: tc(x))


# ---------------------------------------------------------------- stage 1: collect

@dataclass
class Split:
    train: list[np.ndarray]  # corpus positions of each training window
    held: list[np.ndarray]

    @classmethod
    def of(cls, d: NeuronDictionary) -> "Split":
        held = ex.split_documents(d)
        return cls(ex.split_windows(d, ex.training_documents(d, held)), ex.split_windows(d, held))

    def tokens(self, which: str) -> int:
        return sum(len(w) for w in getattr(self, which))

    def rows(self, which: str, skip_first: bool) -> np.ndarray:
        """The collected rows to train or score on: all, or all but each window's first."""
        windows = getattr(self, which)
        everything = np.arange(self.tokens(which))
        return np.setdiff1d(everything, _starts(windows)[:-1]) if skip_first else everything


def _memmap(path: Path, shape: tuple[int, ...], dtype, create: bool) -> np.ndarray:
    return np.lib.format.open_memmap(path, mode="w+" if create else "r+", dtype=dtype, shape=shape)


def _starts(windows: list[np.ndarray]) -> np.ndarray:
    """Each window's first row among the rows of all windows in order (and the total last)."""
    return np.concatenate([[0], np.cumsum([len(w) for w in windows])]).astype(np.int64)


def collect(model: Transformer, d: NeuronDictionary, split: Split, layer: int, folder: Path,
            progress: Callable[[int, int], None] | None = None, flush_every: int = 50, workers: int = 1,
            loss_windows: int = -1, skip_first: bool = False) -> None:
    """Stage 1 into `folder`, resumed from its collect.json. `workers` windows go through the model at
    once (each pass on the calling torch threads); the clean and zeroed losses are measured on the first
    `loss_windows` held-out windows (-1: all; NaN for the others), the FFN zeroed but at position 0 with
    `skip_first`."""
    state_file = folder / "collect.json"
    state = json.loads(state_file.read_text()) if state_file.is_file() else {"windows": 0, "done": False}
    if state["done"]:
        return
    create = state["windows"] == 0
    dm, n_train, n_held = model.cfg.d_model, split.tokens("train"), split.tokens("held")
    arrays = {name: _memmap(folder / f"{name}.npy", (n, dm), dtype, create) for name, n, dtype in (
        ("x_train", n_train, np.float16), ("y_train", n_train, np.float16), ("x_held", n_held, np.float16),
        ("y_held", n_held, np.float16), ("before_held", n_held, np.float32))}
    # summed next-token loss of each held-out window: clean, and with the layer's FFN zeroed
    losses = np.full((2, len(split.held)), np.nan) if create else np.load(folder / "losses.npy")
    windows = [("train", j, w) for j, w in enumerate(split.train)] + [("held", j, w) for j, w in enumerate(split.held)]
    starts = {"train": _starts(split.train), "held": _starts(split.held)}
    done_tokens = _starts([w for _, _, w in windows])
    off = zeroed(model, layer, skip_first)
    n_loss = len(split.held) if loss_windows < 0 else loss_windows

    def one(window: tuple[str, int, np.ndarray]):
        which, j, positions = window
        ids = torch.from_numpy(d.ids[positions].astype(np.int64))
        before, x, y = ffn_io(model, ids, layer)
        loss = (window_loss(model, before, ids, layer), window_loss(off, before, ids, layer)) \
            if which == "held" and j < n_loss else None
        return before, x, y, loss

    with ThreadPoolExecutor(workers, thread_name_prefix="transcoder-collect") as pool:
        for first in range(state["windows"], len(windows), flush_every):
            chunk = windows[first:first + flush_every]
            for (which, j, _), (before, x, y, loss) in zip(chunk, pool.map(one, chunk)):
                rows = slice(int(starts[which][j]), int(starts[which][j + 1]))
                arrays[f"x_{which}"][rows], arrays[f"y_{which}"][rows] = x.numpy(), y.numpy()
                if which == "held":
                    arrays["before_held"][rows] = before.numpy()
                if loss is not None:
                    losses[:, j] = loss
            done = first + len(chunk)
            for a in arrays.values():
                a.flush()
            np.save(folder / "losses.npy", losses)
            state_file.write_text(json.dumps({"windows": done, "done": done == len(windows)}))
            if progress:
                progress(int(done_tokens[done]), int(done_tokens[-1]))


def load_pairs(folder: Path, which: str) -> tuple[Tensor, Tensor]:
    """The collected (FFN input, FFN output) rows, float16, memory-mapped (copy on write: never written)."""
    return tuple(torch.from_numpy(np.load(folder / f"{name}_{which}.npy", mmap_mode="c")) for name in "xy")


# ---------------------------------------------------------------- evaluation

@dataclass
class Scores:
    fvu: float
    l0: float
    dead: float  # share of latents that fired on no held-out token
    loss_replaced: float = math.nan  # mean next-token loss per prediction over the windows measured
    loss_clean: float = math.nan
    loss_zeroed: float = math.nan
    loss_tokens: int = 0

    @property
    def loss_recovered(self) -> float:
        return tr.loss_recovered(self.loss_clean, self.loss_zeroed, self.loss_replaced)


@torch.inference_mode()
def score(tc: tr.Transcoder, model: Transformer, d: NeuronDictionary, split: Split, layer: int, folder: Path,
          n_windows: int, batch: int = 4096, progress: Callable[[int, int], None] | None = None,
          workers: int = 1, skip_first: bool = False) -> Scores:
    """FVU, L0 and dead latents over every held-out token (`skip_first`: but each window's first); the
    next-token losses over the first `n_windows` held-out windows (0: none, -1: all that collect
    measured), `workers` windows at once."""
    x, y = load_pairs(folder, "held")
    rows = torch.from_numpy(split.rows("held", skip_first))
    fit, counts, active = tr.FitSums(), torch.zeros(tc.n_latents, dtype=torch.long), 0.0
    for i in range(0, len(rows), batch):
        xb, yb = x[rows[i:i + batch]].float(), y[rows[i:i + batch]].float()
        e = tc.encode(xb)
        fit.add(yb, (tc.decode_scaled(e.values, e.indices) + tc.b_dec) / tc.out_scale)
        counts += tr.fire_counts(e.indices, e.values, tc.n_latents)
        active += tr.l0(e.values) * len(xb)
    out = Scores(fit.fvu, active / len(rows), tr.dead_fraction(counts))
    losses = np.load(folder / "losses.npy")
    measured = int(np.argmin(np.isfinite(losses[0]))) if not np.isfinite(losses[0]).all() else losses.shape[1]
    n = measured if n_windows < 0 else min(n_windows, measured)
    if n == 0:
        return out
    before = np.load(folder / "before_held.npy", mmap_mode="r")
    starts, view, total = _starts(split.held), replaced(model, layer, tc, skip_first), 0.0

    def one(j: int) -> float:
        ids = torch.from_numpy(d.ids[split.held[j]].astype(np.int64))
        return window_loss(view, torch.from_numpy(np.array(before[starts[j]:starts[j + 1]])), ids, layer)

    with ThreadPoolExecutor(workers, thread_name_prefix="transcoder-score") as pool:
        for j, loss in enumerate(pool.map(one, range(n))):
            total += loss
            if progress:
                progress(j + 1, n)
    predictions = sum(len(w) - 1 for w in split.held[:n])
    return Scores(out.fvu, out.l0, out.dead, total / predictions, float(losses[0, :n].sum()) / predictions,
                  float(losses[1, :n].sum()) / predictions, predictions)


# ---------------------------------------------------------------- stage 2: train

CURVE = ("tokens", "epochs", "seconds", "train_fvu", "fvu", "l0", "dead", "loss_recovered")


@dataclass
class Run:
    """Everything a resumed training needs beside the data."""
    tc: tr.Transcoder
    opt: torch.optim.Optimizer
    state: tr.TrainState
    epoch: int = 0
    step_in_epoch: int = 0
    seconds: float = 0.0  # training wall time so far, over every run
    curve: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in CURVE})
    train_fvu: list[float] = field(default_factory=list)  # batch FVUs since the last evaluation

    def save(self, path: Path, key: str) -> None:
        blob = {"key": key, "tc": self.tc.state_dict(), "opt": self.opt.state_dict(),
                "since_fired": self.state.since_fired, "tokens": self.state.tokens, "steps": self.state.steps,
                "epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "seconds": self.seconds,
                "curve": self.curve, "train_fvu": self.train_fvu}
        write_atomically(path, lambda tmp: torch.save(blob, tmp))

    def resume(self, path: Path, key: str) -> bool:
        try:
            blob = torch.load(path, weights_only=True)
        except (OSError, RuntimeError, EOFError):
            return False
        if blob.get("key") != key:
            return False
        self.tc.load_state_dict(blob["tc"])
        self.opt.load_state_dict(blob["opt"])
        self.state.since_fired, self.state.tokens, self.state.steps = blob["since_fired"], blob["tokens"], blob["steps"]
        self.epoch, self.step_in_epoch, self.seconds = blob["epoch"], blob["step_in_epoch"], blob["seconds"]
        self.curve, self.train_fvu = blob["curve"], blob["train_fvu"]
        return True


def train_key(s: Settings, collect_key: str) -> str:
    return hashlib.sha256(json.dumps([collect_key, asdict(s)], sort_keys=True).encode()).hexdigest()[:16]


def order(n: int, seed: int, epoch: int) -> Tensor:
    """The training rows' order in an epoch: seeded, a new one each epoch."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def train(model: Transformer, d: NeuronDictionary, split: Split, s: Settings, folder: Path, key: str,
          progress: Callable[[int, int], None] | None = None, minutes: float | None = None, workers: int = 1,
          threads: int | None = None) -> Run:
    """Stage 2: train until `s.epochs` passes (or `minutes` of this call's wall time, checkpointed); the
    steps on `threads` torch threads, the evaluations' passes `workers` at once on the caller's."""
    passes = torch.get_num_threads()
    try:
        torch.set_num_threads(threads or passes)
        return _train(model, d, split, s, folder, key, progress, minutes, workers, passes)
    finally:
        torch.set_num_threads(passes)


def _train(model, d, split, s, folder, key, progress, minutes, workers, passes) -> Run:
    x, y = load_pairs(folder, "train")
    usable = torch.from_numpy(split.rows("train", s.skip_first))
    n_latents = s.n_latents(model.cfg.d_model)
    tc = tr.Transcoder(model.cfg.d_model, n_latents, s.k, s.seed)
    sample = usable[order(len(usable), s.seed, -1)[:65_536]]
    tc.fit_scales(x[sample].float(), y[sample].float())
    lr = s.lr or tr.default_lr(n_latents)
    run = Run(tc, tr.optimizer(tc, lr), tr.TrainState.start(n_latents, s.dead_tokens))
    checkpoint = folder / "train.pt"
    run.resume(checkpoint, key)
    steps_per_epoch = len(usable) // s.batch
    total_steps = int(round(s.epochs * steps_per_epoch))
    started = time.perf_counter()
    seconds_before = run.seconds
    while run.state.steps < total_steps:
        rows = usable[order(len(usable), s.seed, run.epoch)]
        while run.step_in_epoch < steps_per_epoch and run.state.steps < total_steps:
            pick = rows[run.step_in_epoch * s.batch:(run.step_in_epoch + 1) * s.batch]
            warm = min(1.0, (run.state.steps + 1) / s.warmup_steps)
            fvu, _ = tr.train_step(tc, run.opt, x[pick].float(), y[pick].float(), run.state, lr * warm)
            run.train_fvu.append(fvu)
            run.step_in_epoch += 1
            run.seconds = seconds_before + time.perf_counter() - started
            if progress:
                progress(run.state.tokens, total_steps * s.batch)
            last = run.state.steps == total_steps
            out_of_time = minutes is not None and time.perf_counter() - started > minutes * 60
            if run.state.tokens // s.eval_every > (run.state.tokens - s.batch) // s.eval_every or last:
                training = torch.get_num_threads()
                torch.set_num_threads(passes)
                evaluate(run, model, d, split, s, folder, steps_per_epoch, workers)
                torch.set_num_threads(training)
            if run.state.steps % s.checkpoint_every == 0 or last or out_of_time:
                run.save(checkpoint, key)
            if out_of_time:
                return run
        if run.step_in_epoch >= steps_per_epoch:
            run.epoch, run.step_in_epoch = run.epoch + 1, 0
    return run


def evaluate(run: Run, model: Transformer, d: NeuronDictionary, split: Split, s: Settings, folder: Path,
             steps_per_epoch: int, workers: int = 1) -> None:
    """One point of the curve (on the held-out documents; the loss on the first curve_windows)."""
    sc = score(run.tc, model, d, split, s.layer, folder, s.curve_windows, workers=workers, skip_first=s.skip_first)
    point = {"tokens": run.state.tokens, "epochs": run.state.steps / steps_per_epoch, "seconds": run.seconds,
             "train_fvu": float(np.mean(run.train_fvu)) if run.train_fvu else math.nan, "fvu": sc.fvu, "l0": sc.l0,
             "dead": sc.dead, "loss_recovered": sc.loss_recovered}
    for k in CURVE:
        run.curve[k].append(point[k])
    run.train_fvu = []


# ---------------------------------------------------------------- the whole build

def collect_key(model_source: Path, d: NeuronDictionary, s: Settings) -> str:
    text = f"v{BUILD_VERSION}-{model_key(model_source)}-{d.fingerprint}-{s.layer}-{s.loss_windows}-{s.skip_first}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_folder(out: Path) -> Path:
    return gguf_loader.cache_dir() / f"{out.stem}.checkpoint"


def build(lm: gguf_loader.LoadedModel, d: NeuronDictionary, s: Settings, out: Path,
          progress: Callable[[str], Callable[[int, int], None] | None] = lambda stage: None,
          minutes: float | None = None, folder: Path | None = None, workers: int = 1,
          threads: int | None = None) -> tr.TranscoderFile:
    """Collect, train and score; writes `out` and removes the checkpoint when training is done. With
    `minutes`, training stops after that much wall time: the file is written from where it got to, and
    the checkpoint kept, so a later call with the same settings goes on. `workers`: windows through
    the model at once in collection and scoring; `threads`: torch threads for training's steps."""
    if not 0 <= s.layer < lm.config.n_layers:
        raise ValueError(f"layer {s.layer} is not one of the model's {lm.config.n_layers}")
    folder = folder or checkpoint_folder(out)
    key = collect_key(lm.source, d, s)
    key_file = folder / "key.txt"
    if not key_file.is_file() or key_file.read_text() != key:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        key_file.write_text(key)
    split = Split.of(d)
    collect(lm.model, d, split, s.layer, folder, progress("collect"), workers=workers,
            loss_windows=s.loss_windows or -1, skip_first=s.skip_first)
    run = train(lm.model, d, split, s, folder, train_key(s, key), progress("train"), minutes, workers, threads)
    final = run.tc.rounded()
    sc = score(final, lm.model, d, split, s.layer, folder, -1, progress=progress("score"), workers=workers,
               skip_first=s.skip_first)
    train_tokens = len(split.rows("train", s.skip_first))
    steps_per_epoch = train_tokens // s.batch
    metrics = {"fvu": sc.fvu, "l0": sc.l0, "dead": sc.dead, "dead_in_training": float(run.state.dead.double().mean()),
               "loss_clean": sc.loss_clean, "loss_zeroed": sc.loss_zeroed, "loss_replaced": sc.loss_replaced,
               "loss_recovered": sc.loss_recovered, "loss_tokens": sc.loss_tokens,
               "train_tokens": train_tokens, "held_tokens": len(split.rows("held", s.skip_first)),
               "skip_first": float(s.skip_first),
               "tokens_seen": run.state.tokens, "epochs": run.state.steps / steps_per_epoch,
               "train_seconds": run.seconds, "k": s.k, "n_latents": run.tc.n_latents, "batch": s.batch,
               "lr": s.lr or tr.default_lr(run.tc.n_latents)}
    file = tr.TranscoderFile(final, s.layer, model_key(lm.source), d.fingerprint, metrics,
                             {k: np.array(v, dtype=np.float64) for k, v in run.curve.items()})
    file.save(out)
    if run.state.steps >= int(round(s.epochs * steps_per_epoch)):
        shutil.rmtree(folder, ignore_errors=True)
    return file


def main(argv: list[str] | None = None) -> int:
    parser = build_dictionary.script_arguments(__doc__)
    parser.add_argument("--layer", type=int, required=True, help="which FFN layer (0 is the first)")
    defaults = Settings(0)
    parser.add_argument("--expansion", type=int, default=defaults.expansion, help="latents per model dimension")
    parser.add_argument("--k", type=int, default=defaults.k, help="active latents per token")
    parser.add_argument("--epochs", type=float, default=defaults.epochs, help="passes over the training tokens")
    parser.add_argument("--batch", type=int, default=defaults.batch, help="tokens per step")
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default: 2e-4 x sqrt(16384 / latents))")
    parser.add_argument("--eval-every", type=int, default=defaults.eval_every, help="training tokens between evaluations")
    parser.add_argument("--loss-windows", type=int, default=0, help="held-out windows for the final loss (0: all)")
    parser.add_argument("--skip-first", action="store_true",
                        help="leave each window's first position to the FFN (a layer with a massive activation there)")
    parser.add_argument("--minutes", type=float, help="stop training after this much wall time (resumable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="windows through the model at once, one torch thread each (default: one per core)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for training's matrix products")
    args = parser.parse_args(argv)
    if min(args.expansion, args.k, args.batch, args.workers, args.threads) < 1 or args.epochs <= 0:
        parser.error("--expansion, --k, --batch, --epochs, --workers and --threads must be positive")
    s = Settings(args.layer, args.expansion, args.k, args.batch, args.lr, epochs=args.epochs,
                 eval_every=args.eval_every, loss_windows=args.loss_windows, skip_first=args.skip_first)

    def run(start: float) -> str:
        lm, d = build_dictionary.model_with_dictionary(args.model)
        out = args.out or default_path(lm.source, args.layer)
        # passes side by side, one torch thread each (build_dictionary says why); training's products
        # on --threads
        torch.set_num_threads(1)
        f = build(lm, d, s, out, lambda stage: build_dictionary.progress_bar(stage, "window" if stage == "score" else "token"),
                  args.minutes, workers=args.workers, threads=args.threads)
        m = f.metrics
        return (f"layer {args.layer}: {int(m['n_latents']):,} latents, k {s.k}, {int(m['tokens_seen']):,} tokens seen "
                f"({m['epochs']:.1f} epochs of {int(m['train_tokens']):,}) in {m['train_seconds'] / 60:.1f} min "
                f"of training, {(time.perf_counter() - start) / 60:.1f} min in all. Held out "
                f"({int(m['held_tokens']):,} tokens): FVU {m['fvu']:.3f}, L0 {m['l0']:.1f}, dead {m['dead']:.1%}; "
                f"loss clean {m['loss_clean']:.3f}, FFN zeroed {m['loss_zeroed']:.3f}, transcoder "
                f"{m['loss_replaced']:.3f}: {m['loss_recovered']:.1%} of the gap recovered -> {out} "
                f"({out.stat().st_size / 2**20:.1f} MiB)")

    return build_dictionary.run_script("build_transcoder", run)


if __name__ == "__main__":
    sys.exit(main())
