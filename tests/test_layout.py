"""The layout is the architecture: pages/ → components/ → model/, and inside each the
sub-packages import only what their docstrings allow; serving/ (how a server serves a class)
sits beside them, the teaching code calls it only through its façade (serving/__init__.py), and
model/ never imports it. Read from the source with ast, so an import hidden inside a function
counts too."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.apptest_helpers import ROOT

PROJECT = ("model", "components", "content", "pages", "serving")
TOOLS_IMPORT = {*PROJECT, "bench", "loadtest", "tests", "testkit"}
# package -> the project packages it may import (itself always allowed)
MAY_IMPORT = {
    "model": set(), "components": set(),  # the top-level __init__ files; modules live in sub-packages
    "model.util": set(),
    "model.ffn": {"model.util"},
    "model.architectures": {"model.util", "model.ffn"},
    "model.lm": {"model.util", "model.ffn", "model.architectures"},
    "model.demos": {"model.util", "model.ffn", "model.architectures"},
    "content": set(),
    "serving": {"model"},
    # teaching code: serving only through its façade (test_teaching_code_imports_only_the_serving_facade)
    "components.shared": {"model", "content", "serving"},  # content/glossary.py: hover help on every page
    "components.activations": {"model", "components.shared", "serving"},
    "components.architectures": {"model", "components.shared", "serving"},
    "components.concepts": {"model", "components.shared", "serving"},
    "components.lm": {"model", "components.shared", "content", "serving"},
    "components.tour": {"model", "components", "content", "serving"},
}


def package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:2]) if parts[0] in ("model", "components") and len(parts) > 2 else parts[0]


def project_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] in PROJECT or n.split(".")[0] == "streamlit"}


def allowed(target: str, rules: set[str]) -> bool:
    return any(target == r or target.startswith(r + ".") for r in rules)


SOURCES = sorted(p for top in ("model", "components", "content", "serving") for p in (ROOT / top).rglob("*.py"))
TEACHING = sorted([ROOT / "app.py", *(p for top in ("pages", "components", "content") for p in (ROOT / top).rglob("*.py"))])


def violations(path: Path) -> set[str]:
    pkg = package_of(path)
    if pkg not in MAY_IMPORT:
        return {f"(new package {pkg}: give it a docstring and a rule here)"}
    rules = MAY_IMPORT[pkg] | {pkg}
    imports = {n for n in project_imports(path) if n.split(".")[0] != "streamlit"}
    # `from model.lm import kv_memory` names the package and the module: one must be allowed
    bad = {n for n in imports if not allowed(n, rules) and not allowed(n.rsplit(".", 1)[0], rules)
           and n.rsplit(".", 1)[0] not in PROJECT}
    return bad | {n for n in imports if n.split(".")[0] == "pages"}


def test_each_module_imports_only_what_its_package_may():
    bad = {str(p.relative_to(ROOT)): sorted(v) for p in SOURCES if (v := violations(p))}
    assert not bad, bad


def test_model_and_content_never_import_streamlit():
    pure = [p for p in SOURCES if p.relative_to(ROOT).parts[0] in ("model", "content")]
    assert len(pure) > 25
    bad = [str(p.relative_to(ROOT)) for p in pure if any(n.split(".")[0] == "streamlit" for n in project_imports(p))]
    assert not bad, bad


def test_model_never_imports_serving():
    pure = [p for p in SOURCES if p.relative_to(ROOT).parts[0] == "model"]
    bad = [str(p.relative_to(ROOT)) for p in pure if any(n.split(".")[0] == "serving" for n in project_imports(p))]
    assert not bad, bad


def test_teaching_code_imports_only_the_serving_facade():
    """pages/, components/, content/ and app.py name `serving` and what its __init__ exports,
    never one of its modules (serving.trace_worker, serving.script_slots, ...)."""
    import serving

    facade = {"serving"} | {f"serving.{name}" for name in serving.__all__}
    assert len(TEACHING) > 40
    bad = {str(p.relative_to(ROOT)): sorted(v) for p in TEACHING
           if (v := {n for n in project_imports(p) if n.split(".")[0] == "serving"} - facade)}
    assert not bad, bad


def test_every_package_says_what_lives_there():
    for init in (ROOT / top / "__init__.py" for top in ("model", "components", "content", "serving")):
        assert ast.get_docstring(ast.parse(init.read_text())), init
    for init in [p for top in ("model", "components") for p in (ROOT / top).glob("*/__init__.py")]:
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 40, f"{init.relative_to(ROOT)} needs a docstring saying what lives there"
        assert package_of(init.parent / "x.py") in MAY_IMPORT


def test_bench_and_loadtest_share_helpers_through_testkit_not_tests():
    """What tests, bench/ and loadtest/ share (a server, Chromium, GGUF writers) lives in testkit/."""
    tools = [p for d in ("bench", "loadtest") for p in (ROOT / d).glob("*.py")]
    assert len(tools) > 5
    bad = {}
    for path in tools:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
        if found := sorted(n for n in names if n.split(".")[0] == "tests"):
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, bad


def test_tools_outside_the_app_import_what_exists():
    """bench/, loadtest/ and the docs script are not run by the suite; a moved module must not break
    them. Every project import they make, including those inside code strings for fresh
    interpreters (bench.model_speed.LOAD_SNIPPET), must resolve."""
    import importlib
    import importlib.util

    from bench.model_speed import LOAD_SNIPPET
    trees = [ast.parse(p.read_text()) for d in ("bench", "loadtest") for p in (ROOT / d).glob("*.py")]
    trees += [ast.parse((ROOT / "tests" / "docs_screenshots.py").read_text()), ast.parse(LOAD_SNIPPET)]
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in TOOLS_IMPORT:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), \
                        f"{node.module} has no {alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in TOOLS_IMPORT:
                        importlib.import_module(alias.name)
