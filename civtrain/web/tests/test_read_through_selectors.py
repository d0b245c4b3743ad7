"""Pages and endpoints read through selectors, never the ORM (#9 item 5; STYLE.md §2–3, after
Zulip's semgrep rule against raw model queries in views). pyproject.toml's import-linter
contract keeps model modules out of these modules' imports; this test catches what an import
graph cannot show: ORM calls on a model reached some other way, or on a row's relations."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the civtrain package

# Known debt: these apps' pages and endpoints still read models; issue #11's work moves the
# reads into their selectors. The list only shrinks (test_the_debt_list_only_shrinks).
NOT_YET_HELD = {"accounts", "classes"}

# Methods only a QuerySet or a model manager has (a list, dict or Path has none of them).
QUERY_METHODS = {
    "aggregate",
    "annotate",
    "bulk_create",
    "bulk_update",
    "defer",
    "distinct",
    "earliest",
    "exclude",
    "extra",
    "filter",
    "get_or_create",
    "in_bulk",
    "iterator",
    "latest",
    "only",
    "order_by",
    "prefetch_related",
    "raw",
    "select_for_update",
    "select_related",
    "update_or_create",
    "values_list",
}
# Called without arguments these are QuerySet methods (list.count(x) takes one).
QUERY_METHODS_WITHOUT_ARGUMENTS = {"all", "count", "delete", "exists", "first", "last"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def orm_reads(source: str) -> list[tuple[int, str]]:
    """Each ORM use in `source`, as (line, what), in line order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        what = ""
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            what = ".objects"
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            db = [m for m in modules if m.split(".")[:2] == ["django", "db"]]
            what = f"import {db[0]}" if db else ""
        elif isinstance(node, ast.Call):
            func, bare = node.func, not node.args and not node.keywords
            if isinstance(func, ast.Name) and func.id in SHORTCUTS:
                what = func.id
            elif isinstance(func, ast.Attribute):
                if func.attr in QUERY_METHODS or (
                    bare and func.attr in QUERY_METHODS_WITHOUT_ARGUMENTS
                ):
                    what = f".{func.attr}()"
                elif func.attr == "values" and not bare:  # dict.values() takes none
                    what = ".values(…)"
                elif func.attr == "get" and node.keywords and not node.args:  # .get(pk=…)
                    what = ".get(field=…)"
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return sorted(found)


def page_and_endpoint_modules() -> list[Path]:
    """Every views, import_views, REST and template-tag module of every app."""
    patterns = ("*/views.py", "*/*_views.py", "*/rest_api/*.py", "*/templatetags/*.py")
    return sorted(p for pattern in patterns for p in ROOT.glob(pattern))


def _app(module: Path) -> str:
    return module.relative_to(ROOT).parts[0]


def test_the_check_finds_orm_reads_and_nothing_else() -> None:
    reads = """
from django.db.models import Count
from django.shortcuts import get_object_or_404
a = Person.objects.filter(name="x")
b = person.career_events.order_by("date")
c = selectors.person_list(actor=u)[:5].count()
d = get_object_or_404(Person, pk=1)
e = qs.get(pk=1)
f = qs.values("status")
g = tc.subject_hours.all()
"""
    assert orm_reads(reads) == [
        (2, "import django.db.models"),
        (4, ".filter()"),
        (4, ".objects"),
        (5, ".order_by()"),
        (6, ".count()"),
        (7, "get_object_or_404"),
        (8, ".get(field=…)"),
        (9, ".values(…)"),
        (10, ".all()"),
    ]
    harmless = """
x = request.GET.get("q", "")
y = {k: v for k, v in labels.items()}
z = [f for f in form.fields.values()]
w = list(filter(None, rows)) + sorted(rows)
v = names.count("a")
"""
    assert orm_reads(harmless) == []


def test_pages_and_endpoints_read_through_selectors() -> None:
    modules = [m for m in page_and_endpoint_modules() if _app(m) not in NOT_YET_HELD]
    assert len(modules) > 15  # the glob found the apps' modules
    found = {
        str(m.relative_to(ROOT)): reads for m in modules if (reads := orm_reads(m.read_text()))
    }
    assert found == {}, "move these reads into the app's selectors.py"


@pytest.mark.parametrize("app", sorted(NOT_YET_HELD))
def test_the_debt_list_only_shrinks(app: str) -> None:
    modules = [m for m in page_and_endpoint_modules() if _app(m) == app]
    assert any(orm_reads(m.read_text()) for m in modules), (
        f"{app}'s pages and endpoints read through selectors now: remove it from NOT_YET_HELD"
    )
