"""The trained language models (SmolLM2-135M bundled; registry.py lists the GGUF files a server
offers; serving/model_shelf.py keeps the loaded ones under a memory cap) and what FFN Lab reads from them: GGUF
loading, the key-value memory analysis (keys, values, attribution, interventions), the neuron
dictionary and its corpus, and `python -m model.lm.prepare`, which warms the caches.
New ways of reading a real model (attribution methods, logit lens, concept search) go here.
May import model.util, model.ffn, model.architectures."""
