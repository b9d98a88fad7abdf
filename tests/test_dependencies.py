"""The apps depend one way: standards ← organisations ← assessments ← evidence ← reports (an
arrow points at what may be imported), with the dashboard above them all.

Every module of every app is parsed (not imported) and each of its imports is checked, lazy
imports inside functions included: an app may import only the apps below it. ``accounts`` (the
user) and ``cse_portal``'s helpers (web, text, row_reads) sit at the bottom; ``demo`` and the
project's wiring (``cse_portal``'s settings, URLs and views) at the top. A new app must be given its
place in LAYERS, or this test fails.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Each app may import the apps of its own layer (itself) and of the layers before it.
LAYERS: list[set[str]] = [
    {"cse_portal.web", "cse_portal.text", "cse_portal.middleware", "cse_portal.row_reads"},
    {"accounts"},
    {"standards"},
    {"organisations"},
    {"assessments"},
    {"evidence"},
    {"actions"},  # improvement actions: between the evidence they cite and reports
    {"reports"},
    {"dashboard"},
    {"api"},  # the read-only API reads every app
    {"audit"},  # the audit trail reads every app's history
    {"archive"},  # organisation archives read and write every app's tables
    {"demo"},
    {"cse_portal"},  # settings, URLs, the landing page, Celery: the project's wiring
]
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}
APPS = sorted({name.split(".")[0] for name in LEVEL})


def owner(module: str) -> str | None:
    """The layer entry a dotted module belongs to: its most specific listed prefix."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in LEVEL:
            return name
    return None


def modules_of(app: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, at any depth (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from cse_portal import web": a name may be a module of its own.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def against_the_direction(path: Path) -> list[str]:
    here = owner(module_name(path))
    problems = []
    for line, imported in imports_of(path):
        there = owner(imported)
        if there is None or there == here:
            continue
        if LEVEL[there] > LEVEL[here]:
            problems.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_the_app_imports_only_the_apps_below_it(app):
    problems = [problem for path in modules_of(app) for problem in against_the_direction(path)]
    assert not problems, "Imports against the direction:\n" + "\n".join(problems)


def test_every_app_has_its_place():
    """A project app missing from LAYERS would escape the check."""
    apps = {name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()}
    assert apps <= set(LEVEL), f"give these apps a layer: {sorted(apps - set(LEVEL))}"


def test_the_check_sees_lazy_imports(tmp_path, monkeypatch):
    """An import inside a function counts like one at the top of the module."""
    module = tmp_path / "assessments" / "late.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from evidence.models import EvidenceLink\n")
    monkeypatch.setattr("tests.test_dependencies.ROOT", tmp_path)
    assert against_the_direction(module) == [
        "assessments/late.py:2 imports evidence.models.EvidenceLink"
    ]
