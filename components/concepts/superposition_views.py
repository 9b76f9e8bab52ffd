"""The superposition page's trained toy models and their figures, cached per setting: a setting
trains once per server (a second or two), and every session and rerun after that reads it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from components.concepts import superposition_figures as sf
from model.demos import superposition as sp


@dataclass(frozen=True)
class Setting:
    n: int
    m: int
    decay: float
    sparsity: float


OPENING = Setting(5, 2, 0.9, 0.9)  # the page's opening view, its prediction and its table of the paper's checks
ABS_OPENING = Setting(10, 5, 1.0, 0.9)  # the computation section's: 10 features, 5 neurons, equal importance


@st.cache_resource(max_entries=32, show_spinner=False)
def sweep(n: int, m: int, decay: float) -> tuple[sp.ToyModel, ...]:
    """One ReLU output model per sparsity of sp.SPARSITIES (trained side by side, in one run)."""
    return sp.train_sweep(n, m, decay)


@dataclass(frozen=True)
class ToyView:
    model: sp.ToyModel
    phase: list[sp.PhasePoint]
    directions: go.Figure | None  # m = 2 only
    gram: go.Figure
    norms: go.Figure
    phase_figure: go.Figure


@st.cache_resource(max_entries=64, show_spinner=False)
def toy_view(n: int, m: int, decay: float, sparsity: float) -> ToyView:
    models = sweep(n, m, decay)
    t = next(t for t in models if t.sparsity == sparsity)
    phase = sp.phase_change(models)
    return ToyView(t, phase, sf.directions(t) if m == 2 else None, sf.gram(t), sf.norms(t),
                   sf.phase_change(phase, sparsity))


def opening(sparsity: float = OPENING.sparsity) -> sp.ToyModel:
    """The opening setting's trained model at `sparsity` (one of sp.SPARSITIES)."""
    return toy_view(OPENING.n, OPENING.m, OPENING.decay, sparsity).model


@st.cache_resource(max_entries=32, show_spinner=False)
def abs_model(n: int, m: int, sparsity: float, monosemantic: bool = False) -> sp.AbsModel:
    return sp.train_abs(n, m, sparsity, monosemantic=monosemantic)


@st.cache_resource(max_entries=64, show_spinner=False)
def abs_figures(n: int, m: int, sparsity: float, neuron: int) -> tuple[go.Figure, go.Figure]:
    a = abs_model(n, m, sparsity)
    return sf.abs_weights(a), sf.neuron_response(a, neuron)


@st.cache_resource(show_spinner=False)
def explanation_median() -> float | None:
    """The median line's held-out correlation over top and random excerpts of the bundled SmolLM2's
    neuron explanations, read from the shipped file (model/lm/explanation_words.py computes it); None
    if the file is missing or of an older format."""
    from model.lm import build_explanations, gguf_loader
    from model.lm import explanation_words as ew
    from model.lm import explanations as ex

    try:
        e = ex.Explanations.load(build_explanations.shipped_path(Path(gguf_loader.GGUF_NAME)))
    except (OSError, ValueError, KeyError):
        return None
    return ew.summary(e).median
