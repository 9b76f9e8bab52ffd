"""A browser session in a class: as a student (joined by ?class=<code>) or as its teacher.

app.py calls `start()` on every page. A student's session holds a random id (nothing else about
them) and a RoomLink that predict.ask sends answers through; a fragment polls the room once a second
and follows the teacher: to the page and tour step they chose, and to each answer they reveal.
classroom (and SQLAlchemy) is imported only by a session that uses class mode.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import streamlit as st

import serving
from components.shared import predict

CODE = "class"  # the join link's parameter, on any page
TEACH = "teach"  # the teacher link's parameter: the secret, taken out of the URL once read
ME = "me"  # a student's anonymous id in their page's URL, so a reload is the same student
TOKEN = "class.token"
TEACHER = "class.teacher"  # (code, secret) of the room this session teaches
SEEN = "class.seen"  # the room's version this session last followed
WAITING = "class.waiting"  # questions this session's pages wait on the teacher to reveal
PROBLEM = "class.problem"  # a message about joining, shown once
FOLLOWER = "class.follower"  # the fragment id of this page's follower, as its last run found it
CLOSE = "class.close"  # the follower already told to look closely since the last full run
FOLLOW_S, CLOSE_S = 1.0, 0.5  # how often a page looks at its room; twice as often while it waits on a reveal
FRESH_S = 0.25  # a room's state is read at most four times a second per server, however many poll it

_states: dict[str, tuple[float, object]] = {}
_states_lock = threading.Lock()


def rooms():
    from classroom import rooms as module  # only sessions in a class pay for SQLAlchemy
    return module


def room_state(code: str, fresh: bool = False):
    """The room's state, shared by every session of this server for FRESH_S seconds."""
    now = time.monotonic()
    with _states_lock:
        hit = _states.get(code)
    if hit and not fresh and now - hit[0] < FRESH_S:
        return hit[1]
    state = rooms().state(code)
    with _states_lock:
        _states[code] = (now, state)
    return state


def remember(state) -> None:
    """A state this server just wrote (a teacher's action): every session here sees it at once."""
    with _states_lock:
        _states[state.code] = (time.monotonic(), state)


_warmed: set[str] = set()


def warm(pid: str) -> None:
    """Compute a question's answer while the class waits, once per server, so the reveal reaches
    every page at once instead of after the figure's first computation (XOR's training: 1.4 s)."""
    with _states_lock:
        if pid in _warmed:
            return
        _warmed.add(pid)

    def compute():
        try:
            from content.predictions import truth
            truth(pid)
        except Exception:  # noqa: BLE001 (the reveal itself will say what is missing)
            pass
    threading.Thread(target=compute, name=f"warm-{pid}", daemon=True).start()


def token() -> str:
    """This session's anonymous id: 128 random bits, nothing derived from the student."""
    return st.session_state.setdefault(TOKEN, secrets.token_urlsafe(16))


def _adopt_url_token() -> None:
    """A reloaded page starts a new session: the id in its URL makes it the same student, so a
    reload neither counts twice nor loses the answers already sent."""
    raw = st.query_params.get(ME)
    if TOKEN not in st.session_state and raw and 16 <= len(raw) <= 64 and \
            all(c.isascii() and (c.isalnum() or c in "-_") for c in raw):
        st.session_state[TOKEN] = raw


def _window(name: str, limit: int, seconds: float):
    from classroom.limits import Window
    return st.session_state.setdefault(f"class.limit.{name}", Window(limit, seconds))


def allow(name: str) -> None:
    """Raise ClassError when this session has used its share (classroom/limits.py)."""
    from classroom import limits
    window = _window(name, *getattr(limits, name.upper()))
    if not window.allow():
        raise rooms().ClassError(f"Too many in a row: wait {window.wait():.0f} s and try again.")


@dataclass
class Link:
    """The room as predict.ask sees it (components/shared/predict.RoomLink)."""
    code: str

    def submit(self, pid: str, answer) -> None:
        allow("answers")
        rooms().answer(self.code, token(), pid, answer)  # returns once committed
        if pid not in room_state(self.code).revealed:
            st.session_state.setdefault(WAITING, set()).add(pid)  # look closely (waiting(), below)

    def revealed(self, pid: str) -> bool:
        try:
            return pid in room_state(self.code).revealed
        except Exception:  # noqa: BLE001 (the database is down or the class ended: the lesson goes on)
            return True

    def waiting(self, pid: str) -> None:
        st.session_state.setdefault(WAITING, set()).add(pid)
        look_closely()
        warm(pid)
        st.caption(":material/hourglass_top: Waiting for the teacher to reveal the answer.")


def link() -> Link | None:
    found = predict.room()
    return found if isinstance(found, Link) else None


def teacher() -> tuple[str, str] | None:
    return st.session_state.get(TEACHER)


def join(raw_code: str) -> bool:
    """Join a room as a student; False (with the reason kept for the page) when it cannot be."""
    from classroom.database import Unavailable
    try:
        allow("joins")
        state = rooms().join(raw_code, token())
    except Unavailable as err:
        st.session_state[PROBLEM] = f"Class mode is unavailable: {err} The rest of FFN Lab works as usual."
        return False
    except rooms().ClassError as err:
        st.session_state[PROBLEM] = str(err)
        return False
    predict.join(Link(state.code))
    st.session_state[SEEN] = -1  # follow the teacher to where the room is now
    st.session_state.pop(PROBLEM, None)
    return True


def teach(code: str, secret: str) -> bool:
    """Take a teacher's rights in this session (from the room just opened, or a teacher link)."""
    from classroom.database import Unavailable
    try:
        ok = rooms().is_teacher(code, secret)
    except (Unavailable, rooms().ClassError) as err:
        st.session_state[PROBLEM] = str(err)
        return False
    if not ok:
        st.session_state[PROBLEM] = "This teacher link does not open that class: its secret does not match."
        return False
    st.session_state[TEACHER] = (rooms().state(code).code, secret)
    predict.leave()  # a teacher is not one of the students
    return True


def leave() -> None:
    predict.leave()
    for name in (CODE, ME):
        if name in st.query_params:
            del st.query_params[name]
    for key in (TEACHER, SEEN, WAITING, FOLLOWER, CLOSE):
        st.session_state.pop(key, None)


def read_url() -> None:
    """?class=<code> joins on any page; &teach=<secret> opens the teacher's rights and leaves the URL
    at once, so a projected address bar never shows it."""
    raw = st.query_params.get(CODE)
    secret = st.query_params.get(TEACH)
    if secret is not None:
        del st.query_params[TEACH]
    if raw is None:
        return
    if secret is not None:
        del st.query_params[CODE]
        teach(raw, secret)
    elif not (link() and link().code == raw.strip().upper()):
        _adopt_url_token()
        if not join(raw):
            del st.query_params[CODE]  # a code that does not work is not kept


def publish() -> None:
    """A student's page keeps ?class=<code>&me=<id> in its URL (on every page they move to), so a
    reload or a bookmark brings them back as the same anonymous student."""
    here = link()
    if here is None:
        return
    for name, value in ((CODE, here.code), (ME, token())):
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def _follow_target(state) -> str | None:
    """The page this session should now be on, if the teacher moved the room since it last looked."""
    if state.version == st.session_state.get(SEEN) or not state.page:
        return None
    return state.page


def look_closely() -> None:
    """The page's follower looks every CLOSE_S from now on. An answer locked in reruns only the
    question's box (predict.ask), so the follower the page drew at FOLLOW_S is retimed where it
    stands instead of redrawing the page; the next full run draws the follower its waiting asks for."""
    follower = st.session_state.get(FOLLOWER)
    if follower and st.session_state.get(CLOSE) != follower:
        serving.rerun_every(follower, CLOSE_S)
        st.session_state[CLOSE] = follower


def _look() -> None:
    """Where is the room, and has the teacher revealed what this page waits on?"""
    st.session_state[FOLLOWER] = serving.fragment_id()
    here = link()
    if here is None:
        return
    from classroom.database import Unavailable
    try:
        state = room_state(here.code)
    except Unavailable:
        st.caption(":material/cloud_off: The class's database is not answering; your answers here are kept.")
        return
    except rooms().ClassError as err:  # closed or ended
        leave()
        st.session_state[PROBLEM] = str(err)
        st.rerun(scope="app")
    st.caption(f":material/groups: In class **{state.code}**: your page follows the teacher. "
               "Nothing about you is stored but your answers, under a random id.")
    seen = st.session_state.get(SEEN)
    if state.version == seen:
        return
    st.session_state[SEEN] = state.version
    moved = seen is not None and (state.page, state.step) != st.session_state.get("class.place")
    st.session_state["class.place"] = (state.page, state.step)
    if moved and state.page:
        if state.page == "tour" and state.step:
            st.session_state["tour.step"] = state.step
        st.switch_page(f"lessons/{state.page}.py")
    waited = st.session_state.get(WAITING, set())
    if waited & state.revealed or (seen is not None and state.phase != st.session_state.get("class.phase")):
        st.session_state[WAITING] = waited - state.revealed
        st.session_state["class.phase"] = state.phase
        st.rerun(scope="app")
    st.session_state["class.phase"] = state.phase


_follow = serving.fragment(_look, run_every=FOLLOW_S)
# a page whose question waits for the reveal looks twice as often: the moment a class waits for
_follow_closely = serving.fragment(_look, run_every=CLOSE_S)


def start(page: str) -> None:
    """app.py, every page: read the join link, say what went wrong, and follow the teacher; a
    teacher's sidebar carries their class on every page but the dashboard itself."""
    read_url()
    if problem := st.session_state.pop(PROBLEM, None):
        st.warning(problem, icon=":material/groups:")  # course words and the code's own alphabet only
    if (room := teacher()) is not None and page != "class":
        from components.classroom import dashboard  # imports this module: a late import
        with st.sidebar:
            dashboard.sidebar_panel(*room)
    if link() is not None:
        publish()
        st.session_state.pop(CLOSE, None)  # the follower drawn now keeps its own interval
        if st.session_state.get(WAITING):
            _follow_closely()
            st.session_state[CLOSE] = st.session_state.get(FOLLOWER)
        else:
            _follow()
