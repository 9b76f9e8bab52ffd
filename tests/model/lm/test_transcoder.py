"""The TopK transcoder: its encoder keeps exactly k latents and its sparse gradient is autograd's dense
one; training recovers the features a sparse dictionary planted; the metrics are their brute-force
definitions; and the build (on a tiny random LLaMA over part of the shipped corpus) scores the loss
the plain model gives, and resumes to the same file."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from model.lm import build_dictionary, gguf_loader
from model.lm import build_transcoder as bt
from model.lm import explanations as ex
from model.lm import neuron_dictionary as nd
from model.lm import transcoder as tr
from model.lm.interventions import with_ffn
from testkit.gguf_files import write_llama
from tests.model.lm.test_explanations import sub_dictionary


def test_topk_keeps_exactly_k_latents_the_largest_after_a_relu():
    g = torch.Generator().manual_seed(0)
    tc = tr.Transcoder(16, 64, 5, seed=1)
    with torch.no_grad():
        tc.b_enc.copy_(torch.randn(64, generator=g) - 1.5)  # some rows have fewer than k positive
    x = torch.randn(300, 16, generator=g)
    e = tc.encode(x)
    assert e.indices.shape == (300, 5)
    assert all(len(set(row.tolist())) == 5 for row in e.indices)
    pre = (x @ tc.W_enc.T + tc.b_enc).detach()
    want = pre.sort(1, descending=True).values[:, :5].relu()
    torch.testing.assert_close(e.values.detach().sort(1, descending=True).values, want)
    dense = tc.latents(x).detach()
    assert ((dense > 0).sum(1) <= 5).all() and ((dense > 0).sum(1) < 5).any()
    torch.testing.assert_close(dense.sort(1, descending=True).values[:, :5], want)


def test_the_sparse_encoder_gradient_is_the_dense_one():
    """The custom backward (only the kept rows of W_enc), with AuxK's dead latents, against autograd
    through a plain dense TopK."""
    g = torch.Generator().manual_seed(0)
    tc = tr.Transcoder(12, 40, 4, seed=2)
    x, w, w_aux = torch.randn(50, 12, generator=g), torch.randn(50, 4, generator=g), torch.randn(50, 6, generator=g)
    dead = torch.rand(40, generator=g) < 0.5
    e = tc.encode(x, dead, 6)
    ((e.values * w).sum() + (e.aux_values * w_aux).sum()).backward()
    W, b = tc.W_enc.detach().clone().requires_grad_(), tc.b_enc.detach().clone().requires_grad_()
    pre = x @ W.T + b
    v, i = pre.topk(4, 1)
    va, ia = pre.masked_fill(~dead, -math.inf).topk(6, 1)
    # the same latents in the same order as the custom forward's (topk unsorted): match by index
    order = [torch.argsort(i, 1), torch.argsort(e.indices, 1)]
    order_aux = [torch.argsort(ia, 1), torch.argsort(e.aux_indices, 1)]
    assert torch.equal(i.gather(1, order[0]), e.indices.gather(1, order[1]))
    dense = (v.relu().gather(1, order[0]) * w.gather(1, order[1])).sum() \
        + (va.relu().gather(1, order_aux[0]) * w_aux.gather(1, order_aux[1])).sum()
    dense.backward()
    torch.testing.assert_close(tc.W_enc.grad, W.grad)
    torch.testing.assert_close(tc.b_enc.grad, b.grad)


def planted(n_tokens: int, d: int = 32, n_true: int = 64, active: int = 3, seed: int = 0):
    """Inputs and outputs written by one sparse code z: x = z A, y = z B (unit rows), 3 of 64 features
    active per token: the outputs' true dictionary is B."""
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n_true, d, generator=g)
    B = torch.randn(n_true, d, generator=g)
    A, B = A / A.norm(dim=1, keepdim=True), B / B.norm(dim=1, keepdim=True)
    idx = torch.stack([torch.randperm(n_true, generator=g)[:active] for _ in range(n_tokens)])
    z = torch.zeros(n_tokens, n_true).scatter_(1, idx, torch.rand(n_tokens, active, generator=g) + 0.5)
    return z @ A, z @ B, B


def recovered(tc: tr.Transcoder, B: torch.Tensor) -> float:
    """The share of planted output directions that some decoder row points along (cosine > 0.9)."""
    with torch.no_grad():
        return float(((B @ tc.W_dec.T).max(1).values > 0.9).double().mean())


def test_training_recovers_the_features_a_sparse_dictionary_planted():
    x, y, B = planted(4096)
    tc = tr.Transcoder(32, 128, 3, seed=1)  # not the planted seed: its first draws would be A and B
    tc.fit_scales(x, y)
    before = tr.fvu(y, tc(x).detach()), recovered(tc, B)
    opt, state = tr.optimizer(tc, 3e-2), tr.TrainState.start(128, 2000)
    for epoch in range(6):
        rows = bt.order(len(x), 0, epoch)
        for i in range(0, len(x), 128):
            tr.train_step(tc, opt, x[rows[i:i + 128]], y[rows[i:i + 128]], state)
    after = tr.fvu(y, tc(x).detach()), recovered(tc, B)
    assert before[0] > 1 and after[0] < 0.2, (before, after)
    assert before[1] < 0.1 and after[1] >= 0.85, (before, after)
    torch.testing.assert_close(tc.W_dec.norm(dim=1), torch.ones(128))  # unit decoder rows


def test_the_metrics_are_their_definitions():
    g = torch.Generator().manual_seed(0)
    y, y_hat = torch.randn(97, 7, generator=g) + 3, torch.randn(97, 7, generator=g)
    a, b = y.numpy().astype(np.float64), y_hat.numpy().astype(np.float64)
    brute = sum(((a[i] - b[i]) ** 2).sum() for i in range(97)) / sum(((a[i] - a.mean(0)) ** 2).sum() for i in range(97))
    assert tr.fvu(y, y_hat) == pytest.approx(brute, rel=1e-12)
    assert tr.fvu(y, y) == 0 and tr.fvu(y, y.mean(0).expand_as(y)) == pytest.approx(1)
    sums = tr.FitSums()
    for start in (0, 10, 11, 60):
        stop = {0: 10, 10: 11, 11: 60, 60: 97}[start]
        sums.add(y[start:stop], y_hat[start:stop])
    assert sums.n == 97 and sums.fvu == pytest.approx(brute, rel=1e-9)
    values = torch.tensor([[0.5, 0.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    indices = torch.tensor([[3, 1, 0], [2, 4, 5], [3, 4, 5]])
    assert tr.l0(values) == pytest.approx(5 / 3)
    counts = tr.fire_counts(indices, values, 8)
    assert counts.tolist() == [1, 0, 0, 2, 1, 1, 0, 0]
    assert tr.dead_fraction(counts) == 4 / 8 and tr.dead_fraction(np.ones(3)) == 0


@pytest.mark.parametrize("replaced,want", [(2.0, 1.0), (5.0, 0.0), (3.5, 0.5), (6.5, -0.5), (1.7, 1.1)])
def test_the_loss_recovered_runs_from_ffn_zeroed_to_clean(replaced, want):
    assert tr.loss_recovered(clean=2.0, zeroed=5.0, replaced=replaced) == pytest.approx(want)


def test_the_loss_recovered_is_undefined_without_a_gap():
    assert math.isnan(tr.loss_recovered(2.0, 2.0, 2.0))
    assert math.isnan(tr.loss_recovered(2.0, 1.5, 1.8))  # zeroing the FFN helped: nothing to recover


def test_the_file_keeps_float16_weights_and_refuses_another_version(tmp_path):
    tc = tr.Transcoder(8, 24, 3, seed=4)
    tc.fit_scales(torch.randn(50, 8), torch.randn(50, 8) * 3)
    f = tr.TranscoderFile(tc, 1, "m:1", "abc", {"fvu": 0.25}, {"tokens": np.array([1.0, 2.0])})
    f.save(tmp_path / "t.npz")
    back = tr.TranscoderFile.load(tmp_path / "t.npz")
    x = torch.randn(20, 8)
    torch.testing.assert_close(back.transcoder(x), tc.rounded()(x))
    assert (back.layer, back.model_key, back.corpus, back.metrics) == (1, "m:1", "abc", {"fvu": 0.25})
    assert back.curve["tokens"].tolist() == [1.0, 2.0] and back.transcoder.k == 3
    with np.load(tmp_path / "t.npz") as z:
        assert z["W_enc"].dtype == np.float16 and z["W_dec"].dtype == np.float16
        np.savez(tmp_path / "old.npz", **{**dict(z), "version": np.array(0)})
    with pytest.raises(ValueError, match="version 0"):
        tr.TranscoderFile.load(tmp_path / "old.npz")


# ---------------------------------------------------------------- the build on a tiny model

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    shipped = nd.NeuronDictionary.load(build_dictionary.shipped_path(gguf_loader.find_gguf()))
    d = sub_dictionary(shipped, np.linspace(0, len(shipped.doc_starts) - 1, 24).astype(int))
    lm = gguf_loader.load(write_llama(tmp_path_factory.mktemp("m") / "tiny.gguf"), use_cache=False)
    return lm, d


@torch.inference_mode()
def test_with_ffn_replaces_one_layers_output(tiny):
    lm, d = tiny
    ids = torch.from_numpy(d.ids[:40].astype(np.int64))
    same = with_ffn(lm.model, 1, lambda x, t: t.output)
    assert torch.equal(same(ids[None]), lm.model(ids[None]))
    off = bt.zeroed(lm.model, 1).final_residual(ids)
    torch.testing.assert_close(off, lm.model.final_residual(ids, {1: torch.zeros(lm.config.d_ff)}))
    before, x, y = bt.ffn_io(lm.model, ids, 1)
    block = lm.model.blocks[1]
    h = before[None] + block.trace(before[None], lm.model._rope(40)).attn_update
    torch.testing.assert_close(x, block.ffn_norm(h)[0])
    torch.testing.assert_close(y, block.ffn(block.ffn_norm(h))[0])


SETTINGS = bt.Settings(layer=1, expansion=4, k=4, batch=64, epochs=2, warmup_steps=5, dead_tokens=500,
                       eval_every=1000, curve_windows=2, checkpoint_every=4)


class Stop(Exception):
    pass


def test_collect_resumes_to_what_one_pass_collects(tiny, tmp_path):
    lm, d = tiny
    split = bt.Split.of(d)
    assert split.tokens("held") > 0 and len(split.train) > 6
    for name in "abc":
        (tmp_path / name).mkdir()
    bt.collect(lm.model, d, split, 1, tmp_path / "a")
    calls = []

    def interrupt(done, total):
        calls.append(done)
        if len(calls) == 5:
            raise Stop

    with pytest.raises(Stop):  # after its fifth chunk of two windows, two at once, was saved
        bt.collect(lm.model, d, split, 1, tmp_path / "b", interrupt, flush_every=2, workers=2)
    bt.collect(lm.model, d, split, 1, tmp_path / "b", interrupt, flush_every=2, workers=2)
    assert calls[5] > calls[4]  # went on after the 10 windows it had saved, not from the start
    for name in ("x_train", "y_train", "x_held", "y_held", "before_held", "losses"):
        assert np.array_equal(np.load(tmp_path / "a" / f"{name}.npy"), np.load(tmp_path / "b" / f"{name}.npy")), name
    bt.collect(lm.model, d, split, 1, tmp_path / "c", loss_windows=1)  # the losses of the first window only
    losses = np.load(tmp_path / "c" / "losses.npy")
    assert np.array_equal(losses[:, 0], np.load(tmp_path / "a" / "losses.npy")[:, 0]) and np.isnan(losses[:, 1:]).all()
    tc = tr.Transcoder(lm.config.d_model, 64, 4)
    assert bt.score(tc, lm.model, d, split, 1, tmp_path / "c", -1).loss_tokens == len(split.held[0]) - 1


def test_the_scores_are_the_plain_models_losses(tiny, tmp_path):
    """Clean, zeroed and replaced losses from the collected residual streams, against whole forward
    passes of the model and its views over the held-out windows."""
    lm, d = tiny
    split = bt.Split.of(d)
    bt.collect(lm.model, d, split, 1, tmp_path)
    tc = tr.Transcoder(lm.config.d_model, 64, 4, seed=0)
    x, y = bt.load_pairs(tmp_path, "train")
    tc.fit_scales(x.float(), y.float())
    sc = bt.score(tc, lm.model, d, split, 1, tmp_path, -1)

    def mean_loss(model):
        total = n = 0
        for w in split.held:
            ids = torch.from_numpy(d.ids[w].astype(np.int64))
            with torch.inference_mode():
                total += float(F.cross_entropy(model(ids[None])[0, :-1], ids[1:], reduction="sum"))
            n += len(w) - 1
        return total / n, n

    clean, n = mean_loss(lm.model)
    assert sc.loss_tokens == n
    assert sc.loss_clean == pytest.approx(clean, rel=1e-5)
    assert sc.loss_zeroed == pytest.approx(mean_loss(bt.zeroed(lm.model, 1))[0], rel=1e-5)
    assert sc.loss_replaced == pytest.approx(mean_loss(bt.replaced(lm.model, 1, tc))[0], rel=1e-5)
    xh, yh = bt.load_pairs(tmp_path, "held")
    with torch.inference_mode():
        assert sc.fvu == pytest.approx(tr.fvu(yh.float(), tc(xh.float())), rel=1e-6)
        assert sc.l0 == pytest.approx(tr.l0(tc.latents(xh.float())))


def test_the_build_resumes_to_the_same_file(tiny, tmp_path):
    lm, d = tiny
    whole = bt.build(lm, d, SETTINGS, tmp_path / "whole.npz", folder=tmp_path / "w")
    assert not (tmp_path / "w").exists()  # done: the checkpoint is gone
    partial = bt.build(lm, d, SETTINGS, tmp_path / "parts.npz", minutes=0, folder=tmp_path / "p")
    assert partial.metrics["tokens_seen"] == SETTINGS.batch and (tmp_path / "p" / "train.pt").is_file()
    parts = bt.build(lm, d, SETTINGS, tmp_path / "parts.npz", folder=tmp_path / "p")
    a, b = np.load(tmp_path / "whole.npz"), np.load(tmp_path / "parts.npz")
    assert set(a.files) == set(b.files)
    for name in a.files:
        if name not in ("metric_values", "curve_seconds"):
            assert np.array_equal(a[name], b[name]), name
    timed = list(a["metric_names"]).index("train_seconds")
    assert np.array_equal(np.delete(a["metric_values"], timed), np.delete(b["metric_values"], timed))
    m = parts.metrics
    assert m["tokens_seen"] == 2 * (m["train_tokens"] // 64) * 64 and m["epochs"] == 2
    assert 0 < m["fvu"] and m["l0"] <= 4 and len(parts.curve["tokens"]) >= 2
    assert m["loss_recovered"] == pytest.approx(tr.loss_recovered(m["loss_clean"], m["loss_zeroed"], m["loss_replaced"]))
    assert whole.metrics["loss_tokens"] == sum(len(w) - 1 for w in bt.Split.of(d).held)


def test_the_script_refuses_bad_settings(capsys):
    with pytest.raises(SystemExit):
        bt.main(["--layer", "1", "--k", "0"])
    assert "must be positive" in capsys.readouterr().err


def test_skip_first_leaves_each_windows_first_position_to_the_ffn(tiny, tmp_path):
    """With skip_first the first position of each window is neither trained on nor scored, and both the
    replacement and the zeroed baseline keep the FFN's own output there."""
    lm, d = tiny
    split = bt.Split.of(d)
    bt.collect(lm.model, d, split, 1, tmp_path, skip_first=True)
    firsts = bt._starts(split.held)[:-1]
    rows = split.rows("held", True)
    assert len(rows) == split.tokens("held") - len(split.held) and not np.isin(firsts, rows).any()
    tc = tr.Transcoder(lm.config.d_model, 64, 4, seed=0)
    x, y = bt.load_pairs(tmp_path, "train")
    tc.fit_scales(x.float(), y.float())
    sc = bt.score(tc, lm.model, d, split, 1, tmp_path, -1, skip_first=True)
    xh, yh = bt.load_pairs(tmp_path, "held")
    with torch.inference_mode():
        assert sc.fvu == pytest.approx(tr.fvu(yh[rows].float(), tc(xh[rows].float())), rel=1e-6)
        ids = torch.from_numpy(d.ids[split.held[0]].astype(np.int64))
        for view, loss in ((bt.replaced(lm.model, 1, tc, True), sc.loss_replaced),
                           (bt.zeroed(lm.model, 1, True), sc.loss_zeroed)):
            traced = view.trace(ids).ffn_updates[1]
            assert torch.equal(traced[0], lm.model.trace(ids).ffn_updates[1][0])  # position 0: the FFN's own
            assert not torch.allclose(traced[1:], lm.model.trace(ids).ffn_updates[1][1:])
    assert sc.loss_zeroed != sc.loss_clean and np.isfinite(sc.loss_replaced)


def test_the_script_needs_the_models_dictionary(tiny, capsys):
    lm, _ = tiny
    assert bt.main(["--layer", "0", "--model", str(lm.source)]) == 1
    assert "no dictionary of this model" in capsys.readouterr().err
