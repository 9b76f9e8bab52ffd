"""The toy experiments behind the concept pages: XOR trained live (with its dozen-line Adam),
two linear layers collapsing into one, attention as a convex mix, position-wise independence,
Mixture-of-Experts routing. May import model.util, model.ffn, model.architectures."""
