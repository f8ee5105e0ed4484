"""One owner per concept, read from the source: no model patched from outside, one school year."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path for package in ("lms_module", "courses", "certificates")
    for path in (ROOT / package).rglob("*.py")
)


def calls_and_definitions() -> tuple[list[tuple[Path, ast.Call]], list[tuple[Path, str]]]:
    calls, functions = [], []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                calls.append((path, node))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((path, node.name))
    return calls, functions


CALLS, FUNCTIONS = calls_and_definitions()


def test_no_class_gets_attributes_set_from_outside():
    """A model's columns are declared in its class, never added later with setattr."""
    patched = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in CALLS
        if isinstance(call.func, ast.Name)
        and call.func.id == "setattr"
        and call.args
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id[:1].isupper()
    ]
    assert patched == []


def test_the_school_year_has_one_home():
    """Dates of the school year come from SchoolYear's named properties, not loose functions."""
    loose = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path, name in FUNCTIONS
        if name.startswith(("school_year_", "next_school_year", "parse_school_year"))
    )
    assert loose == []
    homes = [
        path for path in SOURCES
        if re.search(r"^class SchoolYear\b[(:]", path.read_text(encoding="utf-8"), re.M)
    ]
    assert [path.relative_to(ROOT).as_posix() for path in homes] == [
        "lms_module/school_years/year.py"
    ]


#: The shared groupings of roles and audiences, each defined once, next to its enums.
GROUPING_HOMES = {
    "ADULT_ROLES": "lms_module/people/models.py",
    "OFFICE_ROLES": "lms_module/people/models.py",
    "AUDIENCE_ROLES": "lms_module/learning/models.py",
    "ROLE_AUDIENCES": "lms_module/learning/models.py",
}


def test_role_groupings_are_defined_once_next_to_their_enums():
    definitions = sorted(
        (target.id, path.relative_to(ROOT).as_posix())
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
        and (target.id in GROUPING_HOMES or target.id == "SCHOOL_ROLES")
    )
    assert definitions == sorted(GROUPING_HOMES.items())


def test_only_core_request_unwraps_the_signed_in_user_and_the_locale():
    """Views call current_person() and current_language() (lms_module/core/request.py)."""
    home = ROOT / "lms_module/core/request.py"
    elsewhere = sorted(
        path.relative_to(ROOT).as_posix()
        for path in SOURCES
        if path != home
        and re.search(r"_get_current_object\(\)|get_locale\(\)", path.read_text(encoding="utf-8"))
    )
    assert elsewhere == []
    assert "current_user._get_current_object()" in home.read_text(encoding="utf-8")
