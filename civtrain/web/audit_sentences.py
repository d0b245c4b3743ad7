"""Audit changes in words a civil servant reads (issue #11 item 6): "状态：报名中 → 进行中"
rather than `status: ['open', 'running']`. Field names and coded values are shown by their
Chinese labels (translated in English); anything unknown is shown as stored."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civtrain.accounts.data import ROLE_LABELS
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.classes.data import CLASS_STATUS_LABELS, EXAM_FORM_LABELS
from civtrain.credits.data import RESULT_LABELS
from civtrain.enrolment.data import ENROLMENT_STATUS_LABELS, LEAVE_STATUS_LABELS
from civtrain.people.data import CATEGORY_LABELS, GENDER_LABELS, LEVEL_LABELS, STATUS_LABELS

FIELD_LABELS = {
    "name": gettext_noop("姓名"),
    "gender": gettext_noop("性别"),
    "birth_date": gettext_noop("出生年份"),
    "phone_masked": gettext_noop("手机号"),
    "unit_id": gettext_noop("单位"),
    "org_id": gettext_noop("机构"),
    "organiser_id": gettext_noop("主办单位"),
    "institution_id": gettext_noop("施教机构"),
    "category": gettext_noop("人员类别"),
    "rank": gettext_noop("职级"),
    "leadership_level": gettext_noop("职务层次"),
    "grassroots": gettext_noop("基层"),
    "basic_post": gettext_noop("机关基础岗位"),
    "law_enforcement": gettext_noop("行政执法"),
    "reporting_date": gettext_noop("报到日期"),
    "status": gettext_noop("状态"),
    "role": gettext_noop("角色"),
    "code": gettext_noop("编号"),
    "title": gettext_noop("名称"),
    "training_type": gettext_noop("培训类型"),
    "mode": gettext_noop("培训方式"),
    "start_date": gettext_noop("开始日期"),
    "end_date": gettext_noop("结束日期"),
    "date": gettext_noop("日期"),
    "days": gettext_noop("天数"),
    "hours": gettext_noop("学时"),
    "total_hours": gettext_noop("总学时"),
    "capacity": gettext_noop("名额"),
    "pass_mark": gettext_noop("及格线"),
    "exam_form": gettext_noop("考核方式"),
    "topic": gettext_noop("专题"),
    "result": gettext_noop("结果"),
    "reason": gettext_noop("原因"),
    "rows": gettext_noop("行数"),
    "count": gettext_noop("人数"),
    "created": gettext_noop("新增"),
    "from": gettext_noop("起"),
    "to": gettext_noop("止"),
    "subject_hours": gettext_noop("科目学时"),
    "self_registration": gettext_noop("允许自主报名"),
    "external": gettext_noop("外部培训班"),
    "personal_data": gettext_noop("含个人信息"),
    "audience": gettext_noop("培训对象"),
    "units": gettext_noop("通知单位数"),
    "file": gettext_noop("文件"),
    "notices": gettext_noop("单位通知数"),
    "passed": gettext_noop("合格人数"),
    "failed": gettext_noop("不合格人数"),
    "early_reason": gettext_noop("提前确认成绩的原因"),
}
# Coded values by field; the labels are the apps' own (already in the catalogue).
VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "gender": GENDER_LABELS,
    "category": CATEGORY_LABELS,
    "leadership_level": LEVEL_LABELS,
    "role": ROLE_LABELS,
    "training_type": TRAINING_TYPE_LABELS,
    "mode": DELIVERY_MODE_LABELS,
    "exam_form": EXAM_FORM_LABELS,
    "result": RESULT_LABELS,
}
# `status` means a different thing per object type.
STATUS_BY_OBJECT: dict[str, Mapping[Any, str]] = {
    "person": STATUS_LABELS,
    "training_class": CLASS_STATUS_LABELS,
    "enrolment": ENROLMENT_STATUS_LABELS,
    "leave_request": LEAVE_STATUS_LABELS,
}


# Fields that hold an organisation node's id: shown by the node's label (#11 item 3).
ORG_FIELDS = frozenset({"unit_id", "org_id", "organiser_id", "from_unit_id"})


def org_ids_in(changes: Mapping[str, Any]) -> set[int]:
    """The node ids a change names, so a page reads every label of its rows at once."""
    found: set[int] = set()
    for field, value in changes.items():
        if field in ORG_FIELDS:
            values = value if isinstance(value, list) else [value]
            found.update(int(v) for v in values if str(v).isdigit())
    return found


def _value(field: str, value: Any, object_type: str, orgs: Mapping[int, str]) -> str:
    if value is None or value == "":
        return _("（空）")
    if field in ORG_FIELDS and str(value).isdigit() and int(value) in orgs:
        return orgs[int(value)]
    if isinstance(value, bool):
        return _("是") if value else _("否")
    labels = STATUS_BY_OBJECT.get(object_type, {}) if field == "status" else VALUE_LABELS.get(field)
    if labels:
        label = {str(k): v for k, v in labels.items()}.get(str(value))
        if label:
            return _(label)
    if isinstance(value, dict):
        return "，".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def sentences(
    changes: Mapping[str, Any], object_type: str = "", orgs: Mapping[int, str] | None = None
) -> Iterable[str]:
    """One sentence per changed field: "字段：旧 → 新" for a change, "字段：值" otherwise;
    units by their labels from `orgs` (node id → label)."""
    orgs = orgs or {}
    for field, value in changes.items():
        label = _(FIELD_LABELS[field]) if field in FIELD_LABELS else field
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            shown = _value(field, new, object_type, orgs)
            if old is not None:
                shown = f"{_value(field, old, object_type, orgs)} → {shown}"
        else:
            shown = _value(field, value, object_type, orgs)
        yield _("%(field)s：%(value)s") % {"field": label, "value": shown}
