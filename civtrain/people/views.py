"""Pages of the registry: people list with search and filters, person detail with career
history and audit trail, the audited ID reveal, create/edit forms and career events."""

import dataclasses
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from civtrain.core.middleware import client_ip
from civtrain.core.tabular import write_table
from civtrain.organisations.api import OrgPickerField, org_labels
from civtrain.people import services
from civtrain.people.data import (
    CATEGORY_LABELS,
    EVENT_LABELS,
    GENDER_LABELS,
    LEVEL_LABELS,
    RANKS,
    RELEASE_PURPOSE_CHOICES,
    STATUS_LABELS,
    Category,
    EventKind,
    Gender,
    LeadershipLevel,
    PasswordSlip,
    PersonInput,
    Status,
)
from civtrain.people.exports import (
    CONTENT_TYPES,
    DEFAULT_ORDER,
    ExportRequest,
    ImmediateExport,
    export_file_open,
    roster_export_start,
)
from civtrain.people.selectors import (
    Person,
    PersonFilters,
    access_person_by_id,
    career_event_list,
    person_audit_trail,
    person_ids,
    person_list,
)

PAGE_SIZE = 50
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "unit": ("unit__path", "name", "id"),
    "birth_date": ("birth_date", "id"),
    "-birth_date": ("-birth_date", "-id"),
    "reporting_date": ("reporting_date", "id"),
    "-reporting_date": ("-reporting_date", "-id"),
}
SORT_LABELS = {
    "name": gettext_lazy("姓名 ↑"),
    "-name": gettext_lazy("姓名 ↓"),
    "unit": gettext_lazy("单位"),
    "birth_date": gettext_lazy("出生日期 ↑"),
    "-birth_date": gettext_lazy("出生日期 ↓"),
    "reporting_date": gettext_lazy("报到日期 ↑"),
    "-reporting_date": gettext_lazy("报到日期 ↓"),
}
TRI_STATE = [("", gettext_lazy("不限")), ("1", gettext_lazy("是")), ("0", gettext_lazy("否"))]


# The list shows the people in post unless asked otherwise, so its count is the unit's
# headcount that the org tree, the home page and the compliance pages show (issue #11 item 8).
STATUS_CHOICES = [("", gettext_lazy("在职"))]
STATUS_CHOICES += [
    (k.value, gettext_lazy(v)) for k, v in STATUS_LABELS.items() if k != Status.ACTIVE
]
STATUS_CHOICES += [("all", gettext_lazy("不限"))]
STATUS_FILTERS = {"": Status.ACTIVE.value, "all": ""}  # form value → PersonFilters.status


def _labels(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(k.value, _(v)) for k, v in labels.items()]


def _personnel_paths(actor: Actor) -> tuple[str, ...]:
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths:
        raise PermissionDenied(_("只有人事管理部门可以查看人员名册"))
    return paths


def _can_write(actor: Actor, person: Person) -> bool:
    """Personnel staff over the person's unit, unless the person was anonymised (#17 item
    4): nothing of theirs is left to change or reveal."""
    return person.anonymised_at is None and actor_scope(actor).covers(
        person.unit.path, *PERSONNEL_ROLES
    )


class PersonFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("姓名或完整身份证号"),
        required=False,
        widget=forms.TextInput({"class": "form-control", "type": "search"}),
    )
    unit = OrgPickerField(label=gettext_lazy("单位（含下级）"), purpose="personnel", required=False)
    category = forms.ChoiceField(label=gettext_lazy("人员类别"), required=False)
    rank = forms.ChoiceField(label=gettext_lazy("职级"), required=False)
    leadership_level = forms.ChoiceField(label=gettext_lazy("职务层次"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    grassroots = forms.ChoiceField(label=gettext_lazy("基层"), required=False, choices=TRI_STATE)
    basic_post = forms.ChoiceField(
        label=gettext_lazy("机关基础岗位"), required=False, choices=TRI_STATE
    )
    law_enforcement = forms.ChoiceField(
        label=gettext_lazy("行政执法"), required=False, choices=TRI_STATE
    )
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].actor = actor  # type: ignore[attr-defined]
        any_ = [("", _("不限"))]
        choices = {
            "category": any_ + _labels(CATEGORY_LABELS),
            "rank": any_ + [(r, r) for r in RANKS],
            "leadership_level": any_ + _labels(LEVEL_LABELS),
            "status": STATUS_CHOICES,
            "grassroots": TRI_STATE,
            "basic_post": TRI_STATE,
            "law_enforcement": TRI_STATE,
            "sort": [(k, str(v)) for k, v in SORT_LABELS.items()],
        }
        for name, options in choices.items():
            # Rendered by {% select_field %} (civtrain.web.templatetags), not by the widget.
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def filters(self) -> tuple[PersonFilters, tuple[str, ...]]:
        if not self.is_valid():
            return PersonFilters(), SORTS["name"]
        d = self.cleaned_data

        def flag(name: str) -> bool | None:
            return {"1": True, "0": False}.get(d[name])

        filters = PersonFilters(
            search=d["q"] or "",
            unit_id=d["unit"].id if d["unit"] else None,
            rank=d["rank"] or "",
            category=d["category"] or "",
            leadership_level=d["leadership_level"] or "",
            status=STATUS_FILTERS.get(d["status"], d["status"]),
            grassroots=flag("grassroots"),
            basic_post=flag("basic_post"),
            law_enforcement=flag("law_enforcement"),
        )
        return filters, SORTS.get(d["sort"] or "name", SORTS["name"])


# A run of digits in a search is an ID number (or a piece of one): it never goes into a URL,
# where access logs and the next page's Referer would keep it (issue 8 item 7).
_DIGITS = re.compile(r"\d{4}")


def _has_id_number(term: str) -> bool:
    return bool(_DIGITS.search(term))


def _without_id_number(request: HttpRequest) -> HttpResponse | None:
    """A GET that carries an ID number in `q`: sent back to the list without it."""
    if not _has_id_number(request.GET.get("q", "")):
        return None
    query = request.GET.copy()
    for key in ("q", "page"):
        query.pop(key, None)
    messages.warning(request, _("身份证号不能放在网址中，请在搜索框中输入后按回车查询。"))
    return redirect(_list_url(query))


def _list_url(query: QueryDict) -> str:
    url = reverse("people:list")
    return f"{url}?{query.urlencode()}" if query else url


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_list_page(request: HttpRequest) -> HttpResponse:
    """GET with the filters in the URL; the search form POSTs (htmx or not), so an ID number
    typed into it stays in the request body. The URL shown (HX-Push-Url, or the redirect
    after a plain POST) carries every filter except such a number."""
    refused = _without_id_number(request) if request.method != "POST" else None
    if refused is not None:
        return refused
    data = request.POST.copy() if request.method == "POST" else request.GET.copy()
    data.pop("csrfmiddlewaretoken", None)
    id_search = _has_id_number(data.get("q", ""))
    public = data.copy()
    if id_search:
        public.pop("q", None)
    htmx = getattr(request, "htmx", False)
    if request.method == "POST" and not htmx and not id_search:
        return redirect(_list_url(public))
    _personnel_paths(request.user)
    form = PersonFilterForm(data or None, actor=request.user)
    filters, order = form.filters()
    people = person_list(actor=request.user, filters=filters, order=order)
    page = Paginator(people, PAGE_SIZE).get_page(data.get("page"))
    people_of_page = list(page.object_list)
    labels = org_labels({p.unit_id for p in people_of_page})  # one read for the page (#11)
    public.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(p, labels.get(p.unit_id, "")) for p in people_of_page],
        "query": public.urlencode(),
        "export_fields": _export_fields(data),
        "release_purposes": RELEASE_PURPOSE_CHOICES,
        "category_labels": {k.value: v for k, v in CATEGORY_LABELS.items()},
        "level_labels": {k.value: v for k, v in LEVEL_LABELS.items()},
        "status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
    }
    partial = htmx and request.headers.get("HX-Target") == "people-results"
    response = render(
        request, "people/list.html#results" if partial else "people/list.html", context
    )
    if htmx:
        response["HX-Push-Url"] = _list_url(public)
    return response


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person_by_id(request.user, person_id)
    services.person_read_record(actor=request.user, person=person, channel="page")
    events = career_event_list(person=person, newest_first=True)
    writable = _can_write(request.user, person)
    # Units by the label people recognise, the person's own and every event's, in one read:
    # a transfer between two bureaus' 办公室 must say which (#11 item 3).
    labels = org_labels(
        {person.unit_id} | {i for e in events for i in (e.unit_id, e.from_unit_id) if i}
    )
    context = {
        "person": person,
        "release_purposes": RELEASE_PURPOSE_CHOICES,
        "unit_label": labels.get(person.unit_id, ""),
        "events": [
            (e, labels.get(e.unit_id or 0, ""), labels.get(e.from_unit_id or 0, "")) for e in events
        ],
        "gender": GENDER_LABELS.get(Gender(person.gender), "") if person.gender else "",
        "category": CATEGORY_LABELS[Category(person.category)],
        "level": LEVEL_LABELS[LeadershipLevel(person.leadership_level)]
        if person.leadership_level
        else "",
        "status": STATUS_LABELS.get(person.status, person.status),  # type: ignore[call-overload]
        "event_labels": {k.value: v for k, v in EVENT_LABELS.items()},
        "level_labels": {k.value: v for k, v in LEVEL_LABELS.items()},
        "writable": writable,
        "audit_trail": person_audit_trail(actor=request.user, person=person),
        "event_form": CareerEventForm(actor=request.user) if writable else None,
    }
    return render(request, "people/detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """POST only: decrypts the ID number for an entitled role and audits it."""
    person = access_person_by_id(request.user, person_id)
    number = services.person_reveal_id_number(
        actor=request.user,
        person=person,
        purpose=request.POST.get("purpose"),
        note=request.POST.get("reason"),
    )
    template = (
        "people/_revealed_id.html"
        if getattr(request, "htmx", False)
        else ("people/revealed_page.html")
    )
    response = render(request, template, {"number": number, "person": person})
    response["Cache-Control"] = "no-store"
    return response


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput({"autocomplete": "off"}),
    )
    gender = forms.ChoiceField(label=gettext_lazy("性别"))
    unit = OrgPickerField(label=gettext_lazy("单位"), purpose="personnel")
    category = forms.ChoiceField(label=gettext_lazy("人员类别"))
    rank = forms.ChoiceField(label=gettext_lazy("职级"), required=False)
    leadership_level = forms.ChoiceField(label=gettext_lazy("职务层次"), required=False)
    grassroots = forms.BooleanField(label=gettext_lazy("基层"), required=False)
    basic_post = forms.BooleanField(label=gettext_lazy("机关基础岗位"), required=False)
    law_enforcement = forms.BooleanField(label=gettext_lazy("行政执法"), required=False)
    reporting_date = forms.DateField(
        label=gettext_lazy("报到日期"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)

    def __init__(
        self, *args: Any, actor: Actor, editing: Person | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        none = [("", "—")]
        self.fields["gender"].choices = _labels(GENDER_LABELS)  # type: ignore[attr-defined]
        self.fields["unit"].actor = actor  # type: ignore[attr-defined]
        self.fields["category"].choices = _labels(CATEGORY_LABELS)  # type: ignore[attr-defined]
        self.fields["rank"].choices = none + [(r, r) for r in RANKS]  # type: ignore[attr-defined]
        self.fields["leadership_level"].choices = none + _labels(LEVEL_LABELS)  # type: ignore[attr-defined]
        if editing is not None:
            # The clear number is never put into the page; blank keeps the stored one.
            self.fields["id_number"].help_text = _("当前：%(masked)s；留空表示不修改") % {
                "masked": editing.id_number_masked
            }
            self.fields["phone"].help_text = _("当前：%(masked)s；留空表示不修改") % {
                "masked": editing.phone_masked or "—"
            }
        else:
            self.fields["id_number"].required = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    def to_input(self) -> PersonInput:
        d = self.cleaned_data
        id_number = d["id_number"] or (self.editing.id_number if self.editing else "")
        return PersonInput(
            name=d["name"],
            id_number=id_number,
            gender=Gender(d["gender"]),
            unit_id=d["unit"].id,
            birth_date=None,  # the ID number's (never put into the page: issue 8 item 3)
            category=Category(d["category"]),
            rank=d["rank"] or "",
            leadership_level=LeadershipLevel(d["leadership_level"])
            if d["leadership_level"]
            else None,
            grassroots=d["grassroots"],
            basic_post=d["basic_post"],
            law_enforcement=d["law_enforcement"],
            reporting_date=d["reporting_date"],
            phone=d["phone"] or "",
        )


def _apply_service_error(form: forms.Form, exc: ApplicationError) -> None:
    field = exc.extra.get("field") if isinstance(exc, ValidationFailed) else None
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def person_create_page(request: HttpRequest) -> HttpResponse:
    _personnel_paths(request.user)
    form = PersonForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, data=form.to_input())
        except ApplicationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, _("已登记 %(name)s") % {"name": person.name})
            return redirect("people:detail", person.pk)
    return render(request, "people/form.html", {"form": form, "person": None})


@login_required
def person_edit_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person_by_id(request.user, person_id)
    if not _can_write(request.user, person):
        raise PermissionDenied(_("您无权修改此人员的信息"))
    _personnel_paths(request.user)
    initial = {
        f: getattr(person, f)
        for f in (
            "name",
            "gender",
            "category",
            "rank",
            "leadership_level",
            "grassroots",
            "basic_post",
            "law_enforcement",
            "reporting_date",
        )
    }
    initial["unit"] = person.unit_id
    form = PersonForm(request.POST or None, actor=request.user, editing=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.to_input())
        except ApplicationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:detail", person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


def _flag_field(label: Any) -> forms.TypedChoiceField:
    """是 / 否, or — for an event that leaves the flag as it was."""
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=[("", "—"), ("1", gettext_lazy("是")), ("0", gettext_lazy("否"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class CareerEventForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("事件类型"))
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    leadership_level = forms.ChoiceField(label=gettext_lazy("职务层次"), required=False)
    rank = forms.ChoiceField(label=gettext_lazy("职级"), required=False)
    unit = OrgPickerField(label=gettext_lazy("调入单位"), purpose="personnel", required=False)
    # issue #10 items 4–5: the category and flags the event sets (blank: unchanged), and a
    # transfer's origin (blank: the unit before)
    category = forms.ChoiceField(label=gettext_lazy("人员类别"), required=False)
    grassroots = _flag_field(gettext_lazy("基层"))
    basic_post = _flag_field(gettext_lazy("机关基础岗位"))
    law_enforcement = _flag_field(gettext_lazy("行政执法"))
    from_unit = OrgPickerField(label=gettext_lazy("原单位"), purpose="personnel", required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = [("", "—")]
        self.fields["kind"].choices = _labels(EVENT_LABELS)  # type: ignore[attr-defined]
        self.fields["leadership_level"].choices = none + _labels(LEVEL_LABELS)  # type: ignore[attr-defined]
        self.fields["rank"].choices = none + [(r, r) for r in RANKS]  # type: ignore[attr-defined]
        self.fields["unit"].actor = actor  # type: ignore[attr-defined]
        self.fields["from_unit"].actor = actor  # type: ignore[attr-defined]
        self.fields["category"].choices = none + _labels(CATEGORY_LABELS)  # type: ignore[attr-defined]
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"


@login_required
@require_POST
def career_event_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person_by_id(request.user, person_id)
    if not _can_write(request.user, person):
        raise PermissionDenied(_("您无权修改此人员的信息"))
    _personnel_paths(request.user)
    form = CareerEventForm(request.POST, actor=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.career_event_record(
                actor=request.user,
                person=person,
                kind=EventKind(d["kind"]),
                date=d["date"],
                leadership_level=LeadershipLevel(d["leadership_level"])
                if d["leadership_level"]
                else None,
                rank=d["rank"] or "",
                unit_id=d["unit"].id if d["unit"] else None,
                note=d["note"] or "",
                category=Category(d["category"]) if d["category"] else None,
                grassroots=d["grassroots"],
                basic_post=d["basic_post"],
                law_enforcement=d["law_enforcement"],
                from_unit_id=d["from_unit"].id if d["from_unit"] else None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录履历事件"))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(str(e) for e in errors)}")
    return redirect("people:detail", person.pk)


# --- roster export: immediate when small, else a background job (issue 2 item 9) -------------


def _export_request(request: HttpRequest) -> ExportRequest:
    """The export the form posts. `unit` is the import page's unit code; the people list
    posts its own filters (hidden fields), with `unit_id`. `numbers=clear` with `purpose`
    and `reason` exports clear ID and phone numbers; anything else exports them masked
    (#17 item 4)."""
    data = request.POST.copy()
    masked = data.pop("numbers", ["masked"])[-1] != "clear"
    purpose, note = data.pop("purpose", [""])[-1], data.pop("reason", [""])[-1]
    reason = None if masked else services.release_reason(purpose, note)
    unit_code = str((data.pop("unit", None) or [""])[-1]).strip()
    if unit_code and "status" not in data:
        data["status"] = "all"  # the import page exports the unit's whole roster
    form = _posted_filters(data, request.user)
    if not form.is_valid():
        raise ValidationFailed(_("导出条件不正确，请从人员名册页面重新导出"))
    filters, order = form.filters()
    return ExportRequest(
        fmt="csv" if data.get("format") == "csv" else "xlsx",
        unit_code=unit_code,
        filters=filters,
        order=order if form.cleaned_data.get("sort") else DEFAULT_ORDER,
        masked=masked,
        reason=reason,
    )


def _posted_filters(data: QueryDict, actor: Actor) -> PersonFilterForm:
    """The list's filters as a form posts them back (`_export_fields`: the unit as unit_id)."""
    data = data.copy()
    unit_id = str(data.get("unit_id") or "")
    if unit_id:
        data["unit"] = unit_id
    return PersonFilterForm(data, actor=actor)


def _export_fields(filters: QueryDict) -> list[tuple[str, str]]:
    """The list's filters as the export form's hidden fields (the unit id as unit_id)."""
    query = filters.copy()
    for key in ("page", "format", "unit_id"):
        query.pop(key, None)
    unit = query.pop("unit", None)
    if unit and unit[-1]:
        query["unit_id"] = unit[-1]
    return [(key, value) for key, values in query.lists() for value in values]


@login_required
@require_POST
def person_export(request: HttpRequest) -> HttpResponse:
    """The roster (the list's people, or one unit's subtree) as .xlsx or .csv: a download at
    once when small, else a background job and its progress page. A POST with the CSRF
    token (issue 8 item 13): the response holds clear ID numbers, so no link or image on
    another page may start it, and its filters stay out of URLs and logs."""
    _personnel_paths(request.user)
    export = _export_request(request)
    try:
        result = roster_export_start(actor=request.user, request=export, ip=client_ip(request))
    except NotFound:
        raise Http404(_("单位不存在或不在您的管辖范围内")) from None
    if isinstance(result, ImmediateExport):
        response = HttpResponse(result.content, content_type=CONTENT_TYPES[result.fmt])
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''roster.{result.fmt}"
        return response
    return redirect("web:export_job", job_id=result.pk)  # the shared job page


def roster_export_file_open(*, actor: Actor, job_id: int) -> Any:
    """The roster export's opener for the shared job pages (web: /exports/<id>/download/,
    registered in apps.py): personnel staff only, the file through people.exports."""
    _personnel_paths(actor)
    try:
        return export_file_open(actor=actor, job_id=job_id)
    except NotFound:
        raise Http404(_("导出文件不存在或已过期，请重新导出")) from None


# --- passwords issued by HR, with a slip per person (#11 item 1) --------------------------

SLIP_HEADERS = (
    gettext_lazy("姓名"),
    gettext_lazy("单位"),
    gettext_lazy("登录名"),
    gettext_lazy("初始密码"),
)


def _slips_response(request: HttpRequest, slips: list[PasswordSlip]) -> HttpResponse:
    """The slips as a print page (several to an A4 sheet) or as an .xlsx download: the one
    time the passwords are shown. Nothing is kept; a lost slip means a new password."""
    if request.POST.get("output") == "xlsx":
        content = write_table(
            [str(h) for h in SLIP_HEADERS],
            [(s.name, s.unit, s.username, s.password) for s in slips],
            fmt="xlsx",
            sheet_title=str(_("初始密码")),
        )
        response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = "attachment; filename*=UTF-8''password-slips.xlsx"
    else:
        login_url = request.build_absolute_uri(reverse("web:login"))
        context = {"slips": slips, "login_url": login_url}
        response = render(request, "people/password_slips.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def person_password_issue(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person's password, from their page."""
    _personnel_paths(request.user)
    slips = services.person_passwords_issue(actor=request.user, person_ids=[person_id])
    return _slips_response(request, slips)


@login_required
@require_POST
def people_password_issue(request: HttpRequest) -> HttpResponse:
    """In bulk, from the people list: the people ticked (`person`), or with `all` every
    active person the list's filters select (e.g. all of a unit)."""
    _personnel_paths(request.user)
    if request.POST.get("all"):
        form = _posted_filters(request.POST, request.user)
        if not form.is_valid():
            raise ValidationFailed(_("筛选条件不正确，请从人员名册页面重新选择"))
        filters = dataclasses.replace(form.filters()[0], status=Status.ACTIVE)
        ids = person_ids(actor=request.user, filters=filters, limit=services.PASSWORD_ISSUE_MAX + 1)
    else:
        ids = [int(v) for v in request.POST.getlist("person") if v.isdigit()]
    slips = services.person_passwords_issue(actor=request.user, person_ids=ids)
    return _slips_response(request, slips)
