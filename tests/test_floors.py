"""The house has floors (README "Layout"): an app imports only the apps below it, no
module imports another in a circle, and no import hides inside a function to dodge
one. Read from the source, so a new upward import fails here before review."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# From the ground up; an app may import those before it, never those after.
FLOORS = [
    "plans",
    "people",
    "metrics",
    "schemes",
    "finance",
    "assurance",
    "reports",
    "workbook",
    "returns",
    "rounds",
    "demo",
]
ROOF = ["bcfplans"]  # settings and URLs see every app
# Imports a function may make: AppConfig.ready() registrations (Django's documented
# place, once models are loaded) and heavy optional libraries loaded on first use.
LAZY_ALLOWED = {"weasyprint"}


def modules():
    for app in FLOORS + ROOF:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def module_name(relative):
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(relative, node):
    """Full dotted names an import statement brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module_name(relative).split(".")
        if relative.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def local_imports():
    """(module, imported project module, is inside a function) for every import."""
    for relative, tree in modules():
        inside = set()
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                inside |= {id(n) for n in ast.walk(func) if n is not func}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in imported(relative, node):
                    yield relative, name, id(node) in inside


def test_every_import_points_down():
    upward = []
    for relative, name, _lazy in local_imports():
        here, there = relative.parts[0], name.split(".")[0]
        if here in ROOF or there not in FLOORS or here == there:
            continue
        if FLOORS.index(there) > FLOORS.index(here):
            upward.append(f"{relative} imports {name}")
    assert upward == []


def test_the_ground_floor_imports_no_other_app():
    found = [
        f"{relative} imports {name}"
        for relative, name, _lazy in local_imports()
        if relative.parts[0] == "plans" and name.split(".")[0] in FLOORS[1:]
    ]
    assert found == []


def test_no_import_hides_in_a_function():
    hidden = [
        f"{relative} imports {name} inside a function"
        for relative, name, lazy in local_imports()
        if lazy and relative.name != "apps.py" and name.split(".")[0] not in LAZY_ALLOWED
    ]
    assert hidden == []


def test_no_two_modules_import_each_other_in_a_circle():
    names = {module_name(relative) for relative, _tree in modules()}
    graph = {name: set() for name in names}
    for relative, name, _lazy in local_imports():
        if relative.name == "apps.py":
            continue  # ready() runs after every module has loaded
        target = name if name in names else name.rpartition(".")[0]
        if target in names and target != module_name(relative):
            graph[module_name(relative)].add(target)
    # Packages import their own modules (plans.models -> plans.models.plans); a module
    # reaching its package back is the circle that matters.
    seen, stack, circles = set(), [], []

    def visit(node):
        if node in stack:
            circles.append([*stack[stack.index(node) :], node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()

    for node in sorted(graph):
        visit(node)
    assert circles == []


@pytest.mark.parametrize("app", FLOORS)
def test_each_floor_is_an_installed_app(app, settings):
    assert app in settings.INSTALLED_APPS
