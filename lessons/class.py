"""Class mode: a teacher opens a room; students join by code, link or QR code; their predictions go
to the room, the teacher reveals, moves the class and measures its learning gain."""
import streamlit as st

from components.classroom import dashboard, membership
from components.shared import glossary as gloss

gloss.title("Class mode")
st.markdown("A teacher opens a room and projects its code; students join from their phones or laptops, "
            "with no names asked. Their predictions reach the teacher's screen, the teacher reveals the "
            "answer on every page at once and moves the class from step to step.")
room = membership.teacher()
if room:
    dashboard.teacher_view(*room)
elif membership.link():
    dashboard.student_view(membership.link().code)
else:
    dashboard.start_or_join()
