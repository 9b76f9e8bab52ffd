"""The tour's content: every step names a live view, a weights label and a page that exist."""
from components.shared.registry import PAGES
from components.shared.widgets import WEIGHT_LABELS
from components.tour.views import VIEWS
from content.tour import STEPS


def test_every_step_points_at_what_exists():
    pages = {p.url_path for p in PAGES}
    for step in STEPS:
        assert step.title and step.idea and step.text
        assert step.view is None or step.view in VIEWS, step.view
        assert step.weights in WEIGHT_LABELS and step.page in pages
    assert {s.view for s in STEPS} == set(VIEWS)  # no live view is left without a step
