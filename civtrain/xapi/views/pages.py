"""The LRS's pages for the city and district bureaus (#13 items 2–3): activity-provider
credentials (create, rotate, revoke; the secret shown once), the latest statements with their
duration, and the actors no civil servant matched, to be mapped by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import user_id_by_username
from civtrain.core.errors import NotFound, PermissionDenied, ValidationFailed
from civtrain.organisations.api import OrgPickForm
from civtrain.people.api import person_for_user
from civtrain.xapi import selectors, services
from civtrain.xapi.data import IssuedCredential


def _check_bureau(request: HttpRequest) -> None:
    if not selectors.managed_paths(request.user):
        raise PermissionDenied()


def _org_form(request: HttpRequest, data: object = None) -> OrgPickForm:
    """The node a credential reports for, picked by name in the bureau's subtree (#11 item
    3), not typed as a code."""
    return OrgPickForm(
        data,
        actor=request.user,
        purpose="bureau",
        name="org_code",
        label=gettext_lazy("所属机构"),
        auto_id="cred-%s",
    )


def _credentials_page(request: HttpRequest, issued: IssuedCredential | None = None) -> HttpResponse:
    context = {
        "org_form": _org_form(request),
        "credentials": selectors.credential_list(actor=request.user),
        "statements": selectors.statement_rows(actor=request.user, limit=20),
        "issued": issued,
        "endpoint": request.build_absolute_uri("/xapi/"),
    }
    return render(request, "xapi/credentials.html", context)


@login_required
def credentials(request: HttpRequest) -> HttpResponse:
    _check_bureau(request)
    if request.method == "POST":
        try:
            org = _org_form(request, request.POST).chosen_org()
            issued = services.credential_create(
                actor=request.user, name=request.POST.get("name", ""), org_code=org.code
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            return redirect("xapi:credentials")
        return _credentials_page(request, issued)
    return _credentials_page(request)


@login_required
@require_POST
def credential_rotate(request: HttpRequest, credential_id: int) -> HttpResponse:
    issued = services.credential_rotate(actor=request.user, credential_id=credential_id)
    return _credentials_page(request, issued)


@login_required
@require_POST
def credential_revoke(request: HttpRequest, credential_id: int) -> HttpResponse:
    revoked = services.credential_revoke(actor=request.user, credential_id=credential_id)
    messages.success(request, _("已吊销凭据 %(name)s") % {"name": revoked.name})
    return redirect("xapi:credentials")


@login_required
def unknown_actors(request: HttpRequest) -> HttpResponse:
    _check_bureau(request)
    rows = selectors.unknown_actor_list(actor=request.user)
    return render(request, "xapi/unknown_actors.html", {"rows": rows})


@login_required
@require_POST
def unknown_actor_map(request: HttpRequest, unknown_id: int) -> HttpResponse:
    login = request.POST.get("login", "").strip()
    user_id = user_id_by_username(login) if login else None
    person = person_for_user(user_id) if user_id else None
    if person is None:
        raise NotFound(_("没有登录名为 %(login)s 的学员") % {"login": login})
    count = services.actor_map(actor=request.user, unknown_id=unknown_id, person_id=person.id)
    messages.success(
        request,
        _("已将该学习者对应到 %(name)s，%(count)s 条学习记录已归入其名下")
        % {"name": person.name, "count": count},
    )
    return redirect("xapi:unknown_actors")
