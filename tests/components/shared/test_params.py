import pytest

from components.shared.params import BoolParam, ChoiceParam, MultiChoiceParam, NumberParam, shown

D = NumberParam("d_model", 256, lo=16, hi=1024)


@pytest.mark.parametrize("raw, value, notice", [
    (None, 256, None), ("128", 128, None), (" 64 ", 64, None), ("1e3", 1000, None),
    ("5000", 1024, "clamped to `1024`"), ("-3", 16, "clamped to `16`"), ("inf", 1024, "clamped"),
    ("abc", 256, "not a whole number"), ("12.5", 256, "not a whole number"), ("nan", 256, "not"),
    ("", 256, "not"), ("1" * 400, 1024, "clamped"),
])
def test_number(raw, value, notice):
    v, n = D.parse(raw)
    assert v == value and type(v) is int
    assert (n is None) if notice is None else (notice in n)


def test_float_param():
    p = NumberParam("x_range", 4.0, lo=0.5, hi=10.0, integer=False)
    assert p.parse("2.5") == (2.5, None)
    assert p.parse("0")[0] == 0.5
    assert p.serialize(2.5) == "2.5"


def test_choice_bool_multi():
    c = ChoiceParam("norm", "layernorm", options=["layernorm", "rmsnorm"])
    assert c.parse("RMSNorm") == ("rmsnorm", None)
    assert c.parse("batchnorm")[0] == "layernorm" and "one of layernorm, rmsnorm" in c.parse("batchnorm")[1]
    b = BoolParam("bias", True)
    assert b.parse("false") == (False, None) and b.parse("1") == (True, None) and b.parse("maybe")[0] is True
    m = MultiChoiceParam("activations", ["relu"], options=["relu", "gelu", "silu"])
    assert m.parse("gelu,silu") == (["gelu", "silu"], None)
    value, notice = m.parse("gelu,bogus,gelu")
    assert value == ["gelu"] and "ignored" in notice
    assert m.parse(",,")[0] == ["relu"]


def test_notices_neutralise_markup():
    _, notice = D.parse("<script>alert(1)</script>`x`\x00")
    assert "`x`" not in notice and "\x00" not in notice
    assert shown("a" * 100).endswith("…") and len(shown("a" * 100)) == 41
