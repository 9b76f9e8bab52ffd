"""The /class page's parts: start or join a class, the teacher's dashboard, a student's check.

Every teacher action passes the session's secret to classroom.rooms, which refuses it without.
What students send is stored as validated numbers and shown only as counts and course words.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

import serving
from components.classroom import figures, membership
from components.classroom.membership import rooms
from components.shared import presentation
from components.shared.registry import PAGES
from components.shared.tables import table
from components.shared.widgets import plot
from content import concept_check

PHASE_LABELS = {"live": "Lesson", "pre": "Check before the tour", "post": "Check after the quiz"}


def _failed(err: Exception) -> None:
    from classroom.database import Unavailable
    if isinstance(err, Unavailable):
        st.error(f"Class mode is unavailable: {err} The rest of FFN Lab works as usual.", icon=":material/cloud_off:")
    else:
        st.error(str(err), icon=":material/error:")


def _act(action, *args) -> None:
    """A teacher's button: act, share the room's new state with this server's sessions, or say why not."""
    from classroom.database import Unavailable
    try:
        membership.remember(action(*args))
    except (Unavailable, rooms().ClassError) as err:
        st.session_state["class.failed"] = str(err)


def _try(action, *args, **kwargs):
    """Run a rooms call; a failure is shown, never raised (a traceback never reaches the page)."""
    from classroom.database import Unavailable
    try:
        return action(*args, **kwargs)
    except (Unavailable, rooms().ClassError) as err:
        _failed(err)
        return None


def base_url() -> str:
    """This server's address as the browser sees it, with Streamlit's base path."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{path}" if path else "")


def join_link(code: str) -> str:
    return f"{base_url()}/?{membership.CODE}={code}"


def teacher_link(code: str, secret: str) -> str:
    return f"{base_url()}/class?{membership.CODE}={code}&{membership.TEACH}={secret}"


def qr_uri(text: str) -> str:
    """The link's QR code as an SVG data URI: sharp at any size (a projector's, a phone camera's)
    and on white in dark mode too. The link is only path geometry in it, never markup."""
    import segno
    return segno.make(text, error="m").svg_data_uri(omitsize=True, border=3, light="#fff", dark="#000")


def start_or_join() -> None:
    teach, learn = st.columns(2, gap="large")
    with teach:
        st.header("Teach")
        st.markdown("Open a room for your class: you get a join code, a link and a QR code to project.")
        if st.button("Start a class", icon=":material/co_present:", type="primary"):
            opened = _try(lambda: (membership.allow("rooms"), rooms().create())[1])
            if opened and membership.teach(opened.code, opened.secret):
                st.rerun()
    with learn:
        st.header("Join")
        with st.form("class-join", border=False):
            st.text_input("Class code", max_chars=12, key="class.typed", placeholder="six characters",
                          help="The six characters on your teacher's screen.")
            if st.form_submit_button("Join the class", icon=":material/login:"):
                if membership.join(st.session_state.get("class.typed", "")):
                    st.rerun()
    if problem := st.session_state.pop(membership.PROBLEM, None):
        st.warning(problem, icon=":material/groups:")


def code_box(code: str, secret: str) -> None:
    """What the projector shows: the code, the link and its QR code (large enough for the back row
    in presentation mode: about a third of the screen's width)."""
    link = join_link(code)
    big = presentation.is_on()
    with st.container(key="class-code", border=True):
        words, qr = st.columns([1, 1] if big else [2, 1], vertical_alignment="center")
        with words:
            st.markdown(f"Join at **{base_url()}** with the code")
            # the code's own alphabet only (codes.ALPHABET), so it is safe as markup
            size = "clamp(3rem, 6.5vw, 8rem)" if big else "clamp(2rem, 4vw, 3.5rem)"
            st.html(f'<p class="join-code" style="font: 700 {size}/1.1 monospace; letter-spacing: .12em; '
                    f'margin: .2em 0">{code}</p>')
            st.markdown("or scan the QR code, or open this link:")
            st.code(link, language=None)
        with qr:
            # presenting: the column's whole width, about 40% of a projected screen
            width = "100%" if big else "260px"
            st.html(f'<img class="join-qr" alt="QR code of the join link" src="{qr_uri(link)}" '
                    f'style="width: {width}; max-width: 100%; display: block">')
    with st.expander("Teacher link: reopen this class on another device (keep it private)"):
        st.code(teacher_link(code, secret), language=None)
        st.caption("Anyone with this link has the teacher's rights. It is not stored anywhere readable: "
                   "the database keeps only a hash of its secret.")


def _questions() -> list[str]:
    from content.predictions import PREDICTIONS
    return list(PREDICTIONS)


def _prompt(qid: str) -> str:
    """The question in one line; the figures it quotes ({name}) are on the students' page, computed."""
    import re

    from classroom import questions
    return re.sub(r"\{\w+\}", "…", questions.prompt(qid).replace("**", ""))


def _truth(qid: str):
    try:
        from content.predictions import truth
        return truth(qid).answer
    except Exception:  # noqa: BLE001 (no model file here: the bars stand without the answer marked)
        return None


def _move(code: str, secret: str, page: str, step: int) -> None:
    """Move the room, and put the tour step's own prediction on the teacher's screen."""
    from content.tour import STEPS
    _act(rooms().move, code, secret, page, step)
    if page == "tour" and STEPS[step - 1].prediction in _questions():
        _act(rooms().show, code, secret, STEPS[step - 1].prediction)


def move_controls(code: str, secret: str, state) -> None:
    from content.tour import STEPS
    pages = {p.url_path: p.title for p in PAGES if p.url_path != "class"}
    left, right = st.columns([3, 1])
    page = left.selectbox("Move the class to", list(pages), format_func=pages.get, key="class.move_page",
                          index=list(pages).index(state.page) if state.page in pages else 0)
    step = 0
    if page == "tour":
        step = right.number_input("Tour step", 1, len(STEPS), value=max(1, state.step), key="class.move_step")
    st.button("Move the class there", icon=":material/arrow_forward:", on_click=_move, args=(code, secret, page, int(step)))
    st.page_link(f"lessons/{page}.py", label=f"Open {pages[page]} here", icon=":material/open_in_new:",
                 query_params={"step": str(step)} if step else None)


@serving.fragment(run_every=1)
def live(code: str, secret: str) -> None:
    """The question on screen, refreshed every second: how many answered, what they answered."""
    from classroom.database import Unavailable
    try:
        state = membership.room_state(code, fresh=True)
        questions = _questions()
        qid = state.question if state.question in questions else (questions[0] if questions else "")
        if not qid:
            st.info("No prediction is in this build of FFN Lab yet.")
            return
        answered = rooms().count(code, qid)
        values = rooms().answers(code, secret, qid)
    except (Unavailable, rooms().ClassError) as err:
        _failed(err)
        return
    from content.predictions import PREDICTIONS
    p = PREDICTIONS[qid]
    st.markdown(f"**On screen:** {_prompt(qid)}")
    with st.container(key="class-count"):
        st.metric("Answered", f"{answered} of {state.students}",
                  help="Students who have locked in an answer to this question, of those who joined.")
    revealed = qid in state.revealed
    if revealed or not st.session_state.get("class.hide"):
        fig, caption = figures.distribution(p.kind, tuple(p.options), values, p.lo, p.hi, p.unit,
                                            truth=_truth(qid) if revealed else None)
        plot(fig, caption, key="class-distribution")
    else:
        st.caption("The answers are hidden until you reveal them.")
    if revealed:
        st.success("Revealed: every student's page shows the answer.", icon=":material/visibility:")


def question_controls(code: str, secret: str, state) -> None:
    questions = _questions()
    if not questions:
        return
    current = state.question if state.question in questions else questions[0]
    qid = st.selectbox("Question on screen", questions, index=questions.index(current), format_func=_prompt,
                       key="class.question")
    if qid != state.question:
        shown = _try(rooms().show, code, secret, qid)
        if shown:
            membership.remember(shown)
    left, right = st.columns(2)
    # callbacks: the action is written before the page reruns, so students see it a rerun sooner
    left.button("Reveal the answer", icon=":material/visibility:", type="primary", key="class.reveal",
                disabled=qid in state.revealed, on_click=_act, args=(rooms().reveal, code, secret, qid))
    right.toggle("Hide the answers until the reveal", key="class.hide",
                 help="Peer instruction: let the class commit before it sees what others said.")


def check_controls(code: str, secret: str, state) -> None:
    st.markdown(f"The same {len(concept_check.CHECK)} questions before the tour and again after the quiz; "
                "the gain ⟨g⟩ = (post − pre)/(100% − pre) is Hake's (1998, Am. J. Phys. 66:64).")
    phase = st.segmented_control("The class is in", list(PHASE_LABELS), format_func=PHASE_LABELS.get,
                                 default=state.phase, key="class.phase_pick", required=True)
    if phase != state.phase:
        changed = _try(rooms().phase, code, secret, phase)
        if changed and phase != "live":  # the check is answered on this page: the students come here
            changed = _try(rooms().move, code, secret, "class") or changed
        if changed:
            membership.remember(changed)
    rows = _try(rooms().results, code, secret)
    if rows is None:
        return
    from classroom.gain import overall
    pct = lambda x: "—" if x is None else f"{x:.0f}%"  # noqa: E731
    g = lambda x: "—" if x is None else f"{x:+.2f}"  # noqa: E731
    pre, post, gain = overall(rows)
    # escaped HTML, not st.dataframe: pandas and pyarrow would cost the server 67 MB (tables.py)
    table({"Question": [concept_check.CHECK[r.qid].prompt for r in rows] + ["All questions"],
           "Before": [f"{pct(r.pre.percent)} of {r.pre.answered}" for r in rows] + [pct(pre)],
           "After": [f"{pct(r.post.percent)} of {r.post.answered}" for r in rows] + [pct(post)],
           "⟨g⟩": [g(r.gain) for r in rows] + [g(gain)]})
    csv = _try(rooms().export_csv, code, secret)
    if csv is not None:
        st.download_button("Download the class's answers (CSV, counts only)", csv, file_name=f"ffnlab-class-{code}.csv",
                           mime="text/csv", icon=":material/download:")


def close_controls(code: str, secret: str) -> None:
    sure = st.checkbox("Yes, end the class and delete its answers", key="class.close_sure")
    if st.button("End the class", icon=":material/logout:", disabled=not sure):
        if _try(rooms().close, code, secret) is not None or True:
            membership.leave()
            st.rerun()


def teacher_view(code: str, secret: str) -> None:
    try:
        state = membership.room_state(code, fresh=True)
    except Exception as err:  # noqa: BLE001 (ended, closed elsewhere, or the database is down)
        _failed(err)
        if st.button("Forget this class"):
            membership.leave()
            st.rerun()
        return
    if failed := st.session_state.pop("class.failed", None):
        st.error(failed, icon=":material/error:")
    code_box(code, secret)
    st.caption(f"{state.students} joined · the class ends at {state.expires:%H:%M} UTC, and its answers are deleted then.")
    st.header("Live")
    question_controls(code, secret, state)
    live(code, secret)
    st.header("Where the class is")
    move_controls(code, secret, state)
    st.header("Concept check and learning gain")
    check_controls(code, secret, state)
    with st.expander("End the class"):
        close_controls(code, secret)


def student_view(code: str) -> None:
    try:
        state = membership.room_state(code)
    except Exception as err:  # noqa: BLE001
        _failed(err)
        return
    if state.phase == "live":
        st.info(f"You are in class **{state.code}**. Your page follows the teacher's; answer each "
                "prediction where it appears.", icon=":material/groups:")
    else:
        check_form(code, state.phase)
    if st.button("Leave the class", icon=":material/logout:"):
        membership.leave()
        st.rerun()


def check_form(code: str, phase: str) -> None:
    sent = st.session_state.setdefault(f"class.check.{code}.{phase}", {})
    st.header("Concept check, before the tour" if phase == "pre" else "Concept check, after the quiz")
    with st.form(f"class-check-{phase}"):
        for i, (qid, q) in enumerate(concept_check.CHECK.items(), 1):
            st.radio(f"**{i}.** {q.prompt}", range(len(q.options)), format_func=lambda j, q=q: q.options[j],
                     index=sent.get(qid), key=f"class.check.{phase}.{qid}")
        submitted = st.form_submit_button("Send my answers", icon=":material/send:")
    if submitted:
        try:
            membership.allow("answers")
            for qid in concept_check.CHECK:
                choice = st.session_state.get(f"class.check.{phase}.{qid}")
                if choice is not None:
                    rooms().answer(code, membership.token(), qid, choice, phase=phase)
                    sent[qid] = choice
        except Exception as err:  # noqa: BLE001 (shown; what was sent before stays sent)
            _failed(err)
    if sent:
        st.success(f"Sent: {len(sent)} of {len(concept_check.CHECK)} answers. You can change them until the "
                   "teacher closes the check.", icon=":material/check:")


@serving.fragment(run_every=1)
def sidebar_panel(code: str, secret: str) -> None:
    """The teacher's class on every page, in the sidebar: the count for the question on screen and
    its reveal, while the projector shows the lesson."""
    from classroom.database import Unavailable
    try:
        state = membership.room_state(code, fresh=True)
        qid = state.question if state.question in _questions() else ""
        answered = rooms().count(code, qid) if qid else 0
    except (Unavailable, rooms().ClassError) as err:
        _failed(err)
        return
    st.markdown(f"**Class {code}** · {state.students} joined")
    if qid:
        st.caption(f"On screen: {_prompt(qid)}")
        st.markdown(f"**{answered}** of {state.students} answered")
        st.button("Reveal the answer", icon=":material/visibility:", key="class.side_reveal",
                  disabled=qid in state.revealed, on_click=_act, args=(rooms().reveal, code, secret, qid))
    st.page_link("lessons/class.py", label="Class dashboard", icon=":material/groups:")
