"""The layout is the architecture: lessons/ → components/ → model/, and inside each the
sub-packages import only what their docstrings allow; serving/ (how a server serves a class)
sits beside them, the teaching code calls it only through its façade (serving/__init__.py), and
model/ never imports it. Read from the source with ast, so an import hidden inside a function
counts too."""
from __future__ import annotations

import ast
from pathlib import Path

from testkit import ROOT

PROJECT = ("model", "components", "content", "lessons", "serving", "classroom")
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
    "classroom": {"model.util", "content"},  # class mode's storage: never streamlit, never the pages
    # teaching code: serving only through its façade (test_teaching_code_imports_only_the_serving_facade)
    "components.shared": {"model", "content", "serving"},  # content/glossary.py: hover help on every page
    # content: the predictions each area's answers.py settles (content/predictions.py)
    "components.activations": {"model", "components.shared", "content", "serving"},
    "components.architectures": {"model", "components.shared", "content", "serving"},
    "components.concepts": {"model", "components.shared", "content", "serving"},
    "components.lm": {"model", "components.shared", "content", "serving"},
    "components.tour": {"model", "components", "content", "serving"},
    "components.quiz": {"model", "content"},
    "components.classroom": {"components.shared", "content", "serving", "classroom"},
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


SOURCES = sorted(p for top in ("model", "components", "content", "serving", "classroom")
                 for p in (ROOT / top).rglob("*.py"))
TEACHING = sorted([ROOT / "app.py", *(p for top in ("lessons", "components", "content") for p in (ROOT / top).rglob("*.py"))])


def violations(path: Path) -> set[str]:
    pkg = package_of(path)
    if pkg not in MAY_IMPORT:
        return {f"(new package {pkg}: give it a docstring and a rule here)"}
    rules = MAY_IMPORT[pkg] | {pkg}
    imports = {n for n in project_imports(path) if n.split(".")[0] != "streamlit"}
    # `from model.lm import kv_memory` names the package and the module: one must be allowed
    bad = {n for n in imports if not allowed(n, rules) and not allowed(n.rsplit(".", 1)[0], rules)
           and n.rsplit(".", 1)[0] not in PROJECT}
    return bad | {n for n in imports if n.split(".")[0] == "lessons"}


def test_each_module_imports_only_what_its_package_may():
    bad = {str(p.relative_to(ROOT)): sorted(v) for p in SOURCES if (v := violations(p))}
    assert not bad, bad


def test_model_content_and_storage_never_import_streamlit():
    pure = [p for p in SOURCES if p.relative_to(ROOT).parts[0] in ("model", "content", "classroom")]
    assert len(pure) > 25
    bad = [str(p.relative_to(ROOT)) for p in pure if any(n.split(".")[0] == "streamlit" for n in project_imports(p))]
    assert not bad, bad


def test_model_never_imports_serving():
    pure = [p for p in SOURCES if p.relative_to(ROOT).parts[0] == "model"]
    bad = [str(p.relative_to(ROOT)) for p in pure if any(n.split(".")[0] == "serving" for n in project_imports(p))]
    assert not bad, bad


def test_teaching_code_imports_only_the_serving_facade():
    """lessons/, components/, content/ and app.py name `serving` and what its __init__ exports,
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


def test_the_app_never_imports_the_test_kit():
    app = [*SOURCES, *TEACHING]
    bad = []
    for path in app:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            bad += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("testkit", "tests")]
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

# what runs a model: Transformer.trace/trace_many/final_residual, and autograd
PASS_CALLS = {"trace", "trace_many", "final_residual", "backward", "grad"}


def passes_in_model() -> set[str]:
    """The functions of model/lm (as model.lm.module.name) that run a forward or backward pass, directly or through
    another such function of model/lm."""
    funcs = {}
    aliases = {}
    for path in (ROOT / "model" / "lm").glob("*.py"):
        mod = f"model.lm.{path.stem}"
        tree = ast.parse(path.read_text())
        aliases[mod] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("model.lm"):
                for a in node.names:
                    aliases[mod][a.asname or a.name] = f"{node.module}.{a.name}"
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                funcs[f"{mod}.{node.name}"] = (mod, node)
    def callees(mod, fn):
        out = set()
        for c in ast.walk(fn):
            if isinstance(c, ast.Call):
                f = c.func
                if isinstance(f, ast.Attribute):
                    if f.attr in PASS_CALLS:
                        out.add("PASS")
                    if isinstance(f.value, ast.Name) and f.value.id in aliases[mod]:
                        out.add(f"{aliases[mod][f.value.id]}.{f.attr}")
                elif isinstance(f, ast.Name):
                    out.add(aliases[mod].get(f.id, f"{mod}.{f.id}"))
        return out
    graph = {name: callees(mod, fn) for name, (mod, fn) in funcs.items()}
    running = {n for n, c in graph.items() if "PASS" in c}
    while True:
        more = {n for n, c in graph.items() if n not in running and c & running}
        if not more:
            break
        running |= more
    return running


def _is_slot(node) -> bool:
    """`forward_pass()` (or serving.forward_pass())."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "forward_pass") or (isinstance(f, ast.Attribute) and f.attr == "forward_pass")


def unslotted_passes(source: str, label: str, running: set[str]) -> list[str]:
    """Calls in `source` to a function of `running` made outside `with forward_pass():`, a function
    decorated `@forward_pass()`, or without `forward_pass()` handed to it as its lock."""
    tree = ast.parse(source)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("model."):
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = (f"{aliases[f.value.id]}.{f.attr}" if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                and f.value.id in aliases else aliases.get(f.id) if isinstance(f, ast.Name) else None)
        if name not in running or any(_is_slot(a) for a in [*node.args, *(k.value for k in node.keywords)]):
            continue  # not a pass, or handed the slot as its lock
        up, slotted = parents.get(node), False
        while up is not None and not slotted:
            slotted = (isinstance(up, ast.With) and any(_is_slot(i.context_expr) for i in up.items)) or (
                isinstance(up, ast.FunctionDef) and any(_is_slot(d) for d in up.decorator_list))
            up = parents.get(up)
        if not slotted:
            bad.append(f"{label}:{node.lineno} {name}")
    return bad


def test_every_pass_in_the_teaching_code_takes_a_forward_slot():
    """A forward or backward pass that cannot batch (model/lm functions that reach a trace, a
    residual or a gradient) runs only inside serving's exclusive slot, so forgetting the slot
    fails here instead of silently running beside every other pass."""
    running = passes_in_model()
    assert {"model.lm.attribution.total_effects", "model.lm.kv_memory.run", "model.lm.attribution.ablate"} <= running
    forgot = "from model.lm import attribution as at\ndef view(model, ids):\n    return at.total_effects(model, ids, 0, None)\n"
    slotted = ("from model.lm import attribution as at\nfrom serving import forward_pass\ndef view(model, ids):\n"
               "    with forward_pass():\n        return at.total_effects(model, ids, 0, None)\n")
    assert unslotted_passes(forgot, "forgot", running) == ["forgot:3 model.lm.attribution.total_effects"]
    assert unslotted_passes(slotted, "slotted", running) == []
    bad = [b for p in sorted([*(ROOT / "components").rglob("*.py"), *(ROOT / "lessons").glob("*.py")])
           for b in unslotted_passes(p.read_text(), str(p.relative_to(ROOT)), running)]
    assert not bad, bad
