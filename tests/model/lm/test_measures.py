"""Every attribution measure in the registry runs and describes itself, on a tiny random GPT-2
file (a dense FFN, LayerNorms and biases), so a new entry is checked the moment it is added."""
import pytest
import torch

from model.lm import attribution as at
from model.lm import gguf_loader
from model.lm import kv_memory as kv
from model.lm import measures
from testkit.gguf_files import write_gpt2

pytestmark = pytest.mark.model
FIELDS = dict(neurons=1_000, position=3, target="' Paris'", quantity="centred logit", metric="log-probability",
              explained="the centred logit of ' Paris' (1.00): why", explained_name="the centred logit", split="…")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    lm = gguf_loader.load(write_gpt2(tmp_path_factory.mktemp("measures") / "tiny-gpt2.gguf"), use_cache=False)
    ids = lm.tokenizer.encode("The capital of France is").ids
    return lm.model, ids, kv.run(lm.model, ids)


@pytest.mark.parametrize("measure", list(measures.MEASURES.values()), ids=lambda m: m.name)
def test_every_measure_scores_every_neuron_and_fills_its_texts(tiny, measure):
    model, ids, trace = tiny
    pos, token = len(ids) - 1, int(trace.logits[-1].argmax())
    target = at.Target(token, centred=measure.centred)
    scores = measure.compute(model, trace, ids, pos, target)
    assert scores.shape == (model.cfg.n_layers, model.cfg.d_ff) and torch.isfinite(scores).all()
    assert measure.axis.format(quantity=target.label, metric=at.metric_name(target))
    assert measure.summary.format(**FIELDS)  # a template naming another field fails here
    assert measure.label and measure.name == measure.name.lower().strip()


def test_the_registry_holds_the_three_measures_the_page_has_always_offered():
    ms = measures.MEASURES
    assert list(ms)[:3] == ["direct", "total", "raw"] and measures.DEFAULT_MEASURE == "direct"
    assert ms["total"].needs_pass and not ms["direct"].needs_pass and not ms["raw"].needs_pass  # a backward pass
    assert ms["total"].estimates_switch_off and not ms["direct"].estimates_switch_off
    assert ms["direct"].centred and not ms["raw"].centred
    assert len({m.label for m in ms.values()}) == len(ms) and all(name == m.name for name, m in ms.items())


def test_direct_measures_are_the_direct_parts_and_total_is_gradient_times_activation(tiny):
    model, ids, trace = tiny
    pos, token = len(ids) - 1, int(trace.logits[-1].argmax())
    for name, centred in (("direct", True), ("raw", False)):
        target = at.Target(token, centred=centred)
        torch.testing.assert_close(measures.MEASURES[name].compute(model, trace, ids, pos, target),
                                   at.direct_parts(model, trace, pos, target).neurons)
    target = at.Target(token)
    torch.testing.assert_close(measures.MEASURES["total"].compute(model, trace, ids, pos, target),
                               at.total_effects(model, ids, pos, target)[0])
