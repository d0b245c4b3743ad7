"""The evaluator's report template: a draft with the class's figures filled in (CQ-M4)."""

from typing import Any

from civtrain.evaluation.models import ClassEvaluation


def draft(evaluation: ClassEvaluation, figures: dict[str, Any]) -> str:
    """The report's first draft; the evaluator completes the text and saves it."""
    tc = evaluation.training_class
    rate = f"{evaluation.responses / evaluation.invited:.0%}" if evaluation.invited else "—"
    lines = [
        f"{tc.title}（{tc.code}）培训质量评估报告",
        "",
        "一、基本情况",
        f"培训班于 {tc.start_date:%Y年%m月%d日} 至 {tc.end_date:%Y年%m月%d日} 举办，"
        f"施教机构为{evaluation.institution.name}。应评 {evaluation.invited} 人，"
        f"实评 {evaluation.responses} 人，参评率 {rate}。",
        "",
        f"二、评估结果（{evaluation.scale} 分制）",
    ]
    if figures["shown"]:
        lines += [
            f"{d['label']}：{d['mean']} 分（百分制 {d['percent']}）" for d in figures["dimensions"]
        ]
        lines.append(f"综合得分（百分制）：{figures['overall']}")
        lines += ["", "三、授课教师"]
        lines += [
            f"{q['item'].label}：{q['mean']} 分"
            for q in figures["questions"]
            if q["item"].teacher_id is not None
        ]
    else:
        lines.append("参评人数不足，暂无评估结果。")
    lines += [
        "",
        "四、主要意见和建议",
        "（请评估人员填写）",
        "",
        "五、评估结论",
        "（请评估人员填写）",
    ]
    return "\n".join(lines)
