"""The guided tour: seven steps from 'where is the FFN' to 'what does it store'."""
import streamlit as st

from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import NumberParam
from components.shared.widgets import weights_badge
from components.tour.views import VIEWS, fill
from content.tour import DURATION, LEVEL, PREREQUISITE, STEPS

PAGE = "tour"
STEP = NumberParam("step", 1, lo=1, hi=len(STEPS))
url_state.restore(PAGE, [STEP])
k = url_state.key(PAGE, "step")


def move(delta: int) -> None:
    st.session_state[k] = min(max(st.session_state[k] + delta, 1), len(STEPS))


n = url_state.value(PAGE, "step")
step = STEPS[n - 1]
TITLE = "Guided tour: why every Transformer block has an FFN"
gloss.title(TITLE)
if n == 1:
    st.info(f"**{len(STEPS)} steps · about {DURATION} · difficulty: {LEVEL} · prerequisite: {PREREQUISITE}.** "
            "One idea per step. Use the buttons or the ← → keys.", icon=":material/school:")
st.progress(n / len(STEPS), text=f"Step {n} of {len(STEPS)}")
gloss.header(f"{n}. {step.title}")
weights_badge(step.weights)
# the step's idea gives the answer away: it comes after the learner has predicted
if predict.ask(step.prediction):
    gloss.markdown(f"> **{step.idea}**\n\n{fill(step.text)}")
    if step.view:
        VIEWS[step.view]()
st.page_link(f"lessons/{step.page}.py", label="Open the full interactive view", icon=":material/open_in_new:",
             query_params=step.query or None)
c1, _, c2 = st.columns([1, 3, 1])
c1.button("Previous", on_click=move, args=(-1,), disabled=n == 1, key="tour.prev", shortcut="Left",
          icon=":material/arrow_back:", width="stretch")
c2.button("Next" if n < len(STEPS) else "Finish: take the quiz", on_click=move, args=(1,), disabled=False,
          key="tour.next", shortcut="Right", icon=":material/arrow_forward:", width="stretch",
          type="primary")
if n == len(STEPS):
    st.page_link("lessons/quiz.py", label="Quiz and key takeaways", icon=":material/quiz:")
url_state.publish(PAGE, [STEP])
