"""Document pages: learners download their own, HR officers their units' people's, organisers
and institutions their classes' trainees'; the public, rate-limited verify page (issue #15)."""

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civtrain.accounts.api import Role, actor_scope
from civtrain.classes.api import class_data
from civtrain.core import clock
from civtrain.core.audit import current_context
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.documents import selectors, services
from civtrain.documents.data import (
    KIND_LABELS,
    NEEDS_CLASS,
    NEEDS_YEAR,
    TEXT_KINDS,
    VERIFY_LABELS,
    DocumentKind,
    DocumentRequest,
    VerifyStatus,
)
from civtrain.documents.data import PERSON_KINDS as DOCUMENT_PERSON_KINDS
from civtrain.organisations.api import OrgPickForm
from civtrain.people.api import access_person, person_for_user, person_list_data

PERSONNEL = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
PERSON_KINDS = [k for k in DOCUMENT_PERSON_KINDS if k not in NEEDS_CLASS]
MAX_UPLOAD = 20 * 1024 * 1024


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise ValidationFailed("参数应为整数") from None


def _kind(value: str | None) -> DocumentKind:
    try:
        return DocumentKind(value or "")
    except ValueError:
        raise ValidationFailed("文件类型不正确") from None


def _years() -> list[int]:
    this = clock.today().year
    return list(range(this, this - 6, -1))


def _kinds(kinds: list[DocumentKind]) -> list[dict[str, Any]]:
    return [
        {"value": k.value, "label": KIND_LABELS[k], "needs_year": k in NEEDS_YEAR} for k in kinds
    ]


def _unit_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """The unit whose people's documents are zipped, picked by name among the personnel
    roles' subtrees (#11 item 3), not from a flat list of the first 300 nodes."""
    return OrgPickForm(
        data,
        actor=request.user,
        purpose="personnel",
        name="unit_id",
        label=gettext_lazy("单位（含下级）"),
        auto_id="zip-%s",
        start_with_own=True,
    )


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The learner's own documents; staff: people to pick, unit and class zips."""
    scope = actor_scope(request.user)
    me = person_for_user(int(request.user.pk or 0)) if scope.has(Role.LEARNER) else None
    search = request.GET.get("q", "").strip()
    context: dict[str, Any] = {
        "me": me,
        "my_classes": _classes_of(me.id) if me else [],
        "kinds": _kinds(PERSON_KINDS),
        "years": _years(),
        "personnel": scope.has(*PERSONNEL),
        "unit_form": _unit_form(request),
        "classes": selectors.classes_for_documents(request.user),
        "class_kinds": _kinds([DocumentKind.CLASS_CERTIFICATE, DocumentKind.COMPLETION_FORM]),
        "search": search,
        "found": person_list_data(actor=request.user, search=search, limit=50)
        if search and scope.has(*PERSONNEL)
        else [],
        "jobs": services.zip_jobs_recent(actor=request.user),
        "recent": selectors.documents_recent(actor=request.user) if scope.has(*PERSONNEL) else [],
    }
    return render(request, "documents/home.html", context)


def _classes_of(person_id: int) -> list[Any]:
    return [class_data(i) for i in selectors.class_ids_of_person(person_id)]


@login_required
@require_safe
def person_documents(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)
    context = {
        "person": person,
        "kinds": _kinds(PERSON_KINDS),
        "years": _years(),
        "my_classes": _classes_of(person.id),
        "issued": selectors.document_list(actor=request.user, person_id=person.id),
    }
    return render(request, "documents/person.html", context)


@login_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    """Issue (or re-use) a document and answer its PDF, or its text for the extracts."""
    req = DocumentRequest(
        kind=_kind(request.POST.get("kind")),
        person_id=_int(request.POST.get("person_id")) or 0,
        year=_int(request.POST.get("year")),
        class_id=_int(request.POST.get("class_id")),
    )
    doc = services.document_issue(actor=request.user, request=req)
    if request.POST.get("format") == "text" and doc.kind in TEXT_KINDS:
        return render(request, "documents/text.html", {"doc": doc})
    return _pdf_response(doc)


@login_required
@require_POST
def half_year_notice(request: HttpRequest) -> HttpResponse:
    """The half-year notice of online learning (ZZ-N2) as a signed PDF: the button on the
    notice's page (learning's supervision page) posts its year, half and node here."""
    today = clock.today()
    doc = services.notice_issue(
        actor=request.user,
        year=request.POST.get("year") or today.year,
        half=request.POST.get("half") or (1 if today.month <= 6 else 2),
        org_id=_int(request.POST.get("org")),
    )
    return _pdf_response(doc)


def _pdf_response(doc: Any) -> HttpResponse:
    response = HttpResponse(services.document_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(services.filename(doc))}"
    )
    return response


# -- zips -------------------------------------------------------------------------------
@login_required
@require_POST
def zip_start(request: HttpRequest) -> HttpResponse:
    class_id = _int(request.POST.get("class_id"))
    unit = None if class_id else _unit_form(request, request.POST).chosen_org()
    z = services.ZipRequest(
        kind=_kind(request.POST.get("kind")),
        unit_id=unit.id if unit else None,
        class_id=class_id,
        year=_int(request.POST.get("year")),
    )
    ctx = current_context()
    job = services.documents_zip_start(
        actor=request.user, request=z, ip=ctx.ip_address if ctx else None
    )
    return redirect("web:export_job", job_id=job.pk)  # the shared job page


# -- the public verify page ------------------------------------------------------------
def _rate_limited(request: HttpRequest) -> bool:
    """More than CIVTRAIN_VERIFY_RATE_PER_MINUTE requests from one address this minute."""
    ctx = current_context()
    address = (ctx.ip_address if ctx else None) or request.META.get("REMOTE_ADDR", "")
    key = f"documents:verify:{address}:{int(dt.datetime.now(dt.UTC).timestamp()) // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > settings.CIVTRAIN_VERIFY_RATE_PER_MINUTE


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "documents/verify.html", {"limited": True}, status=429)
    response["Retry-After"] = "60"
    return response


@require_safe
def verify(request: HttpRequest, serial: str) -> HttpResponse:
    """What a QR code opens: the document's essentials, masked, and whether it still holds.
    A serial the platform never issued answers like a malformed one (404)."""
    if _rate_limited(request):
        return _too_many(request)
    doc = selectors.document_by_serial(serial) if services.SERIAL_PATTERN.match(serial) else None
    if doc is None:
        raise NotFound("没有这个编号的文件")
    return render(request, "documents/verify.html", {"doc": doc})


def verify_upload(request: HttpRequest) -> HttpResponse:
    """Check a PDF file someone holds: signature, content and whether it was superseded."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    if _rate_limited(request):
        return _too_many(request)
    context: dict[str, Any] = {"upload": True}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size is None or upload.size > MAX_UPLOAD:
            raise ValidationFailed("请选择不超过 20 MB 的 PDF 文件")
        outcome = services.document_verify_pdf(upload.read())
        context.update(outcome=outcome, label=VERIFY_LABELS[outcome.status])
        context["genuine"] = outcome.status == VerifyStatus.GENUINE
    return render(request, "documents/verify.html", context)
