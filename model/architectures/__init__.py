"""Whole Transformers: the config, published presets, exact parameter/FLOP accounting and
the config-driven Transformer (the modules the counts are checked against, and the forward
pass the real model runs on). A new architecture starts here. May import model.util, model.ffn."""
