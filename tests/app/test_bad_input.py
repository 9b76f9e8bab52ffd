"""Property-based tests: hostile URL parameters on every page never produce a traceback.

For each page, hypothesis draws a few of its real parameter names with values that are
out of range, of the wrong type, empty, huge, non-ASCII or injection strings. The page
must run without an exception, show a notice for every value it could not use as given,
and leave only values in the URL that parse cleanly.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.shared.registry import PAGES
from testkit.apptest import run_page

INJECTIONS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "'; DROP TABLE x;--",
              "{{7*7}}", "${7*7}", "../../etc/passwd", "%00", "\u202eevil\u202c", "\u200b\u200d", "🙂" * 40, "مرحبا",
              "1e999", "-1e999", "nan", "inf", "0x1F", "1_000", " 12 ", "true", "None", "[]", "", " ", "a" * 3000]
HOSTILE = st.one_of(
    st.sampled_from(INJECTIONS),
    st.integers(-10**15, 10**15).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60),
)
PAGE_PARAMS = {
    "activations": ["activations", "x_range", "derivative", "glu", "d_model", "d_ff", "ffn_activation", "tokens", "seed"],
    "budget": ["preset", "d_model", "d_ff", "ffn", "activation", "n_layers", "n_heads", "n_kv_heads", "vocab",
               "context", "head", "norm", "bias", "n_experts", "top_k", "seq"],
    "why_ffn": ["w_cat", "w_sat", "dataset", "hidden", "activation", "lr", "steps", "seed", "c_d_model", "c_d_ff",
                "c_activation"],
    "positionwise": ["seq", "changed", "causal", "draw"],
    "block": ["norm_position", "d_model", "d_ff", "n_heads", "ffn", "activation", "bias", "batch", "seq"],
    "gating": ["glu", "neurons", "seed", "d_model"],
    "moe": ["sentence", "n_experts", "top_k"],
    "superposition": ["n", "m", "sparsity", "decay", "a_n", "a_m", "a_sparsity", "neuron"],
    "tour": ["step"],
    "kv_memory": ["text", "view", "pos", "layer", "neuron", "factor", "n_off", "off_layers", "ctx_a", "ctx_b", "word",
                  "target", "vs", "measure", "k_off", "off", "zero", "model", "compare"],
    "concept_neurons": ["concept", "words", "hit", "model"],
    "neurons": ["layer", "neuron", "token", "words", "named", "layer_named", "model"],
    "anatomy": ["text", "kind", "model"],  # its toggles each run the model over a dozen texts: left out
}
GLOBAL = ["present", "download"]
CASES_PER_PAGE = {"superposition": 30, "kv_memory": 50, "neurons": 30, "why_ffn": 45, "concept_neurons": 30, "anatomy": 25}  # the rest: 55 each


def test_every_page_with_parameters_is_covered():
    # the class page's parameters (class, teach, me) are tests/app/test_class_page.py's and tests/classroom's
    assert set(PAGE_PARAMS) == {p.url_path for p in PAGES} - {"home", "quiz", "glossary", "class"}
    assert sum(CASES_PER_PAGE.get(p, 55) for p in PAGE_PARAMS) >= 500


def check_page(page: str, query: dict[str, str]) -> None:
    at = run_page(page, timeout=120, **query)  # asserts no exception
    state = at.session_state.to_dict()
    prefix = next((k[: -len("._specs")] for k in state if k.endswith("._specs")), None)
    assert prefix is not None, "the page did not register its URL parameters"
    specs = state[prefix + "._specs"]
    assert set(PAGE_PARAMS[page]) <= set(specs), "a parameter name in this test is not the page's"
    notices = " ".join(w.value for w in at.warning)
    for name, raw in query.items():
        if name in specs and specs[name].parse(raw)[1] is not None:
            assert f"`{name}=" in notices or f"`{name}` was" in notices, (name, raw, notices)
    for name, value in at.query_params.items():
        value = value[0] if isinstance(value, list) else value
        if name in specs:
            assert specs[name].parse(value)[1] is None, f"published {name}={value!r} does not parse cleanly"


def _test_for(page: str):
    names = PAGE_PARAMS[page] + GLOBAL

    @pytest.mark.model if page in ("kv_memory", "neurons", "anatomy") else (lambda f: f)
    @settings(max_examples=CASES_PER_PAGE.get(page, 55), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(query=st.dictionaries(st.sampled_from(names), HOSTILE, min_size=1, max_size=4))
    def test(query):
        check_page(page, query)

    test.__name__ = f"test_hostile_url_{page}"
    return test


for _page in PAGE_PARAMS:
    globals()[f"test_hostile_url_{_page}"] = _test_for(_page)
