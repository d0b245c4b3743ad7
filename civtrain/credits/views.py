"""Pages of the ledger: a person's training record, reversal, external study claims, and the
bureau's ledger-integrity status. Thin: rules live in services, scoping in selectors."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.credits import selectors, services
from civtrain.credits.data import (
    CLAIM_STATUS_LABELS,
    RESULT_LABELS,
    SOURCE_LABELS,
    ClaimInput,
    ClaimStatus,
    Correction,
    SourceType,
    recorded,
)
from civtrain.organisations.api import org_labels
from civtrain.people import api as people_api


def _labels(**extra: Any) -> dict[str, Any]:
    return {
        "type_labels": {k.value: v for k, v in TRAINING_TYPE_LABELS.items()},
        "mode_labels": {k.value: v for k, v in DELIVERY_MODE_LABELS.items()},
        "source_labels": {k.value: v for k, v in SOURCE_LABELS.items()},
        "result_labels": {k.value: v for k, v in RESULT_LABELS.items()},
        "subject_labels": subject_names(include_inactive=True),
        "claim_labels": {k.value: v for k, v in CLAIM_STATUS_LABELS.items()},
        **extra,
    }


@login_required
def record_page(
    request: HttpRequest, person_id: int, hours_per_day: selectors.HoursPerDay | None = None
) -> HttpResponse:
    """Every entry of a person with corrections shown as such, totals per year (ZZ-M3): what
    each entry recorded, and beside a days-only or hours-only one what it comes to under the
    set governing its date (`hours_per_day`, passed in by config/urls.py; issue #10 item 6)."""
    record = selectors.training_record(
        actor=request.user, person_id=person_id, hours_per_day=hours_per_day
    )
    scope = actor_scope(request.user)
    can_correct = scope.has(*PERSONNEL_ROLES) and record.person.user_id != request.user.pk
    labels = _labels()
    subject_names = labels["subject_labels"]
    rows = []
    for line in record.lines:
        e = line.entry
        rows.append(
            {
                "entry": e,
                "line": line,
                "type": labels["type_labels"].get(e.training_type, e.training_type),
                "mode": labels["mode_labels"].get(e.mode, e.mode),
                "source": labels["source_labels"].get(e.source_type, e.source_type),
                "result": labels["result_labels"].get(e.result, e.result),
                "subjects": [
                    (subject_names.get(c, c), h) for c, h in sorted(line.subjects.items())
                ],
                "reversed_by": line.reversed_by,
                "replacement": line.replacement,
                "is_reversal": e.source_type == SourceType.REVERSAL,
            }
        )
    years = [
        {
            "year": t.year,
            "hours": t.hours,
            "days": t.days,
            "converted": t.converted,
            "unconverted": t.unconverted,
            "subjects": [(subject_names.get(c, c), h) for c, h in sorted(t.subjects.items()) if h],
        }
        for t in record.years
    ]
    return render(
        request,
        "credits/record.html",
        {"person": record.person, "rows": rows, "years": years, "can_correct": can_correct},
    )


@login_required
def my_record_page(
    request: HttpRequest, hours_per_day: selectors.HoursPerDay | None = None
) -> HttpResponse:
    me = people_api.person_for_user(request.user.pk or 0)
    if me is None:
        raise NotFound(_("您的账号没有关联人员档案"))
    return record_page(request, me.id, hours_per_day)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("冲正原因"),
        max_length=300,
        widget=forms.Textarea({"class": "form-control", "rows": 2}),
    )
    hours = forms.DecimalField(
        label=gettext_lazy("更正后的学时（留空则只冲正）"),
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput({"class": "form-control", "step": "0.5"}),
    )
    days = forms.DecimalField(
        label=gettext_lazy("更正后的天数"),
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=Decimal(0),
        widget=forms.NumberInput({"class": "form-control", "step": "0.5"}),
    )


@login_required
def reverse_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Unit HR or a bureau cancels an entry, optionally writing the corrected amounts."""
    services.require_ledger_writer(request.user)
    entry = selectors.entry_get(actor=request.user, entry_id=entry_id)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hours, days = form.cleaned_data["hours"], form.cleaned_data["days"]
        amounts_given = hours is not None or days is not None
        try:
            services.credit_entry_reverse(
                actor=request.user,
                entry_id=entry.pk,
                reason=form.cleaned_data["reason"],
                correction=Correction(hours=hours, days=days) if amounts_given else None,
            )
        except ApplicationError as exc:
            form.add_error(None, _(exc.message))
        else:
            messages.success(request, _("已冲正该记录。"))
            return redirect("credits:record", person_id=entry.person_id)
    person = people_api.person_data(entry.person_id)
    hours, days = recorded(entry.hours, entry.days, entry.derived)  # as recorded (#10 item 6)
    context = _labels(entry=entry, person=person, form=form, hours=hours, days=days)
    return render(request, "credits/reverse.html", context)


class ClaimForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("学习项目名称"),
        max_length=200,
        widget=forms.TextInput({"class": "form-control"}),
    )
    training_type = forms.ChoiceField(
        label=gettext_lazy("培训类型"),
        choices=[(k.value, v) for k, v in TRAINING_TYPE_LABELS.items()],
        widget=forms.Select({"class": "form-select"}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("培训形式"),
        choices=[(k.value, v) for k, v in DELIVERY_MODE_LABELS.items()],
        widget=forms.Select({"class": "form-select"}),
    )
    start_date = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput({"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )
    date = forms.DateField(
        label=gettext_lazy("结束日期"),
        widget=forms.DateInput({"class": "form-control", "type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        label=gettext_lazy("学时"),
        required=False,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput({"class": "form-control", "step": "0.5"}),
    )
    days = forms.DecimalField(
        label=gettext_lazy("天数"),
        required=False,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput({"class": "form-control", "step": "0.5"}),
    )
    subjects = forms.CharField(
        label=gettext_lazy("科目学时（如 法治:4；职业道德:2）"),
        required=False,
        widget=forms.TextInput({"class": "form-control"}),
    )
    degree_study = forms.BooleanField(
        label=gettext_lazy("学历学位教育"),
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )
    description = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        widget=forms.Textarea({"class": "form-control", "rows": 2}),
    )
    evidence = forms.FileField(
        label=gettext_lazy("证明材料（PDF/图片/Word，10 MB 以内）"),
        required=False,
        widget=forms.ClearableFileInput({"class": "form-control"}),
    )


@login_required
def claim_new_page(request: HttpRequest) -> HttpResponse:
    """A learner claims for themselves; personnel staff may claim for ?person=ID."""
    from civtrain.credits.imports import parse_subject_hours

    person_param = request.GET.get("person") or request.POST.get("person") or ""
    if person_param.isdigit():
        person = people_api.access_person(request.user, int(person_param))
    else:
        mine = people_api.person_for_user(request.user.pk or 0)
        if mine is None:
            raise NotFound(_("您的账号没有关联人员档案"))
        person = mine
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            subjects = parse_subject_hours(d["subjects"] or "")
        except ValueError as exc:
            form.add_error("subjects", str(exc))
            subjects = None
        if subjects is not None:
            evidence: UploadedFile | None = d["evidence"] or None
            try:
                services.claim_submit(
                    actor=request.user,
                    data=ClaimInput(
                        person_id=person.id,
                        title=d["title"],
                        training_type=d["training_type"],
                        mode=d["mode"],
                        date=d["date"],
                        start_date=d["start_date"],
                        hours=d["hours"],
                        days=d["days"],
                        subject_hours=subjects,
                        degree_study=d["degree_study"],
                        description=d["description"],
                    ),
                    evidence=evidence,
                )
            except ApplicationError as exc:
                form.add_error(None, _(exc.message))
            else:
                messages.success(request, _("申报已提交，等待单位审核。"))
                return redirect("credits:claims")
    return render(request, "credits/claim_form.html", {"form": form, "person": person})


PAGE_SIZE = 50  # the compliance list's page (#11 item 2)


def _named(
    people: dict[int, tuple[str, int]], units: dict[int, str], person_id: int
) -> tuple[str, str]:
    name, unit_id = people.get(person_id, ("", 0))
    return name, units.get(unit_id, "")


@login_required
def claims_page(request: HttpRequest) -> HttpResponse:
    """Personnel staff: the approval queue of their scope. Learners: their own claims."""
    scope = actor_scope(request.user)
    reviewer = scope.has(*PERSONNEL_ROLES)
    status = request.GET.get("status", ClaimStatus.PENDING if reviewer else "")
    if status not in {"", *(s.value for s in ClaimStatus)}:
        status = ""
    page = Paginator(selectors.claim_list(actor=request.user, status=status), PAGE_SIZE)
    claims = page.get_page(request.GET.get("page"))
    # The page's people and their units in two reads, not one per row (#11).
    people = people_api.person_names_and_units({c.person_id for c in claims})
    units = org_labels({unit_id for _name, unit_id in people.values()})
    return render(
        request,
        "credits/claims.html",
        _labels(
            page=claims,
            query=urlencode({"status": status}),
            claims=[(c, *_named(people, units, c.person_id)) for c in claims],
            reviewer=reviewer,
            status=status,
            statuses=[(s.value, CLAIM_STATUS_LABELS[s]) for s in ClaimStatus],
        ),
    )


@login_required
@require_POST
def claim_decide_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        services.claim_decide(
            actor=request.user,
            claim_id=claim_id,
            approve=approve,
            comment=request.POST.get("comment", ""),
        )
    except NotFound:
        raise  # out of scope: the 404 page, as for a missing claim
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已批准，学时已记入培训档案。") if approve else _("已驳回。"))
    return redirect("credits:claims")


@login_required
def claim_evidence(request: HttpRequest, claim_id: int) -> FileResponse:
    claim = selectors.claim_get(actor=request.user, claim_id=claim_id)
    if not claim.evidence:
        raise NotFound(_("该申报没有证明材料"))
    return FileResponse(
        claim.evidence.open("rb"),
        as_attachment=True,
        filename=(claim.evidence.name or "evidence").rsplit("/", 1)[-1],
    )


@login_required
def ledger_status_page(request: HttpRequest) -> HttpResponse:
    """The city bureau's view of ledger integrity: last checkpoint, last verifications."""
    status = selectors.ledger_status(actor=request.user)
    return render(request, "credits/status.html", status)
