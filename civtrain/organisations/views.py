"""Pages of the organisation tree: browser with lazy-loaded children, node detail, and the
city bureau's forms to create, rename, (de)activate and move nodes (CQ-O2)."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied
from civtrain.organisations import api
from civtrain.organisations.data import ALLOWED_PARENT, ORG_KIND_LABELS, OrgKind
from civtrain.organisations.pickers import OrgPickerField, org_search
from civtrain.organisations.selectors import (
    OrgNode,
    org_ancestors,
    org_get,
    org_tree_children,
    org_tree_roots,
)


@dataclass(frozen=True)
class TreeRow:
    """A node of the tree pages; the people in its subtree are the people app's figure,
    put beside it by the site shell's `with_people_counts` tag (no import of a higher app)."""

    node: OrgNode
    children: int  # direct children

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS[OrgKind(self.node.kind)]


def _personnel_paths(actor: Actor) -> tuple[str, ...]:
    """The tree pages are for personnel staff; other roles are refused outright."""
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths:
        raise PermissionDenied(_("只有人事管理部门可以浏览组织机构"))
    return paths


def _access(actor: Actor, node_id: int) -> OrgNode:
    return org_get(scope_paths=_personnel_paths(actor), node_id=node_id)


def _can_edit(actor: Actor, node: OrgNode) -> bool:
    return actor_scope(actor).covers(node.path, Role.CITY_BUREAU)


def _rows(nodes: list[OrgNode]) -> list[TreeRow]:
    return [TreeRow(n, getattr(n, "n_children", 0)) for n in nodes]


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    paths = _personnel_paths(request.user)
    roots = org_tree_roots(scope_paths=paths)
    return render(
        request,
        "organisations/tree.html",
        {"rows": _rows(roots)},
    )


@login_required
def pick(request: HttpRequest) -> JsonResponse:
    """The unit pickers' type-ahead (#11 item 3): up to 20 nodes in the scope of the picker's
    purpose whose name contains `q` (or whose code starts with it), each with its label and
    the names above it; nothing out of scope, nothing for a learner."""
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in set(OrgKind)]
    found = org_search(
        actor=request.user,
        purpose=request.GET.get("purpose", ""),
        query=request.GET.get("q", "")[:50],
        kinds=kinds,
    )
    results = [
        {"value": c.code, "label": c.label, "hint": " · ".join(filter(None, (c.path, c.code)))}
        for c in found
    ]
    return JsonResponse({"results": results})


@login_required
def children(request: HttpRequest, node_id: int) -> HttpResponse:
    """htmx: the children of a node, each with its own lazy-load toggle."""
    node = _access(request.user, node_id)
    kids = org_tree_children(node)
    return render(request, "organisations/_children.html", {"rows": _rows(kids)})


class NodeCreateForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("编码"), max_length=32, widget=forms.TextInput({"class": "form-control"})
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=100,
        widget=forms.TextInput({"class": "form-control"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), widget=forms.Select({"class": "form-select"})
    )

    def __init__(self, *args: Any, parent: OrgNode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_kind = OrgKind(parent.kind)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k.value, _(ORG_KIND_LABELS[k])) for k in OrgKind if parent_kind in ALLOWED_PARENT[k]
        ]


class NodeEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False)


class NodeMoveForm(forms.Form):
    new_parent_code = OrgPickerField(
        label=gettext_lazy("整体移至（新上级机构）"), purpose="personnel"
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent_code"].actor = actor  # type: ignore[attr-defined]


@login_required
def detail(request: HttpRequest, node_id: int) -> HttpResponse:
    node = _access(request.user, node_id)
    paths = _personnel_paths(request.user)
    kids = org_tree_children(node)
    ancestors = [(a, any(a.path.startswith(p) for p in paths)) for a in org_ancestors(node)[:-1]]
    editable = _can_edit(request.user, node)
    context = {
        "node": node,
        "kind_label": ORG_KIND_LABELS[OrgKind(node.kind)],
        "ancestors": ancestors,
        "rows": _rows(kids),
        "editable": editable,
        "create_form": NodeCreateForm(parent=node, prefix="new") if editable else None,
        "edit_form": NodeEditForm(initial={"name": node.name, "active": node.active})
        if editable
        else None,
        "move_form": NodeMoveForm(actor=request.user) if editable and node.parent_id else None,
    }
    return render(request, "organisations/detail.html", context)


def _editable_node(request: HttpRequest, node_id: int) -> OrgNode:
    node = _access(request.user, node_id)
    if not _can_edit(request.user, node):
        raise PermissionDenied(_("只有市公务员局可以调整机构设置"))
    return node


def _form_error(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(
            request,
            f"{label}：{'；'.join(str(e) for e in errors)}"
            if label
            else "；".join(str(e) for e in errors),
        )


@login_required
@require_POST
def create_child(request: HttpRequest, node_id: int) -> HttpResponse:
    parent = _editable_node(request, node_id)
    form = NodeCreateForm(request.POST, parent=parent, prefix="new")
    if form.is_valid():
        try:
            created = api.org_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                kind=OrgKind(form.cleaned_data["kind"]),
                parent_code=parent.code,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已新建机构 %(name)s") % {"name": created.name})
            return redirect("organisations:detail", created.id)
    else:
        _form_error(request, form)
    return redirect("organisations:detail", parent.pk)


@login_required
@require_POST
def edit(request: HttpRequest, node_id: int) -> HttpResponse:
    node = _editable_node(request, node_id)
    form = NodeEditForm(request.POST)
    if form.is_valid():
        try:
            api.org_update(
                actor=request.user,
                node_id=node.pk,
                name=form.cleaned_data["name"],
                active=form.cleaned_data["active"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
    else:
        _form_error(request, form)
    return redirect("organisations:detail", node.pk)


@login_required
@require_POST
def move(request: HttpRequest, node_id: int) -> HttpResponse:
    node = _editable_node(request, node_id)
    form = NodeMoveForm(request.POST, actor=request.user)
    if form.is_valid():
        code = form.cleaned_data["new_parent_code"].code
        try:
            target = org_get(scope_paths=_personnel_paths(request.user), code=code)
            if not _can_edit(request.user, target):
                raise NotFound(_("目标机构不存在或不在您的管辖范围内"))
            api.org_move(actor=request.user, code=node.code, new_parent_code=target.code)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已将 %(name)s 整体移至 %(target)s 之下")
                % {"name": node.name, "target": target.name},
            )
    else:
        _form_error(request, form)
    return redirect("organisations:detail", node.pk)
