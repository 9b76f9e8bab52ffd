import numpy as np

from components.activations import figures as af
from components.architectures import figures as bf
from components.shared.theme import for_presentation
from model.architectures.accounting import budget, flops_per_token
from model.architectures.presets import PRESETS
from model.ffn.curves import curves, glu_surface


def test_activation_curves_with_and_without_derivatives():
    data = curves(["relu", "gelu"], -3, 3, n=61)
    plain = af.activation_curves(data, ["relu", "gelu"], show_derivative=False)
    assert [t.name for t in plain.data] == ["ReLU", "GELU (exact, erf)"]
    np.testing.assert_array_equal(plain.data[0].y, data["relu"])
    both = af.activation_curves(data, ["relu", "gelu"], show_derivative=True)
    assert len(both.data) == 4
    np.testing.assert_array_equal(both.data[1].y, data["relu'"])
    assert both.data[1].yaxis == "y2"
    assert any(s.x1 == 0.0 for s in both.layout.shapes)  # ReLU's zero-gradient region is marked
    no_relu = af.activation_curves(data, ["gelu"], show_derivative=False)
    assert not no_relu.layout.shapes


def test_gelu_comparisons():
    data = curves(["gelu", "gelu_tanh", "relu"], -4, 4)
    fig = af.gelu_exact_vs_tanh(data)
    np.testing.assert_allclose(fig.data[2].y, data["gelu"] - data["gelu_tanh"])
    near = af.near_zero(data)
    assert [t.name for t in near.data] == ["ReLU", "GELU"] and near.data[1].fill == "tonexty"


def test_glu_heatmap_and_histogram():
    g, u, z = glu_surface("silu")
    fig = af.glu_heatmap(g, u, z, "SwiGLU")
    assert fig.data[0].type == "heatmap" and fig.data[0].zmid == 0
    np.testing.assert_array_equal(fig.data[0].z, z)
    counts, edges = np.histogram([-1.0, -0.5, 0.5, 1.0, 1.0], bins=4)
    hist = af.hidden_histogram(counts, edges, "h")
    assert list(hist.data[0].y) == list(counts)
    assert hist.data[0].marker.color[0] != hist.data[0].marker.color[-1]  # negatives coloured apart


def test_share_pie_and_flops_bar():
    b = budget(PRESETS["gpt2-small"])
    pie = bf.share_pie(b.by_group, "model")
    assert list(pie.data[0].labels) == ["Embeddings", "Attention", "FFN", "Norms"]
    assert sum(pie.data[0].values) == 124_439_808
    assert pie.data[0].text[3] == ""  # norms are a sliver: no label inside
    flops = flops_per_token(PRESETS["gpt2-small"], 1024)
    bar = bf.flops_bar(flops)
    assert dict(zip(bar.data[0].y, bar.data[0].x))["ffn"] == flops["ffn"]


def test_presentation_mode_enlarges_fonts():
    data = curves(["relu"], -1, 1)
    normal = af.activation_curves(data, ["relu"], show_derivative=False)
    big = for_presentation(normal)  # what widgets.plot shows in presentation mode
    assert big.layout.font.size > normal.layout.font.size
