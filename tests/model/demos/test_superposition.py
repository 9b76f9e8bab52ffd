"""Toy Models of Superposition (model/demos/superposition.py): the paper's results, reproduced."""

import numpy as np
import pytest
import torch

from model.demos import superposition as sp


@pytest.fixture(scope="module")
def equal():
    """n = 5, m = 2 with equal importance, one model per sparsity."""
    return {t.sparsity: t for t in sp.train_sweep(5, 2, decay=1.0)}


@pytest.fixture(scope="module")
def decaying():
    """The page's opening setting: n = 5, m = 2, importance 0.9ⁱ."""
    return {t.sparsity: t for t in sp.train_sweep(5, 2, decay=0.9)}


@pytest.mark.parametrize("which", ["equal", "decaying"])
@pytest.mark.parametrize("sparsity", [0.9, 0.95, 0.99])
def test_five_features_in_two_dimensions_form_a_pentagon_when_sparse(which, sparsity, request):
    t = request.getfixturevalue(which)[sparsity]
    assert t.represented.all() and np.all(np.abs(t.norms - 1.0) < 0.25), t.norms
    angles = t.angles()
    assert len(angles) == 5 and np.all(np.abs(angles - 72.0) < 5.0), angles
    assert t.shared.all() and t.dims_per_feature == pytest.approx(0.4 / np.mean(t.norms ** 2), rel=0.05)


def test_dense_features_keep_only_the_m_most_important(decaying):
    t = decaying[0.0]
    assert np.all(np.abs(t.norms[:2] - 1.0) < 0.1) and np.all(t.norms[2:] < 0.2), t.norms
    assert t.represented.tolist() == [True, True, False, False, False]
    assert not t.shared.any() and t.dims_per_feature == pytest.approx(1.0, abs=0.05)
    assert sorted(np.round(t.angles()).tolist()) == [90.0, 270.0]  # the two kept are orthogonal


def test_the_phase_change_goes_from_m_features_to_all_of_them(decaying):
    points = sp.phase_change(tuple(decaying.values()))
    represented = [p.alone + p.shared for p in points]
    assert [p.sparsity for p in points] == list(sp.SPARSITIES)
    assert represented[0] == 2 and represented[-1] == 5 and all(p.alone + p.shared + p.dropped == 5 for p in points)
    assert points[0].shared == 0 and points[-1].shared == 5
    assert points[-1].dims_per_feature < 0.5 < points[0].dims_per_feature


def test_a_larger_model_shows_the_same_change():
    """n = 20, m = 5 (the paper's opening example's size): 5 kept when dense, many more when sparse."""
    models = sp.train_sweep(20, 5, decay=0.9, sparsities=(0.0, 0.99))
    dense, sparse = models
    assert dense.represented.sum() == 5 and dense.represented[:5].all() and not dense.shared.any()
    assert sparse.represented.sum() >= 15 and sparse.shared.sum() >= 15


def test_the_superposition_measure_on_hand_made_weights():
    # two orthogonal features, an antipodal pair, a dropped feature: columns of W (m = 3)
    W = np.array([[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0, 0.0]])
    t = sp.ToyModel(0.9, 1.0, W, np.zeros(5), 0.0)
    np.testing.assert_allclose(t.superposition, [0.0, 0.0, 1.0, 1.0, 0.0])
    assert t.represented.tolist() == [True, True, True, True, False]
    assert t.shared.tolist() == [False, False, True, True, False]
    assert t.dims_per_feature == pytest.approx(3 / 4) and t.max_overlap == pytest.approx(1.0)
    with pytest.raises(ValueError, match="m = 2"):
        t.angles()


def test_training_is_seeded_and_deterministic():
    a = sp.train_sweep(6, 3, 0.8, sparsities=(0.5, 0.9), steps=200)
    b = sp.train_sweep(6, 3, 0.8, sparsities=(0.5, 0.9), steps=200)
    c = sp.train_sweep(6, 3, 0.8, sparsities=(0.5, 0.9), steps=200, seed=1)
    assert all(np.array_equal(x.W, y.W) and np.array_equal(x.b, y.b) for x, y in zip(a, b))
    assert not np.array_equal(a[0].W, c[0].W)
    with pytest.raises(ValueError):
        sp.train_sweep(5, 2, decay=0.0)


@pytest.fixture(scope="module")
def abs_model():
    return sp.train_abs(10, 5, 0.9)


def test_computing_absolute_values_with_fewer_neurons_than_features(abs_model):
    a = abs_model
    # better than the same model held to one feature per neuron
    alone = sp.train_abs(10, 5, 0.9, monosemantic=True)
    assert a.loss < 0.85 * alone.loss < 0.85 * sp.train_abs(10, 5, 0.9, steps=0).loss
    assert np.count_nonzero(alone.W1) <= alone.m and not alone.polysemantic.any()
    assert alone.computed.sum() <= alone.m
    # more signed cases computed than neurons that each read one feature could cover
    assert a.computed.sum() > a.m
    assert a.polysemantic.sum() >= 3
    k = int(np.flatnonzero(a.polysemantic)[0])
    fires = a.fires_for(k)
    assert len({f for f, _ in fires}) >= 2 and all(a.response[k, f if s > 0 else a.n + f] >= sp.FIRES for f, s in fires)


def test_the_mask_gives_each_neuron_one_feature():
    mask = sp.one_feature_per_neuron(3, 5)
    assert mask.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]


def test_dense_features_get_no_polysemantic_neurons():
    """At sparsity 0 sharing costs more than it saves: each neuron reads one feature."""
    a = sp.train_abs(10, 5, 0.0)
    assert not a.polysemantic.any() and a.computed.sum() <= a.m


def test_a_neurons_top_firings_are_real_inputs_strongest_first(abs_model):
    a = abs_model
    k = int(np.flatnonzero(a.polysemantic)[0])
    firings = a.top_firings(k)
    assert 1 <= len(firings) <= 8
    values = [h for h, _ in firings]
    assert values == sorted(values, reverse=True) and values[0] > sp.FIRES
    for h, on in firings:  # each activation recomputed from the features listed
        x = np.zeros(a.n)
        x[list(on)] = list(on.values())
        assert a.hidden(x)[k] == pytest.approx(h) and all(-1 <= v <= 1 and v != 0 for v in on.values())
