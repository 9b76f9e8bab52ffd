"""The quiz's content: each question is a choice prediction (quiz-<key>) whose right option is
computed where the code can compute it, and what the code computes agrees with the pages."""
from components.quiz.score import score
from content.predictions import PREDICTIONS, settle
from content.quiz import QUESTIONS, TAKEAWAYS


def _prediction(key):
    return PREDICTIONS[f"quiz-{key}"]


def _answer(key) -> int:
    return settle(_prediction(key)).answer


def test_quiz_content_and_every_question_is_a_choice_prediction():
    assert len(QUESTIONS) == 8 and len(TAKEAWAYS) == 7
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        p = _prediction(q.key)
        assert p.kind == "choice" and p.options == q.options and p.prompt == q.prompt and q.why
        assert (q.answer is None) == (q.figure is not None)  # computed, or conceptual with its answer
        assert 0 <= _answer(q.key) < len(q.options)


def test_the_score_counts_right_answers_among_the_answered():
    right = {f"quiz-{q.key}": _answer(q.key) for q in QUESTIONS}
    assert score({}) == (0, 0)
    assert score(right) == (len(QUESTIONS), len(QUESTIONS))
    first, second = (f"quiz-{q.key}" for q in QUESTIONS[:2])
    wrong = (right[second] + 1) % len(QUESTIONS[1].options)
    assert score({first: right[first], second: wrong, "xor-no-activation": 50.0}) == (1, 2)


def test_positionwise_answer_is_what_a_causal_block_does():
    """Change token 3 (index 2) in a causal block with random weights: the FFN alone moves only
    there, but the FFN's output inside the block moves at 3 and every later position."""
    import torch

    from model.architectures.config import ModelConfig
    from model.architectures.transformer import Block

    torch.manual_seed(0)
    block = Block(ModelConfig(d_model=16, n_heads=2, d_ff=64))
    x = torch.randn(1, 6, 16)
    x2 = x.clone()
    x2[0, 2] = torch.randn(16)
    with torch.no_grad():
        moved_block = (block.trace(x2).ffn_update - block.trace(x).ffn_update)[0].norm(dim=-1) > 1e-6
        moved_alone = (block.ffn(x2) - block.ffn(x))[0].norm(dim=-1) > 1e-6
    in_block = [i + 1 for i, m in enumerate(moved_block.tolist()) if m]  # 1-based, as the question counts
    alone = [i + 1 for i, m in enumerate(moved_alone.tolist()) if m]
    assert alone == [3] and in_block == [3, 4, 5, 6]
    q = _prediction("positionwise")
    assert "causal" in q.prompt and q.options[_answer("positionwise")] == "Positions 3 and later"
    assert "Only position 3's" in q.options and "alone" in q.why  # the wrong option, and why it is tempting


def test_numeric_answers_match_the_presets():
    from model.architectures import accounting
    from model.architectures.presets import PRESETS, PUBLISHED_TOTALS

    q = _prediction("expansion")
    ratios = {PRESETS[k].d_ff / PRESETS[k].d_model for k in PRESETS if k.startswith(("gpt2", "bert"))}
    assert ratios == {4.0} and q.options[_answer("expansion")] == "4×"
    q = _prediction("share")
    share = accounting.budget(PRESETS["gpt2-small"]).ffn_share_non_embedding
    assert abs(share - 2 / 3) < 0.01 and q.options[_answer("share")] == "Two thirds"
    q = _prediction("moe")
    total, active = PUBLISHED_TOTALS["mixtral-8x7b"]
    assert q.options[_answer("moe")] == f"About {round(100 * active / total)}%"
    q = _prediction("gated_width")
    assert "LLaMA" in q.prompt and abs(PRESETS["llama2-7b"].d_ff / PRESETS["llama2-7b"].d_model - 8 / 3) < 0.05
    assert q.options[_answer("gated_width")].startswith("Three matrices")
    assert "{gated_ratios}" in q.why and "not a rule" in q.why  # the real ratios, not "the" rule
    q = _prediction("gating")
    assert q.options[_answer("gating")].startswith("Yes")


def test_takeaways_say_what_the_pages_compute():
    moe = TAKEAWAYS[-1]
    assert "compute per token with k" in moe and "does not" not in moe
    assert "convex mix" in TAKEAWAYS[0] and "stay linear" not in TAKEAWAYS[0]
