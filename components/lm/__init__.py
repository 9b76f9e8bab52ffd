"""The real-model pages (key-value memory, neuron dictionary): the server's one shared model
and its forward-pass lock (model_resource), cached analyses and their figures, and the
neuron dictionary's build and upload views. A new real-model view's figures go here."""
