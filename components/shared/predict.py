"""Predict, then reveal: the widget that asks a prediction (content/predictions.py) before a view.

    if predict.ask("xor-no-activation"):
        ...draw the view that settles it...

The question sits in a container keyed `predict-<id>` (the element with class
`st-key-predict-<id>`), as a form: nothing reruns until the learner locks the answer in, by
mouse or keyboard. The reveal puts the learner's answer beside the computed one and one sentence
on why. Answers stay for the session (across pages); `?reveal=all` shows every answer at once, for
a teacher preparing a class. In a class (issue 32) a RoomLink carries answers to the room, and the
reveal waits for the teacher.
"""
from __future__ import annotations

from typing import Protocol

import streamlit as st

import serving
from components.shared import glossary as gloss
from components.shared.params import ChoiceParam
from content.predictions import PREDICTIONS, Answer, Prediction, Truth, truth

ANSWERS = "predict.answers"  # {id: answer} for the session
REVEAL_ALL = "predict.reveal_all"
ROOM = "predict.room"
REVEAL = ChoiceParam("reveal", "", options=["all"])


class RoomLink(Protocol):
    """A class's room as the prediction widget sees it (class mode implements it)."""

    def submit(self, pid: str, answer: Answer) -> None:
        """Send an answer; returns once the room has committed it, raises if it could not."""

    def revealed(self, pid: str) -> bool:
        """Has the teacher revealed this question's answer?"""

    def waiting(self, pid: str) -> None:
        """Draw the status shown while the room waits for the teacher (may poll)."""


def join(link: RoomLink) -> None:
    st.session_state[ROOM] = link


def leave() -> None:
    st.session_state.pop(ROOM, None)


def room() -> RoomLink | None:
    return st.session_state.get(ROOM)


def answers() -> dict[str, Answer]:
    return st.session_state.setdefault(ANSWERS, {})


def reveal_all() -> bool:
    """`?reveal=all`, read once per session (it stays on as the teacher moves between pages)."""
    if REVEAL_ALL not in st.session_state:
        st.session_state[REVEAL_ALL] = REVEAL.parse(st.query_params.get(REVEAL.name))[0] == "all"
    return st.session_state[REVEAL_ALL]


def _input_key(pid: str) -> str:
    return f"predict.{pid}.input"


def _error_key(pid: str) -> str:
    return f"predict.{pid}.error"


def _raw_input(p: Prediction):
    """What the form's widget holds, in the shape Prediction.validate takes."""
    raw = st.session_state.get(_input_key(p.id))
    if p.kind == "order" and raw is not None:
        return tuple(p.options.index(o) for o in raw)
    return raw


def _lock(p: Prediction) -> None:
    """The form's submit: keep a valid answer (and send it to the class), or say what is missing."""
    st.session_state.pop(_error_key(p.id), None)
    raw = _raw_input(p)
    if raw is None or (p.kind == "order" and len(raw) < len(p.options)):
        st.session_state[_error_key(p.id)] = _missing(p)
        return
    try:
        answer = p.validate(raw)
    except ValueError as err:
        st.session_state[_error_key(p.id)] = str(err).capitalize() + "."
        return
    link = room()
    if link is not None:
        try:
            link.submit(p.id, answer)
        except Exception as err:  # the class's database may be down: the lesson goes on without it
            st.session_state[_error_key(p.id)] = f"Your answer could not be sent to the class ({err}); it is kept here."
    answers()[p.id] = answer


def _missing(p: Prediction) -> str:
    return {"choice": "Pick one of the options first.",
            "number": "Type a number first.",
            "order": f"Put all {len(p.options)} in order first."}[p.kind]


def _form(p: Prediction, shown: Answer | None) -> None:
    with st.form(key=f"prediction-form-{p.id}", border=False, enter_to_submit=True):
        label = "Your prediction"
        if p.kind == "choice":
            st.radio(label, range(len(p.options)), format_func=lambda i: p.options[i], key=_input_key(p.id),
                     index=None if shown is None else int(shown))
        elif p.kind == "number":
            whole = float(p.step).is_integer() and float(p.lo).is_integer() and float(p.hi).is_integer()
            cast = int if whole and p.decimals == 0 else float
            st.number_input(f"{label} ({p.unit})" if p.unit else label, min_value=cast(p.lo), max_value=cast(p.hi),
                            step=cast(p.step), value=None if shown is None else cast(shown), key=_input_key(p.id),
                            placeholder=f"a number from {p.show(p.lo)} to {p.show(p.hi)}",
                            format=None if cast is int else f"%.{p.decimals}f")
        else:
            st.multiselect(f"{label}: pick them in order, first to last", p.options, key=_input_key(p.id),
                           default=None if shown is None else [p.options[i] for i in shown])
        st.form_submit_button("Lock in my prediction", on_click=_lock, args=(p,), icon=":material/lock:")
    if error := st.session_state.get(_error_key(p.id)):
        st.warning(error)


def reveal_text(p: Prediction, t: Truth, given: Answer | None) -> tuple[str, bool | None]:
    """The reveal's words in markdown (the learner's answer beside the computed one, how far off a
    number was, why), and whether the answer was right (None: nothing was answered)."""
    right = None if given is None else p.correct(given, t.answer)
    lines = []
    if given is not None:
        lines.append(f"**{'Right.' if right else 'Not quite.'}** You predicted: {gloss.md_escape(p.show(given))}")
    lines.append(f"**The answer, computed:** {gloss.md_escape(p.show(t.answer))}")
    if given is not None and p.kind == "number":
        lines.append(p.how_far(given, t.answer))
    lines.append(p.why.format_map(t.values))
    return "  \n".join(lines), right


def _reveal(p: Prediction, given: Answer | None) -> None:
    try:
        t = truth(p.id)
    except Exception as err:  # a missing model file: the view below says what is missing
        st.warning(f"The answer cannot be computed here: {err}")
        return
    text, right = reveal_text(p, t, given)
    box = st.info if right is None else st.success if right else st.error
    with st.container(key=f"reveal-{p.id}"):
        box(text, icon=":material/visibility:" if right is None else
            ":material/check_circle:" if right else ":material/lightbulb:")


def _prompt(p: Prediction) -> str:
    """The question, with the figures it quotes (`{name}`: context such as a probability before an
    intervention, never the answer) computed."""
    if "{" not in p.prompt:
        return p.prompt
    try:
        return p.prompt.format_map(truth(p.id).values)
    except Exception:  # the figure cannot be computed here (no model file): the question without it
        return p.prompt.replace("{", "").replace("}", "")


def _heading(p: Prediction) -> None:
    st.markdown(f":material/psychology_alt: **{p.heading}**")
    gloss.markdown(_prompt(p))


def _class_question(pid: str) -> None:
    """The question while the class waits for the teacher's reveal, as a fragment: locking an answer
    in reruns this box alone (the answer committed, then 'Sent to the class') and not the whole page,
    whose figures a class answering within the same few seconds would otherwise redraw once per
    student (the Why attention page: 30 ms of a server's CPU per answer, against a few ms here). Once
    the teacher has revealed it, the whole page reruns to draw the reveal and the view it settles."""
    p = PREDICTIONS[pid]
    link = room()
    if link is None or reveal_all() or link.revealed(pid):  # on this box's own rerun: revealed meanwhile
        st.rerun(scope="app")
    given = answers().get(pid)
    with st.container(key=f"predict-{pid}", border=True):
        _heading(p)
        _form(p, given)
        if given is not None:
            st.caption(f"Sent to the class: {gloss.md_escape(p.show(given))}. You can change it until the "
                       "teacher reveals the answer.")
            link.waiting(pid)


_class_box = serving.fragment(_class_question)


def ask(pid: str) -> bool:
    """Ask prediction `pid`; True once its answer is revealed here, so the caller draws the view."""
    p = PREDICTIONS[pid]
    given = answers().get(pid)
    link = room()
    if link is not None and not reveal_all() and not link.revealed(pid):
        _class_box(pid)
        return False
    with st.container(key=f"predict-{pid}", border=True):
        _heading(p)
        if given is None and not reveal_all():
            _form(p, None)
            return False
        _reveal(p, given)
    return True


def publish() -> None:
    """Keep `reveal=all` in the URL while it is on, so a teacher's bookmark keeps it."""
    if st.session_state.get(REVEAL_ALL) and st.query_params.get(REVEAL.name) != "all":
        st.query_params[REVEAL.name] = "all"
