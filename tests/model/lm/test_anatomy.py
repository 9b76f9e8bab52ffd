"""Interventions, super weights, massive activations and neuron kinds: on small random models
whose answers are known by construction, and on the real SmolLM2-135M for what it holds."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from model.architectures.config import ModelConfig
from model.architectures.transformer import Transformer
from model.lm import massive, neuron_kinds, super_weight
from model.lm.interventions import SetCoefficient, SetResidual, ZeroWeight, edited, greedy, score_texts

LLAMA = ModelConfig(vocab_size=97, d_model=32, n_layers=3, n_heads=4, n_kv_heads=2, d_ff=48, ffn_kind="gated",
                    activation="silu", max_positions=0, attn_bias=False, ffn_bias=False, norm="rmsnorm")
GEMMA2 = LLAMA.with_(post_norms=True, attn_softcap=50.0, logit_softcap=30.0, sliding_window=3)
TEXTS = [[1, 5, 9, 13, 2, 7], [3, 3, 8, 40, 41, 90, 11]]


def random_model(cfg: ModelConfig, seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    model = Transformer(cfg).eval().requires_grad_(False)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3) if p.ndim > 1 else p.uniform_(0.5, 1.5)
    return model


@pytest.fixture(params=[LLAMA, GEMMA2], ids=["llama", "gemma2"])
def model(request):
    return random_model(request.param)


def logits(model, ids):
    with torch.inference_mode():
        return model(torch.tensor(ids)[None])[0]


def test_zeroing_a_weight_in_a_view_equals_zeroing_it_in_a_copy_and_leaves_the_model_alone(model):
    before = logits(model, TEXTS[0])
    w = ZeroWeight(1, 7, 11)
    changed = logits(edited(model, [w]), TEXTS[0])
    twin = copy.deepcopy(model)
    twin.blocks[1].ffn.down_proj.weight[7, 11] = 0.0
    assert torch.allclose(changed, logits(twin, TEXTS[0]), atol=1e-5)
    assert not torch.allclose(changed, before, atol=1e-4)
    assert torch.equal(logits(model, TEXTS[0]), before)  # the shared model: bit for bit as it was
    assert model.blocks[1].ffn.down_proj.weight[7, 11] != 0


def test_setting_a_coefficient_to_zero_is_switching_the_neuron_off(model):
    scale = torch.ones(LLAMA.d_ff)
    scale[5] = 0
    with torch.inference_mode():
        off = model.trace(torch.tensor(TEXTS[1]), {2: scale}).logits
    assert torch.allclose(logits(edited(model, [SetCoefficient(2, 5, 0.0)]), TEXTS[1]), off, atol=1e-5)


def test_setting_a_residual_value_changes_only_what_comes_after(model):
    view = edited(model, [SetResidual(0, 2, 4, 123.0)])
    with torch.inference_mode():
        t = view.trace(torch.tensor(TEXTS[0]))
        plain = model.trace(torch.tensor(TEXTS[0]))
    assert not torch.allclose(t.final_residual[2], plain.final_residual[2], atol=1e-4)
    # positions before 2 cannot see position 2 in a causal model
    assert torch.allclose(t.logits[:2], plain.logits[:2], atol=1e-5)
    assert not torch.allclose(t.logits[2:], plain.logits[2:], atol=1e-4)


def test_an_edit_outside_the_model_is_refused(model):
    with pytest.raises(ValueError, match="layer 9"):
        edited(model, [ZeroWeight(9, 0, 0)])
    assert edited(model, []) is model


def test_scores_are_the_mean_next_token_loss_and_its_exponential(model):
    s = score_texts(model, TEXTS)
    logp = [logits(model, t)[:-1].log_softmax(-1) for t in TEXTS]
    nll = -sum(float(lp[range(len(t) - 1), t[1:]].sum()) for lp, t in zip(logp, TEXTS)) / s.tokens
    assert s.tokens == sum(len(t) - 1 for t in TEXTS)
    assert s.loss == pytest.approx(nll, rel=1e-5) and s.perplexity == pytest.approx(np.exp(nll), rel=1e-5)
    with pytest.raises(ValueError):
        score_texts(model, [[4]])


def test_greedy_continuation_takes_the_argmax_each_step(model):
    out = greedy(model, TEXTS[0], 3)
    assert out[0] == int(logits(model, TEXTS[0])[-1].argmax())
    assert out[1] == int(logits(model, TEXTS[0] + out[:1])[-1].argmax())


def planted(seed: int = 1) -> tuple[Transformer, ZeroWeight]:
    """A random model with a super weight planted in layer 1: one channel whose gate and up rows
    fire strongly on every token, read by one large down_proj weight."""
    model = random_model(LLAMA, seed)
    sw = ZeroWeight(1, 6, 20)
    ffn = model.blocks[1].ffn
    with torch.no_grad():
        ffn.gate_proj.weight[sw.col] = 3.0
        ffn.up_proj.weight[sw.col] = 3.0
        ffn.down_proj.weight[sw.row, sw.col] = 40.0
    return model, sw


def test_the_recipe_finds_a_planted_super_weight_from_one_prompt():
    model, sw = planted()
    with torch.inference_mode():
        spikes = super_weight.down_proj_spikes(model, model.trace(torch.tensor(TEXTS[0])))
    cand = super_weight.candidate(model, spikes)
    assert cand is not None and cand.weight == sw and cand.value == 40.0
    assert cand.out_ratio >= super_weight.SPIKE
    # a model without one: no layer spikes, so no candidate
    plain = random_model(LLAMA, 1)
    with torch.inference_mode():
        assert super_weight.candidate(plain, super_weight.down_proj_spikes(plain, plain.trace(torch.tensor(TEXTS[0])))) is None


def test_the_zeroing_study_contrasts_the_candidate_with_large_and_random_weights():
    model, sw = planted()
    with torch.inference_mode():
        cand = super_weight.candidate(model, super_weight.down_proj_spikes(model, model.trace(torch.tensor(TEXTS[0]))))
    base, rows = super_weight.zeroing_study(model, TEXTS, cand, k=2)
    kinds = [r.kind for r in rows]
    assert kinds == ["super weight", "large weight", "large weight", "random weight", "random weight"]
    assert rows[0].weight == sw and all(r.weight != sw for r in rows[1:])
    large = [abs(r.value) for r in rows[1:3]]
    w = model.blocks[1].ffn.down_proj.weight.abs().flatten().sort(descending=True).values
    assert large == pytest.approx(w[1:3].tolist())  # the next-largest after the super weight
    assert rows[0].scores.loss != pytest.approx(base.loss)


def test_massive_activations_are_found_with_their_writers_and_removed_by_an_edit():
    model, sw = planted()
    with torch.inference_mode():
        t = model.trace(torch.tensor(TEXTS[0]))
    found = massive.find(t, ratio=20.0, floor=10.0)
    assert found and found[0].dim == sw.row and found[0].first_layer == 1
    ffn, attn, top = massive.writers(model, t, found[0], k=3)
    assert top[0].neuron == sw.col and top[0].layer == 1
    assert abs(top[0].part) > 0.5 * abs(ffn)
    # the FFN's neurons add up to the FFN's part of the value (no bias)
    all_parts = massive.writers(model, t, found[0], k=LLAMA.d_ff)[2]
    assert sum(w.part for w in all_parts) == pytest.approx(ffn, rel=1e-4)
    means = massive.mean_values(model, TEXTS, found[:1])
    assert len(means) == 1
    zero = massive.prediction(model, TEXTS[0], found[:1], [0.0])
    same = massive.prediction(model, TEXTS[0], found[:1], [found[0].value])
    plain = massive.prediction(model, TEXTS[0], found[:1], None)
    assert [i for i, _ in same] == [i for i, _ in plain]
    assert same[0][1] == pytest.approx(plain[0][1], rel=1e-4)
    assert zero != plain


def test_weight_statistics_match_their_definitions_on_one_neuron(model):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, LLAMA.vocab_size, 500)
    logf = neuron_kinds.token_log_frequency(ids, LLAMA.vocab_size)
    stats = neuron_kinds.weight_stats(model, logf, chunk=40)  # chunks smaller than the vocabulary
    from model.lm.readout import value_vector, vocab_projection
    v = value_vector(model, 2, 9)
    r = vocab_projection(model, v).double().numpy()
    z = (r - r.mean()) / r.std()
    assert stats.skew[2, 9] == pytest.approx((z ** 3).mean(), rel=1e-3, abs=1e-4)
    assert stats.kurtosis[2, 9] == pytest.approx((z ** 4).mean() - 3, rel=1e-3, abs=1e-4)
    assert stats.norm[2, 9] == pytest.approx(float(v.norm()), rel=1e-5)
    assert stats.frequency_corr[2, 9] == pytest.approx(np.corrcoef(r, logf.numpy())[0, 1], rel=1e-3, abs=1e-4)
    assert 0 <= stats.null_share.min() and stats.null_share.max() <= 1 + 1e-5


def test_kinds_follow_the_stated_thresholds(model):
    stats = neuron_kinds.weight_stats(model, torch.zeros(LLAMA.vocab_size) + torch.arange(LLAMA.vocab_size) * 0.01)
    stats.kurtosis[0, 0], stats.skew[0, 0] = 50.0, 3.0
    stats.kurtosis[0, 1], stats.skew[0, 1] = 50.0, -3.0
    peak = np.full(stats.norm.shape, 5.0)
    peak[1, 2] = 0.5
    masks = neuron_kinds.kinds(stats, peak)
    assert neuron_kinds.kinds_of(masks, 0, 0)[:1] == ["prediction"]
    assert "suppression" in neuron_kinds.kinds_of(masks, 0, 1)
    assert "dormant" in neuron_kinds.kinds_of(masks, 1, 2) and masks["dormant"].sum() == 1
    assert neuron_kinds.top_of_kind(stats, masks, "dormant") == [(1, 2)]


def test_mean_ablation_splits_direct_and_total_effect(model):
    logu = torch.full((LLAMA.vocab_size,), -np.log(LLAMA.vocab_size))
    base = score_texts(model, TEXTS, logu)
    a = neuron_kinds.mean_ablation(model, TEXTS, base, logu, 2, 5, 0.0)
    if not model.cfg.post_norms:  # (Gemma 2's post-norm rescales the changed output: not its direct path)
        # in the last layer every path to the logits is the direct one
        assert a.loss[0] == pytest.approx(a.loss[1], abs=1e-4) and a.entropy[0] == pytest.approx(a.entropy[1], abs=1e-4)
    b = neuron_kinds.mean_ablation(model, TEXTS, base, logu, 0, 5, 0.0)
    assert b.loss[0] != pytest.approx(b.loss[1], abs=1e-6)
    same = neuron_kinds.mean_ablation(model, TEXTS, base, logu, 1, 5, 0.0)
    assert same.kl_unigram[1] == pytest.approx(
        score_texts(edited(model, [SetCoefficient(1, 5, 0.0)]), TEXTS, logu).kl_unigram - base.kl_unigram, abs=1e-5)


def test_smollm2_has_a_super_weight_that_wrecks_it_where_large_and_random_weights_do_not(lm):
    """The finding the anatomy page shows (Yu et al. 2024's recipe on SmolLM2-135M)."""
    model, tok = lm.model, lm.tokenizer
    ids = tok.encode("My favourite condiment is mustard. The capital of France is").ids
    with torch.inference_mode():
        cand = super_weight.candidate(model, super_weight.down_proj_spikes(model, model.trace(torch.tensor(ids))))
    assert cand is not None
    assert (cand.weight.layer, cand.weight.row, cand.weight.col) == (11, 507, 1229)
    texts = [tok.encode(t).ids for t in ("The quick brown fox jumps over the lazy dog near the river bank.",
                                         "In 1492, Columbus sailed across the Atlantic Ocean to the Americas.")]
    base, rows = super_weight.zeroing_study(model, texts, cand, k=1)
    by = {r.kind: r.scores.perplexity / base.perplexity for r in rows}
    assert by["super weight"] > 5 and by["random weight"] < 1.05


def test_the_shipped_kinds_statistics_are_smollm2s(lm):
    """The statistics that ship beside the dictionary, checked neuron by neuron against the readout
    computed now; and the kinds they give sit where the literature puts them."""
    from model.lm import build_dictionary
    from model.lm.readout import value_vector, vocab_projection
    d = build_dictionary.load_builtin(lm.source)
    shipped, _ = neuron_kinds.stats_path(lm.source, build_dictionary.SHIPPED)
    stats = neuron_kinds.WeightStats.load(shipped)
    assert stats.norm.shape == (30, 1536)
    logf = neuron_kinds.token_log_frequency(d.ids, lm.config.vocab_size).numpy()
    for layer, n in [(29, 1260), (29, 1089), (11, 1229), (3, 739), (0, 0)]:
        r = vocab_projection(lm.model, value_vector(lm.model, layer, n)).double().numpy()
        z = (r - r.mean()) / r.std()
        assert stats.skew[layer, n] == pytest.approx((z ** 3).mean(), rel=2e-3, abs=1e-3)
        assert stats.kurtosis[layer, n] == pytest.approx((z ** 4).mean() - 3, rel=2e-3, abs=1e-3)
        assert stats.frequency_corr[layer, n] == pytest.approx(np.corrcoef(r, logf)[0, 1], abs=1e-3)
    masks = neuron_kinds.kinds(stats, np.maximum(np.abs(d.peak), np.abs(d.trough)))
    per_layer = {kind: mask.sum(1) for kind, mask in masks.items()}
    # Gurnee et al. 2024: prediction and suppression neurons live in the last layers, suppression last of all
    for kind in ("prediction", "suppression"):
        assert per_layer[kind][-6:].sum() >= 0.8 * per_layer[kind].sum() > 0
    assert per_layer["suppression"][-1] > per_layer["prediction"][-1]
    # the super weight's neuron writes the massive activation, in directions the unembedding barely reads
    assert "entropy" in neuron_kinds.kinds_of(masks, 11, 1229)


def test_a_session_with_the_weight_zeroed_leaves_another_sessions_logits_bit_identical(lm):
    """Two sessions at once on the shared model: one runs with the super weight zeroed, the other as
    it is; the other's logits never change, and dropping the view restores bit-identical logits."""
    from tests.concurrency import run_threads
    model = lm.model
    ids = torch.tensor(lm.tokenizer.encode("The capital of France is").ids)[None]
    with torch.inference_mode():
        reference = model(ids)
    seen, zeroed = [], []

    def plain():
        for _ in range(4):
            with torch.inference_mode():
                seen.append(model(ids))

    def with_zero():
        view = edited(model, [ZeroWeight(11, 507, 1229)])
        for _ in range(4):
            with torch.inference_mode():
                zeroed.append(view(ids))

    run_threads([plain, with_zero], timeout=120)
    assert all(torch.equal(s, reference) for s in seen)
    assert not torch.allclose(zeroed[0], reference, atol=1e-3)
    with torch.inference_mode():
        assert torch.equal(model(ids), reference)
