"""Course content a teacher edits: the guided tour's wording (tour.py) and the takeaways and
quiz (quiz.py). Plain data, no computation and no imports from the rest of FFN Lab; the live
views the tour embeds are in components/tour/."""
