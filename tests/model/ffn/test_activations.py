import pytest
import torch
import torch.nn.functional as F

from model.ffn import activations
from model.ffn.curves import curves, glu_surface

X = torch.linspace(-6, 6, 1001, dtype=torch.float64)


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_derivative_matches_autograd(name):
    x = X.clone().requires_grad_(True)
    activations.apply(name, x).sum().backward()
    # ReLU-like kinks at exactly 0 have no derivative; compare away from them.
    away = X.abs() > 1e-9
    torch.testing.assert_close(activations.derivative(name, X)[away], x.grad[away], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name, reference", [
    ("relu", F.relu), ("gelu", F.gelu), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("silu", F.silu), ("leaky_relu", F.leaky_relu), ("relu2", lambda x: F.relu(x) ** 2),
    ("none", lambda x: x),
])
def test_values_match_torch(name, reference):
    torch.testing.assert_close(activations.apply(name, X), reference(X), rtol=1e-12, atol=1e-12)


def test_exact_and_tanh_gelu_differ_but_barely():
    diff = (activations.apply("gelu", X) - activations.apply("gelu_tanh", X)).abs().max()
    assert 1e-5 < diff < 1e-3


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown activation 'swish2'"):
        activations.get("swish2")


def test_glu_names():
    assert activations.glu_name("silu") == "SwiGLU"
    assert activations.glu_name("gelu") == "GeGLU"
    assert activations.glu_name("relu") == "ReGLU"
    assert activations.glu_name("relu2") == "GLU(ReLU²)"


def test_curves_and_glu_surface():
    data = curves(["relu", "silu"], -2, 2, n=5)
    assert list(data["x"]) == [-2, -1, 0, 1, 2]
    assert list(data["relu"]) == [0, 0, 0, 1, 2]
    assert list(data["relu'"]) == [0, 0, 0, 1, 1]
    g, u, z = glu_surface("relu", limit=1.0, n=3)  # rows u, columns g
    assert z.tolist() == [[0, 0, -1], [0, 0, 0], [0, 0, 1]]
