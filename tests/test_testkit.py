"""The helpers tests, bench/ and loadtest/ share (testkit/)."""
import math

from testkit.stats import percentile


def test_one_percentile_rule_by_nearest_rank():
    twenty = [float(x) for x in range(1, 21)]
    assert percentile(twenty, 0.95) == 19.0 and percentile(twenty, 0.90) == 18.0 and percentile(twenty, 0.5) == 10.0
    assert percentile(twenty[::-1], 1.0) == 20.0 and percentile(twenty, 0.0) == 1.0
    assert percentile([0.3], 0.95) == 0.3 and math.isnan(percentile([], 0.5))
