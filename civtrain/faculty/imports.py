"""The teacher pool imported from Excel (CQ-B2): Chinese headers like the roster's, every bad
row named with its reason, and nothing written unless every row is good."""

import re
from dataclasses import dataclass, field

from django.db import transaction

from civtrain.catalogue.api import subject_names
from civtrain.core.actors import Actor
from civtrain.core.spreadsheets import TabularError, TabularErrorCode
from civtrain.core.tabular import Column, RowError, cell_text, read_table, write_table
from civtrain.faculty.data import TEACHER_CATEGORY_LABELS
from civtrain.faculty.services import teacher_create

COLUMNS = [
    Column("name", "姓名", required=True),
    Column("category", "师资类别", aliases=("类别",)),
    Column("full_time", "专兼职", aliases=("专职/兼职",)),
    Column("source", "师资来源", aliases=("内部/外聘",)),
    Column("title", "职称/职务", aliases=("职称", "职务")),
    Column("subjects", "授课科目", aliases=("科目",)),
    Column("phone", "手机号", aliases=("手机", "联系电话")),
]
TEMPLATE_HEADERS = [c.header for c in COLUMNS]
TEMPLATE_EXAMPLE = ["王教授", "专家学者", "兼职", "外聘", "教授", "法治、公文写作", "13800000000"]
MAX_ROWS = 2000
SEPARATORS = re.compile(r"[、,，;；/\s]+")
PHONE = re.compile(r"^1\d{10}$")


@dataclass
class TeacherImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    name: str
    category: str
    full_time: bool
    internal: bool
    title: str
    subjects: list[str]
    phone: str


def _parse(number: int, values: dict[str, object], by_name: dict[str, str]) -> _Row | RowError:
    def text(key: str) -> str:
        return cell_text(values.get(key, "")).strip()

    name = text("name")
    if not name or len(name) > 50:
        return RowError(number, "姓名", name, "姓名为空或超过 50 个字")
    categories = {v: k.value for k, v in TEACHER_CATEGORY_LABELS.items()}
    category = categories.get(text("category") or "专家学者")
    if category is None:
        return RowError(number, "师资类别", text("category"), "应为 领导干部、管理人员 或 专家学者")
    full_time = text("full_time") or "兼职"
    if full_time not in ("专职", "兼职"):
        return RowError(number, "专兼职", full_time, "应为 专职 或 兼职")
    source = text("source") or "内部"
    if source not in ("内部", "外聘"):
        return RowError(number, "师资来源", source, "应为 内部 或 外聘")
    subjects = []
    for label in SEPARATORS.split(text("subjects")):
        if not label:
            continue
        code = by_name.get(label) or (label if label in by_name.values() else None)
        if code is None:
            return RowError(number, "授课科目", label, "不是培训科目目录中的科目")
        subjects.append(code)
    phone = re.sub(r"[\s-]", "", text("phone"))
    if phone and not PHONE.match(phone):
        return RowError(number, "手机号", phone, "应为 11 位手机号")
    title = text("title")
    if len(title) > 50:
        return RowError(number, "职称/职务", title, "超过 50 个字")
    return _Row(
        number, name, category, full_time == "专职", source == "内部", title, subjects, phone
    )


def teacher_import(*, actor: Actor, org_id: int, data: bytes, filename: str) -> TeacherImportResult:
    """Every row checked first; with any bad row nothing is written and each is named."""
    table = read_table(data, filename=filename, columns=COLUMNS)
    if len(table.rows) > MAX_ROWS:
        raise TabularError(TabularErrorCode.TOO_LARGE, f"一次最多导入 {MAX_ROWS} 名教师")
    by_name = {n: c for c, n in subject_names(include_inactive=True).items()}
    result = TeacherImportResult(errors=list(table.errors))
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for source in table.rows:
        parsed = _parse(source.number, source.values, by_name)
        if isinstance(parsed, RowError):
            result.errors.append(parsed)
            continue
        key = (parsed.name, parsed.phone)
        if key in seen:
            result.errors.append(
                RowError(source.number, "姓名", parsed.name, f"与第 {seen[key]} 行重复")
            )
            continue
        seen[key] = source.number
        rows.append(parsed)
    if result.errors or not rows:
        if not rows and not result.errors:
            raise TabularError(TabularErrorCode.EMPTY, "文件中没有教师")
        return result
    with transaction.atomic():
        for row in rows:
            teacher_create(
                actor=actor,
                org_id=org_id,
                name=row.name,
                internal=row.internal,
                title=row.title,
                subjects=row.subjects,
                phone=row.phone,
                category=row.category,
                full_time=row.full_time,
            )
    result.created = len(rows)
    return result


def teacher_template() -> bytes:
    """The blank template with one example row."""
    return write_table(TEMPLATE_HEADERS, [TEMPLATE_EXAMPLE], fmt="xlsx", sheet_title="师资")
