"""Saved filters of the long lists (issue #11 item 2): a user names the list's current
filters and applies them again later from the same list."""

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from civtrain.core import clock
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.web.models import SavedFilter

# The lists that offer saved filters, by URL name.
LISTS = frozenset(
    {"compliance:people", "compliance:units", "people:list", "classes:list", "web:audit"}
)
PER_LIST_MAX = 20


def list_path(path: str) -> str:
    """`path` if it is one of the lists that take saved filters, else ValidationFailed."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is None or match.view_name not in LISTS:
        raise ValidationFailed(_("此页面不能保存筛选条件"))
    return path


def clean_query(query: str) -> str:
    """The query string as the list reads it, without the page number."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k != "page" and v]
    return urlencode(pairs)


def saved_filter_list(*, user_id: int, path: str) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user_id=user_id, path=path)


def saved_filter_save(*, user_id: int, path: str, name: str, query: str) -> SavedFilter:
    """Save (or replace, under the same name) the list's filters for this user."""
    path = list_path(path)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("请给筛选条件起个名字"))
    if len(name) > 60:
        raise ValidationFailed(_("名字不能超过 60 个字"))
    mine = saved_filter_list(user_id=user_id, path=path)
    if mine.count() >= PER_LIST_MAX and not mine.filter(name=name).exists():
        raise ValidationFailed(_("每个列表最多保存 %(n)s 个筛选条件") % {"n": PER_LIST_MAX})
    try:
        with transaction.atomic():
            saved, _created = SavedFilter.objects.update_or_create(
                user_id=user_id,
                path=path,
                name=name,
                defaults={"query": clean_query(query)[:1000], "created_at": clock.now()},
            )
    except IntegrityError:  # the same name saved twice at once: the other one stands
        saved = SavedFilter.objects.get(user_id=user_id, path=path, name=name)
    return saved


def saved_filter_delete(*, user_id: int, filter_id: int) -> str:
    """Delete one of the user's own saved filters; returns its list's path. Another user's
    filter answers like one that does not exist."""
    saved = SavedFilter.objects.filter(user_id=user_id, pk=filter_id).first()
    if saved is None:
        raise NotFound(_("筛选条件不存在"))
    saved.delete()
    return saved.path
