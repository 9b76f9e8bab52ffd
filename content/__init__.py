"""Course content a teacher edits: the guided tour's wording (tour.py), the takeaways and quiz
(quiz.py) and the concept gallery's stories (gallery.py). Plain data and string formatting, no
imports from the rest of FFN Lab. A figure the app computes appears as a `{name}` placeholder
that the page fills from live values (model/architectures/prose_facts.py, or the gallery's measurements), so
no sentence states a number the code no longer gives; the live views the tour embeds are in
components/tour/."""
