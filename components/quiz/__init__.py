"""The quiz page's code: the figures that settle its computable questions (answers, from the presets
and the parameter accounting) and its score over the session's answers; the words are content/quiz.py."""
