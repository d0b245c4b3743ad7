"""The year's evaluation figures as plain data (the `civtrain evaluations summary` command
and its JSON): every form of the year in the org subtree, not only those shown on pages."""

from decimal import Decimal
from typing import Any

from civtrain.evaluation import selectors
from civtrain.faculty.api import teacher_names
from civtrain.institutions.api import institution_names
from civtrain.organisations.api import org_by_codes


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def year_summary(*, year: int, org_code: str | None = None) -> dict[str, Any]:
    forms = selectors.ClassEvaluation.objects.filter(year=year).select_related("training_class")
    if org_code:
        org = org_by_codes([org_code]).get(org_code)
        if org is None:
            raise LookupError(f"组织代码 {org_code} 不存在")
        forms = forms.filter(org_path__startswith=org.path)
    dimensions = selectors.dimension_means(forms)
    answers = selectors.counted_answers(year=year).filter(item__evaluation__in=forms.values("pk"))
    classes = [
        {
            "class_id": f.training_class_id,
            "code": f.training_class.code,
            "title": f.training_class.title,
            "invited": f.invited,
            "responses": f.responses,
            "response_rate": round(f.responses / f.invited, 4) if f.invited else None,
            "scale": f.scale,
            "dimensions": {k: float(v) for k, v in sorted(dimensions.get(f.pk, {}).items())},
        }
        for f in forms.order_by("training_class__code")
    ]
    teachers = selectors.teacher_scores(answers, {})
    institutions = selectors.institution_scores(answers, {})
    t_names = teacher_names(r.key for r in teachers if isinstance(r.key, int))
    i_names = institution_names(r.key for r in institutions if isinstance(r.key, int))
    return {
        "year": year,
        "org": org_code,
        "scale_note": "dimension means are on each form's own scale; teacher and institution "
        "means are out of 100",
        "classes": classes,
        "teachers": [
            {
                "id": r.key,
                "name": t_names.get(int(r.key), ""),
                "mean": _num(r.mean),
                "count": r.answers,
            }
            for r in teachers
        ],
        "institutions": [
            {
                "id": r.key,
                "name": i_names.get(int(r.key), ""),
                "mean": _num(r.mean),
                "count": r.answers,
            }
            for r in institutions
        ],
    }
