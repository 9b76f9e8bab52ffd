"""End to end in a real browser: change a control, see the chart change, share the URL, reopen it.

Each case names the page, how to change one control, the URL parameter that must carry the
new value, and how to read the control's value back after reopening the URL.
"""
from dataclasses import dataclass
from typing import Callable

import pytest

from testkit.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser


def charts_state(page) -> str:
    """Every plotly chart's data, as JSON: a change anywhere shows up as a different string."""
    return page.evaluate("JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(e => e.data))")


def slider(page, label: str):
    """The range input inside a Streamlit slider (it carries the label as its aria-label)."""
    return page.locator(f'[data-testid=stSlider] input[type=range][aria-label="{label}"]').first


def press_slider(label: str, key: str = "ArrowRight") -> Callable:
    def act(page):
        thumb = slider(page, label)
        thumb.focus()
        thumb.press(key)
    return act


def slider_value(label: str) -> Callable:
    return lambda page: slider(page, label).input_value()


def choose(label: str, option: str) -> Callable:
    def act(page):
        page.locator("[data-testid=stSelectbox]", has_text=label).click()
        page.get_by_role("option", name=option, exact=True).click()
    return act


def selected(label: str) -> Callable:
    return lambda page: page.locator("[data-testid=stSelectbox]", has_text=label).inner_text()


def step_up(label: str) -> Callable:
    return lambda page: page.locator("[data-testid=stNumberInput]", has_text=label).get_by_test_id(
        "stNumberInputStepUp").click()


def number_value(label: str) -> Callable:
    return lambda page: page.locator("[data-testid=stNumberInput]", has_text=label).locator("input").input_value()


def step_number(page) -> str:
    return page.locator("[data-testid=stProgress]").inner_text()


@dataclass(frozen=True)
class Case:
    path: str
    act: Callable
    param: str  # URL parameter that must appear with the new value
    expected: str  # its new value in the URL
    read: Callable  # reads the control back after reopening
    charts: bool = True
    query: str = ""  # "?reveal=all" where the controls wait for a prediction (content/predictions.py)


CASES = [
    Case("activations", press_slider("d_ff"), "d_ff", "1040", slider_value("d_ff"), query="?reveal=all"),
    Case("budget", choose("Start from a published model", "Mixtral-8x7B"), "preset", "mixtral-8x7b",
         selected("Start from a published model")),
    Case("why_ffn", press_slider("Attention to “cat”"), "w_cat", "0.65", slider_value("Attention to “cat”")),
    Case("positionwise", press_slider("Position to change"), "changed", "3", slider_value("Position to change"),
         query="?reveal=all"),
    Case("block", press_slider("d_model"), "d_model", "72", slider_value("d_model"), charts=False, query="?reveal=all"),
    Case("gating", press_slider("Neurons shown"), "neurons", "9", slider_value("Neurons shown")),
    Case("moe", press_slider("Experts", "ArrowLeft"), "n_experts", "7", slider_value("Experts")),
    Case("tour", lambda page: page.get_by_role("button", name="Next").click(), "step", "2", step_number, charts=False),
    Case("kv_memory", press_slider("Layer"), "layer", "25", slider_value("Layer"),  # opens on L24, the top writer
         query="?reveal=all"),
    Case("neurons", step_up("Neuron"), "neuron", "1", number_value("Neuron")),  # the card, a section of its own
]


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_control_updates_chart_url_and_restores(page, server_url, case):
    open_page(page, f"{server_url}/{case.path}{case.query}", charts=case.charts)
    before_charts, before_text = charts_state(page), page.locator("[data-testid=stMain]").inner_text()
    case.act(page)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get({case.param!r}) === {case.expected!r}",
                           timeout=30_000)
    wait_until_idle(page, charts=case.charts)
    if case.charts:
        assert charts_state(page) != before_charts, "the chart did not change"
    else:
        assert page.locator("[data-testid=stMain]").inner_text() != before_text
    shared = page.url
    before_reopen = case.read(page)
    screenshot(page, f"e2e-{case.path}-changed")
    fresh = page.context.new_page()
    open_page(fresh, shared, charts=case.charts)
    assert case.read(fresh) == before_reopen
    assert fresh.locator("[data-testid=stException]").count() == 0
    fresh.close()


@pytest.mark.model
def test_neuron_table_link_opens_that_neurons_card(page, server_url):
    open_page(page, f"{server_url}/neurons?token=%20Paris")
    link = page.get_by_role("link", name="open card").first
    page.wait_for_selector("text=open card", timeout=120_000)  # the dictionary may still be loading
    row = link.locator("xpath=ancestor::tr").locator("td").all_inner_texts()
    link.click()
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('neuron') === {row[1]!r}",
                           timeout=30_000)
    wait_until_idle(page)
    # a fresh session's first run searches the corpus for the token before it draws the card
    page.get_by_text(f"Layer {row[0]}, neuron {row[1]}:").wait_for(timeout=60_000)
    assert f"Layer {row[0]}, neuron {row[1]}:" in page.locator("[data-testid=stMain]").inner_text()


@pytest.mark.model
def test_gallery_link_opens_the_experiment_with_that_neuron_switched_off(page, server_url):
    open_page(page, f"{server_url}/concept_neurons?reveal=all")  # the gallery waits for the page's prediction
    page.get_by_role("link", name="Switch it off on the key-value page").first.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('off') === 'L27n1199'", timeout=60_000)
    wait_until_idle(page, charts=True)
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "Switching the neurons named in the link: L27n1199" in main
    assert "John lost" in page.locator("textarea").first.input_value()
    assert page.locator("[data-testid=stException]").count() == 0


@pytest.mark.model
def test_the_model_picker_moves_the_page_to_another_model(page, server_url):
    open_page(page, f"{server_url}/kv_memory?layer=20", charts=True)
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").click()
    page.get_by_role("option", name="Tiny-Llama.Q8_0.gguf", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('model') === 'tiny-llama-q8-0'",
                           timeout=60_000)
    wait_until_idle(page, charts=True)
    facts = "Tiny-Llama: 2 layers, each with a SwiGLU FFN of 48 neurons"
    page.get_by_text(facts).wait_for(timeout=60_000)
    assert slider_value("Layer")(page) == "1"  # layer 20 does not exist in a two-layer model
    screenshot(page, "e2e-model-picker")
    fresh = page.context.new_page()
    open_page(fresh, page.url, charts=True)
    assert facts in fresh.locator("[data-testid=stMain]").inner_text()
    assert fresh.locator("[data-testid=stException]").count() == 0
    fresh.close()
