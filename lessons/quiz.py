"""Key takeaways and a short quiz with immediate feedback."""
import streamlit as st

from components.shared import glossary as gloss
from components.shared.widgets import page_header
from content.quiz import QUESTIONS, TAKEAWAYS, check
from model.architectures.prose_facts import fill

page_header("Key takeaways and quiz", "Seven ideas to keep, then eight questions to check them.", weights="illustrative")
gloss.header("Key takeaways")
gloss.markdown("\n".join(f"{i}. {fill(t)}" for i, t in enumerate(TAKEAWAYS, 1)))

gloss.header("Quiz")
score = 0
for i, q in enumerate(QUESTIONS, 1):
    with st.container(border=True):
        prompt = f"**{i}.** {q.prompt}"
        choice = st.radio(prompt, range(len(q.options)), format_func=lambda j, q=q: q.options[j],
                          index=None, key=f"quiz.{q.key}", help=gloss.help_in(prompt))
        result = check(q, choice)
        if result is not None:
            correct, why = result
            score += correct
            (st.success if correct else st.error)(("Right. " if correct else
                                                   f"Not quite: the answer is “{q.options[q.answer]}”. ") + fill(why))
answered = sum(st.session_state.get(f"quiz.{q.key}") is not None for q in QUESTIONS)
st.metric("Score", f"{score} / {len(QUESTIONS)}", f"{answered} answered", delta_color="off")
