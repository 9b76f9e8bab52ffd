"""A short quiz first, then the key takeaways it checks (open once every question is answered)."""
import streamlit as st

from components.shared import glossary as gloss
from components.shared import predict
from components.shared.widgets import page_header
from content.quiz import QUESTIONS, TAKEAWAYS
from components.quiz.score import score
from model.architectures.prose_facts import fill

page_header("Quiz and key takeaways",
            f"{len(QUESTIONS)} questions to check what the lessons showed, then {len(TAKEAWAYS)} ideas to keep. "
            "Each answer is revealed as you lock it in.", weights=None)
gloss.header("Quiz")
for i, q in enumerate(QUESTIONS, 1):
    st.caption(f"Question {i} of {len(QUESTIONS)}")
    predict.ask(f"quiz-{q.key}")  # a prediction like any other: a class can use the quiz as a concept check
right, answered = score(predict.answers())
# how many are answered is a count, not a rise: no arrow beside it
st.metric("Score", f"{right} / {len(QUESTIONS)}", f"{answered} answered", delta_color="off", delta_arrow="off")

done = answered == len(QUESTIONS) or predict.reveal_all()  # a teacher's ?reveal=all opens them too
gloss.header("Key takeaways")
with st.expander("The ideas to keep" if done else f"The ideas to keep (they give the answers away: open them once "
                 f"you have answered all {len(QUESTIONS)})", expanded=done, icon=":material/lightbulb:"):
    gloss.markdown("\n".join(f"{i}. {fill(t)}" for i, t in enumerate(TAKEAWAYS, 1)))
