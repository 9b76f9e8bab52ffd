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
