"""How a server serves a class: everything about processes, threads, slots and Streamlit's
internals lives here, so that the teaching code (pages/, components/, content/) never meets a
socket. May import model/ and streamlit, never components/, pages/ or content/."""
