"""Choosing a unit or an organiser by name (#11 item 3): the scoped search behind the
type-ahead pickers and the form field that takes the chosen node.

A picker names what it is for (its purpose); the purpose decides the subtrees searched, so the
search endpoint and the form that validates the choice scope alike, and a learner (who holds
none of these roles) is offered nothing."""

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.accounts.data import ActorScope
from civtrain.core.actors import Actor
from civtrain.core.errors import ValidationFailed
from civtrain.core.pickers import PickerField
from civtrain.organisations import selectors
from civtrain.organisations.data import OrgChoice, OrgKind, OrgNodeData
from civtrain.organisations.models import OrgNode

ORGANISER_ROLES = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
PAGE_SIZE = 20  # matches a picker shows at once


def _organiser_paths(scope: ActorScope) -> tuple[str, ...]:
    """Where a class may be organised: the organiser's subtrees, or, for an institution's
    staff, the whole tree (city) their institution serves."""
    return scope.paths_for(*ORGANISER_ROLES) or tuple(
        sorted({p.split("/")[0] + "/" for p in scope.paths_for(Role.INSTITUTION)})
    )


PURPOSES: dict[str, Callable[[ActorScope], tuple[str, ...]]] = {
    "personnel": lambda scope: scope.paths_for(*PERSONNEL_ROLES),
    "organiser": _organiser_paths,
    # where a teacher of the pool is kept (faculty's managers) …
    "faculty": lambda scope: scope.paths_for(
        Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION
    ),
    # … and where a bureau registers an institution, publishes a course or a learning plan,
    # or keeps an xAPI credential
    "bureau": lambda scope: scope.paths_for(Role.CITY_BUREAU, Role.DISTRICT_BUREAU),
    # where a question bank is kept (exams.selectors.AUTHORS: every staff role but evaluators)
    "question_bank": lambda scope: scope.paths_for(
        Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR, Role.INSTITUTION, Role.TEACHER
    ),
    # where an exam is organised or its candidates are drawn (exams.selectors.ORGANISERS)
    "exam": lambda scope: scope.paths_for(
        Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR, Role.INSTITUTION
    ),
    # whose annual plan or self-check is filed (plans.services.plan_open, selfcheck_open): a
    # unit's by its HR officers, a bureau's own node by the bureau …
    "plan": lambda scope: scope.paths_for(Role.UNIT_HR, Role.CITY_BUREAU, Role.DISTRICT_BUREAU),
}


def _plan_owners(scope: ActorScope) -> Q:
    """… so not every node of those subtrees: units below an HR officer's node, and exactly
    the nodes the bureau roles are bound to."""
    bureaus = scope.paths_for(Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
    return (selectors.paths_filter(scope.paths_for(Role.UNIT_HR)) & Q(kind=OrgKind.UNIT)) | Q(
        path__in=bureaus
    )


# Purposes whose choices are narrower than whole subtrees: a further filter on the nodes.
NARROWED: dict[str, Callable[[ActorScope], Q]] = {"plan": _plan_owners}


def pick_paths(actor: Actor, purpose: str) -> tuple[str, ...]:
    """The subtrees a picker for `purpose` searches for this actor; none for an unknown one."""
    paths_of = PURPOSES.get(purpose)
    return paths_of(actor_scope(actor)) if paths_of else ()


def pick_only(actor: Actor, purpose: str) -> Q | None:
    """The further filter of a narrowed purpose (None: the whole subtrees)."""
    only = NARROWED.get(purpose)
    return only(actor_scope(actor)) if only else None


def labels(nodes: Iterable[OrgNode | OrgNodeData]) -> dict[int, str]:
    """The one label of a node people recognise: a department with its unit
    ("渝中区司法局 · 法规科": every bureau has an 办公室), any other node by its name."""
    nodes = list(nodes)
    parent_ids = {n.parent_id for n in nodes if n.kind == OrgKind.DEPARTMENT and n.parent_id}
    parents = selectors.org_names_by_id(parent_ids) if parent_ids else {}
    return {
        n.id: f"{parents[n.parent_id]} · {n.name}"
        if n.kind == OrgKind.DEPARTMENT and n.parent_id in parents
        else n.name
        for n in nodes
    }


def choices(nodes: list[OrgNode]) -> list[OrgChoice]:
    """Nodes as pickers offer them, with the names above each (one read for all of them)."""
    above = {n.id: [int(s) for s in n.path.strip("/").split("/")[:-1]] for n in nodes}
    names = selectors.org_names_by_id(i for ids in above.values() for i in ids)
    label = labels(nodes)
    return [
        OrgChoice(
            id=n.id,
            code=n.code,
            label=label[n.id],
            path=" / ".join(names[i] for i in above[n.id] if i in names),
        )
        for n in nodes
    ]


def org_search(
    *, actor: Actor, purpose: str, query: str, kinds: Iterable[str] = ()
) -> list[OrgChoice]:
    """Up to PAGE_SIZE nodes a picker for `purpose` offers this actor for `query`."""
    paths = pick_paths(actor, purpose)
    if not paths:
        return []
    nodes = selectors.org_search(
        scope_paths=paths,
        query=query,
        kinds=kinds,
        limit=PAGE_SIZE,
        only=pick_only(actor, purpose),
    )
    return choices(nodes)


def org_pick(*, actor: Actor, purpose: str, ref: str, kinds: Iterable[str] = ()) -> OrgNode | None:
    """The node a picker's box names — its code, its id (a saved filter's older links) or its
    exact name when only one node in scope bears it — inside the purpose's scope; else None."""
    ref = ref.strip()
    paths = pick_paths(actor, purpose)
    if not ref or not paths:
        return None
    qs = OrgNode.objects.filter(selectors.paths_filter(paths), active=True)
    only = pick_only(actor, purpose)
    if only is not None:
        qs = qs.filter(only)
    kinds = list(kinds)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    found = qs.filter(code=ref).first()
    if found is None and ref.isdigit():
        found = qs.filter(pk=int(ref)).first()
    if found is None:
        named = list(qs.filter(name=ref)[:2])
        found = named[0] if len(named) == 1 else None
    return found


def org_own(*, actor: Actor, purpose: str) -> OrgNode | None:
    """The node the actor's roles for `purpose` are bound to, when there is exactly one and
    the purpose offers it (a unit's HR officer: the unit): what a picker starts with, as
    the first entry of the flat lists it replaced was preselected."""
    paths = pick_paths(actor, purpose)
    if len(paths) != 1:
        return None
    qs = OrgNode.objects.filter(path=paths[0], active=True)
    only = pick_only(actor, purpose)
    return (qs.filter(only) if only is not None else qs).first()


class OrgPickerField(PickerField):
    """A unit or organiser chosen with the type-ahead picker; cleans to the node's data."""

    default_error_messages = {
        "not_found": gettext_lazy("该单位不存在或不在您的管辖范围内：请输入名称后从列表中选择"),
    }

    def __init__(self, *, purpose: str, kinds: Iterable[OrgKind] = (), **kwargs: Any) -> None:
        self.purpose = purpose
        self.kinds = tuple(k.value for k in kinds)
        query = urlencode({"purpose": purpose, "kinds": ",".join(self.kinds)})
        super().__init__(
            url=format_lazy("{}?{}", reverse_lazy("organisations:pick"), query),
            placeholder=gettext_lazy("输入单位名称或编码"),
            **kwargs,
        )

    def find(self, ref: str) -> OrgNode | None:
        return org_pick(actor=self.actor, purpose=self.purpose, ref=ref, kinds=self.kinds)

    def describe(self, found: OrgNode) -> str:
        return labels([found])[found.id]

    def chosen(self, found: OrgNode) -> OrgNodeData:
        return selectors.node_data(found)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, OrgNodeData):
            return value.code
        if isinstance(value, int):  # an initial value: the node's id
            return OrgNode.objects.filter(pk=value).values_list("code", flat=True).first() or ""
        return value


class UnitPickForm(forms.Form):
    """One personnel unit picker named `unit` (blank: the actor's whole scope), for pages
    whose other filters are not a Django form: the compliance lists, the roster export, batch
    nomination."""

    unit = OrgPickerField(label=gettext_lazy("单位（含下级）"), purpose="personnel", required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].actor = actor  # type: ignore[attr-defined]

    def chosen_unit(self) -> OrgNodeData | None:
        """The unit chosen (None: none); ValidationFailed with the reason when not found."""
        if not self.is_valid():
            raise ValidationFailed("；".join(str(e) for e in self.errors["unit"]))
        return self.cleaned_data["unit"]


class OrgPickForm(forms.Form):
    """One picker for a purpose, named `org_id` unless `name` says otherwise, for forms whose
    other fields are not a Django form (the teacher pool, the institutions, plans, question
    banks, courses, zips, credentials): the node a record is kept under, chosen by name
    instead of from a flat list or a code typed by hand (#11 item 3)."""

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        purpose: str,
        label: Any,
        name: str = "org_id",
        required: bool = True,
        start_with_own: bool = False,
        kinds: Iterable[OrgKind] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = OrgPickerField(label=label, purpose=purpose, required=required, kinds=kinds)
        field.actor = actor
        self.field_name = name
        self.fields[name] = field
        if start_with_own and not self.is_bound and name not in self.initial:
            own = org_own(actor=actor, purpose=purpose)
            if own is not None:
                self.initial[name] = own.code

    @property
    def field(self) -> forms.BoundField:
        """The picker, for templates: `{{ form.field }}`, `{{ form.field.label }}`."""
        return self[self.field_name]

    def chosen_org(self) -> OrgNodeData:
        """The node chosen; ValidationFailed with the reason when none or not found."""
        chosen = self.chosen_org_or_none()
        if chosen is None:
            raise ValidationFailed(str(self.fields[self.field_name].error_messages["required"]))
        return chosen

    def chosen_org_or_none(self) -> OrgNodeData | None:
        """The node chosen, None when left blank (a field not required); ValidationFailed
        with the reason when not found."""
        if not self.is_valid():
            raise ValidationFailed("；".join(str(e) for e in self.errors[self.field_name]))
        return self.cleaned_data[self.field_name]
