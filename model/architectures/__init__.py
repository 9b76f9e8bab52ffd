"""Whole Transformers: the config, the architecture families (each declared once in
families.py, whose docstring says how to add one), published presets, exact parameter/FLOP
accounting and the config-driven Transformer (the modules the counts are checked against, and the
forward pass the real model runs on). May import model.util, model.ffn."""
