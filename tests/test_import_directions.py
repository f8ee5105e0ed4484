"""The allowed import directions (docs/dev/architecture.md), read from the source's import graph.

Every ``import``, at module level or inside a function, counts: a deferred import is still a
dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lms_module", "courses", "certificates")


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            yield ".".join(parts), path


def imports_of(path: Path) -> set[str]:
    """Return the absolute names of every module ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


GRAPH = {name: imports_of(path) for name, path in modules()}


def importers(
    module_prefix: str, target_prefixes: tuple[str, ...], *, exact: bool = False
) -> list[str]:
    """List "module -> import" pairs where a module under ``module_prefix`` (or exactly that
    module) imports one of the targets."""
    found = []
    for name, imported in GRAPH.items():
        inside = name.startswith(module_prefix + ".") and not exact
        if name != module_prefix and not inside:
            continue
        for target in sorted(imported):
            if any(target == t or target.startswith(t + ".") for t in target_prefixes):
                found.append(f"{name} -> {target}")
    return found


def test_the_graph_was_read():
    assert len(GRAPH) > 80
    assert "lms_module.web" in GRAPH


@pytest.mark.parametrize("package", ["certificates", "courses"])
def test_certificates_and_courses_know_nothing_of_the_web_or_the_database(package):
    assert importers(package, ("lms_module", "flask", "flask_login", "sqlalchemy")) == []


def test_the_xblock_runtime_does_not_import_the_learning_rules():
    assert importers("lms_module.xblock_runtime", ("lms_module.learning",)) == []


def test_the_xblock_runtime_needs_no_database_web_or_other_area():
    """Storage, progress, users and URLs reach the runtime through its protocols (its own
    tests run on the memory versions): it imports no model, no session, no Flask."""
    allowed = ("lms_module.xblock_runtime", "lms_module.core.errors")
    imported = {
        target
        for name, targets in GRAPH.items()
        if name == "lms_module.xblock_runtime" or name.startswith("lms_module.xblock_runtime.")
        for target in targets
    }
    outside = sorted(
        target
        for target in imported
        if target.split(".")[0] in ("lms_module", "flask", "flask_login", "sqlalchemy")
        and not any(target == a or target.startswith(a + ".") for a in allowed)
    )
    assert outside == []


def test_services_never_import_views():
    """Views (and the CLI) call services; a service, model or helper never imports a view."""
    views = tuple(name for name in GRAPH if name.endswith(".views") or name == "lms_module.web")
    callers = {"lms_module", "lms_module.web", "lms_module.cli"}
    offenders = []
    for name in GRAPH:
        if name.endswith(".views") or name in callers:
            continue
        offenders += importers(name, views, exact=True)
    assert offenders == []


def test_nothing_imports_the_wiring_module_but_the_extension():
    offenders = [
        pair
        for name in GRAPH
        if name != "lms_module"
        for pair in importers(name, ("lms_module.web",), exact=True)
    ]
    assert offenders == []
