"""FFN Lab's compute core: pure torch/numpy. Nothing here imports streamlit, components/,
lessons/ or content/, so every result can be tested without a UI.

ffn/ the FFN and its maths · architectures/ whole models and their exact counts ·
lm/ the trained language model and what we read from it · demos/ the concept pages' toy
experiments · util/ small helpers. Each may import only the ones before it in
util → ffn → architectures → lm (demos: util, ffn, architectures); tests/test_layout.py checks it."""
