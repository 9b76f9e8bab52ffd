"""Serving a class: everything about processes, threads, slots, priorities and Streamlit's
internals lives here, so the teaching code (lessons/, components/, content/) never meets a socket.

The teaching code imports this façade and nothing else from serving/ (tests/test_layout.py):

- `trace(model_key, lm, ids)`: a text's trace (kv_memory.run), from the model's worker process or
  this one; texts waiting together share one pass.
- `forward_pass()`: an exclusive slot for a pass that cannot batch (gradients, interventions,
  dictionary builds), as `with forward_pass():`, `@forward_pass()` or a lock handed to model code.
- `load_model(key)`, `offered()`, `shelf()`: the models this server offers and has loaded.
- `waiting()`: lend this script's turn while it waits for something slow elsewhere.
- `fragment(fn)`: `st.fragment` that takes its own turn among the scripts; `fragment_id()` (the one
  running now) and `rerun_every(id, seconds)` (a drawn fragment's timer, changed from another).
- `Held(state_key, per_session, size)`: values each session holds while it shows them.
- `page_run()`: app.py's whole run.

Inside: models.py (the loaded models, their trace workers, the forward slots), model_shelf.py,
sessions.py (script turns, fragments, held values), trace_worker.py, forward_slots.py,
script_slots.py, held_values.py, priority.py, heap.py, process.py (heap freeze, session sweeper)
and streamlit_internals.py (every Streamlit internal we touch, one function each). May import model/ and streamlit, never components/, lessons/
or content/.
"""
from serving.sessions import Held, fragment, fragment_id, page_run, rerun_every, waiting

_MODELS = {"trace", "forward_pass", "load_model", "offered", "shelf"}


def __getattr__(name: str):
    """The model half is imported on first use: a page without the real model (app.py imports the
    façade on every page) does not import torch through it."""
    if name in _MODELS:
        from serving import models
        return getattr(models, name)
    raise AttributeError(f"module 'serving' has no attribute {name!r}")


__all__ = ["trace", "forward_pass", "load_model", "offered", "shelf", "waiting", "fragment", "fragment_id",
           "rerun_every", "Held", "page_run"]
