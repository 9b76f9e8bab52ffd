"""What pages are built from: cached views (model/ results with the figures built from them)
and plotly figure builders, one sub-package per page topic, plus the pieces every page shares.

shared/ URL state and typed params, tables, widgets, theme, presentation mode, the page
registry and the server's process tuning · activations/ · architectures/ (budget and block
pages) · concepts/ (why-FFN, position-wise, gating, MoE pages) · lm/ (the real-model pages) ·
tour/ (the tour's live views). A topic imports model/, shared/ and itself (lm/ and tour/ also
content/, for the gallery and the tour's wording); only tour/ draws on other topics; nothing
here imports lessons/. tests/test_layout.py checks it."""
