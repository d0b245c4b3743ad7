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
    "data_key": gettext_noop("数据密钥标识"),
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
    # The other apps' audit rows (every key a `changes=` literal writes: test_audit_sentences)
    "account_disabled": gettext_noop("账号已停用"),
    "added": gettext_noop("新增"),
    "algorithm": gettext_noop("算法"),
    "answered": gettext_noop("已作答"),
    "as_of": gettext_noop("截至日期"),
    "audit_rows_refiled": gettext_noop("改归属的审计记录数"),
    "bad_rows": gettext_noop("错误行数"),
    "by": gettext_noop("操作人"),
    "bytes": gettext_noop("大小（字节）"),
    "candidates": gettext_noop("考生数"),
    "categories": gettext_noop("人员类别"),
    "chains": gettext_noop("链数"),
    "changed": gettext_noop("已变更"),
    "channel": gettext_noop("渠道"),
    "chapter": gettext_noop("章节"),
    "checkpoints": gettext_noop("检查点数"),
    "closes_on": gettext_noop("截止日期"),
    "column": gettext_noop("专题"),
    "comment": gettext_noop("意见"),
    "completion": gettext_noop("完成状态"),
    "counts": gettext_noop("数量"),
    "course": gettext_noop("课程"),
    "credential": gettext_noop("凭据"),
    "deadline": gettext_noop("截止时间"),
    "degree_study": gettext_noop("学历教育"),
    "digest": gettext_noop("摘要值"),
    "dimensions": gettext_noop("评估维度"),
    "documents": gettext_noop("文书数"),
    "edition": gettext_noop("版本"),
    "entries": gettext_noop("记录数"),
    "entry_id": gettext_noop("学时记录"),
    "erased": gettext_noop("已清除"),
    "evaluator": gettext_noop("评估人"),
    "expires_at": gettext_noop("过期时间"),
    "extra_attempts": gettext_noop("补考次数"),
    "failures": gettext_noop("失败次数"),
    "files": gettext_noop("文件数"),
    "filters": gettext_noop("筛选条件"),
    "first_id": gettext_noop("起始记录"),
    "forced": gettext_noop("强制"),
    "format": gettext_noop("格式"),
    "from_survey": gettext_noop("来源调查"),
    "full_time": gettext_noop("专职"),
    "internal": gettext_noop("内部"),
    "invited": gettext_noop("邀请人数"),
    "item": gettext_noop("学习内容"),
    "job": gettext_noop("任务"),
    "kind": gettext_noop("类别"),
    "laggards": gettext_noop("落后人数"),
    "last_id": gettext_noop("截止记录"),
    "left_on": gettext_noop("离开日期"),
    "length": gettext_noop("长度"),
    "locked_out": gettext_noop("已锁定"),
    "masked": gettext_noop("已脱敏"),
    "max_points": gettext_noop("满分"),
    "method": gettext_noop("请求方法"),
    "new_head": gettext_noop("新链头"),
    "ok": gettext_noop("通过"),
    "old_head": gettext_noop("原链头"),
    "parent": gettext_noop("上级"),
    "password": gettext_noop("密码"),
    "path": gettext_noop("路径"),
    "period": gettext_noop("认定期限"),
    "person_id": gettext_noop("人员"),
    "points": gettext_noop("得分"),
    "prefix": gettext_noop("前缀"),
    "question_id": gettext_noop("试题"),
    "questions": gettext_noop("试题数"),
    "queued": gettext_noop("排队数"),
    "ranks": gettext_noop("职级"),
    "recipients": gettext_noop("收件人数"),
    "recognised_from": gettext_noop("认定起始"),
    "recognised_to": gettext_noop("认定截止"),
    "recorded": gettext_noop("已记录"),
    "refused": gettext_noop("已拒绝"),
    "required": gettext_noop("必修"),
    "responses": gettext_noop("答卷数"),
    "retention_years": gettext_noop("保存年限"),
    "scale": gettext_noop("评分等级"),
    "score": gettext_noop("分数"),
    "sent": gettext_noop("已发送"),
    "seq": gettext_noop("序号"),
    "settled": gettext_noop("已结算"),
    "sha256": gettext_noop("文件校验值"),
    "since": gettext_noop("起始时间"),
    "skipped_bad_rows": gettext_noop("跳过的错误行"),
    "source": gettext_noop("来源"),
    "started": gettext_noop("已开始"),
    "subject": gettext_noop("科目"),
    "subjects": gettext_noop("科目"),
    "success": gettext_noop("成绩状态"),
    "suite": gettext_noop("算法套件"),
    "supersedes": gettext_noop("取代"),
    "unchanged": gettext_noop("未变化"),
    "unit_code": gettext_noop("单位代码"),
    "until": gettext_noop("截止时间"),
    "updated": gettext_noop("已更新"),
    "upto_seq": gettext_noop("截至序号"),
    "username": gettext_noop("登录名"),
    "version": gettext_noop("版本"),
    "window_days": gettext_noop("提醒窗口（天）"),
    "year": gettext_noop("年度"),
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
