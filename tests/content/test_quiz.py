"""The quiz's content and its checker."""
from content.quiz import QUESTIONS, TAKEAWAYS, check


def test_quiz_content_and_checker():
    assert len(QUESTIONS) == 8 and len(TAKEAWAYS) == 7
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert 0 <= q.answer < len(q.options) and q.why
        assert check(q, None) is None
        assert check(q, q.answer) == (True, q.why)
        assert check(q, (q.answer + 1) % len(q.options))[0] is False


def _question(key):
    return next(q for q in QUESTIONS if q.key == key)


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
    q = _question("positionwise")
    assert "causal" in q.prompt and q.options[q.answer] == "Positions 3 and later"
    assert "Only position 3's" in q.options and "alone" in q.why  # the wrong option, and why it is tempting


def test_numeric_answers_match_the_presets():
    from model.architectures import accounting
    from model.architectures.presets import PRESETS, PUBLISHED_TOTALS

    q = _question("expansion")
    ratios = {PRESETS[k].d_ff / PRESETS[k].d_model for k in PRESETS if k.startswith(("gpt2", "bert"))}
    assert ratios == {4.0} and q.options[q.answer] == "4×"
    q = _question("share")
    share = accounting.budget(PRESETS["gpt2-small"]).ffn_share_non_embedding
    assert abs(share - 2 / 3) < 0.01 and q.options[q.answer] == "Two thirds"
    q = _question("moe")
    total, active = PUBLISHED_TOTALS["mixtral-8x7b"]
    assert q.options[q.answer] == f"About {round(100 * active / total)}%"
    q = _question("gated_width")
    assert "LLaMA" in q.prompt and abs(PRESETS["llama2-7b"].d_ff / PRESETS["llama2-7b"].d_model - 8 / 3) < 0.05
    assert "{gated_ratios}" in q.why and "not a rule" in q.why  # the real ratios, not "the" rule


def test_takeaways_say_what_the_pages_compute():
    moe = TAKEAWAYS[-1]
    assert "compute per token with k" in moe and "does not" not in moe
    assert "convex mix" in TAKEAWAYS[0] and "stay linear" not in TAKEAWAYS[0]
