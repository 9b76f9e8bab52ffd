"""The load test's machinery, small: protocol-level sessions and a browser against a real
server for a few seconds, with zero errors (the full sweep is `python -m loadtest.run`)."""
import pytest

from loadtest import run

pytestmark = pytest.mark.browser


def test_concurrent_sessions_run_without_errors(warm_caches):
    report = run.main(["--sessions", "4", "--browsers", "1", "--seconds", "10", "--think", "2", "--settle", "0"])
    (row,) = report["rounds"]
    assert row["errors"] == 0, report["first_errors"]
    assert row["reruns"] >= 8 and row["browser_median_ms"] is not None
    assert row["rss_peak_mb"] >= row["rss_start_mb"] > 100
