"""The helpers tests, bench/ and loadtest/ share (testkit/)."""
import math

from testkit.stats import percentile


def test_one_percentile_rule_by_nearest_rank():
    twenty = [float(x) for x in range(1, 21)]
    assert percentile(twenty, 0.95) == 19.0 and percentile(twenty, 0.90) == 18.0 and percentile(twenty, 0.5) == 10.0
    assert percentile(twenty[::-1], 1.0) == 20.0 and percentile(twenty, 0.0) == 1.0
    assert percentile([0.3], 0.95) == 0.3 and math.isnan(percentile([], 0.5))


def test_page_runs_scan_the_installed_components_once(monkeypatch):
    """Each new AppTest scans every installed package for custom components on its first run unless
    it is handed a registry in `_bidi_component_manager` (Streamlit 1.67); run_page hands it the
    process's one, so an upgrade that moves the attribute fails here, not as a slower suite."""
    import streamlit.components.v2.manifest_scanner as scanner

    from testkit.apptest import installed_components, run_page

    scans = []
    real = scanner.scan_component_manifests
    monkeypatch.setattr(scanner, "scan_component_manifests", lambda *a, **k: scans.append(1) or real(*a, **k))
    installed_components.cache_clear()
    first, second = run_page("home"), run_page("glossary")
    assert len(scans) == 1
    assert first._bidi_component_manager is second._bidi_component_manager is installed_components()
