"""The real-model pages (key-value memory, neuron dictionary, concept neurons): the model picker,
the server's shared models and its forward-pass lock (model_resource), cached analyses keyed by
model and their figures, and the neuron dictionary's build and upload views. A new real-model
view's figures go here."""
