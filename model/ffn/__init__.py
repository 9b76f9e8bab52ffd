"""The FFN itself and its maths: activation functions with their derivatives, the dense,
gated (SwiGLU/GeGLU/ReGLU) and Mixture-of-Experts layers, activation curves, hidden-layer
statistics and the copyable PyTorch code the block page shows. May import model.util."""
