"""The side menu: each entry names the roles that see it. Apps add entries as they appear."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from civtrain.accounts.api import ActorScope, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[Role, ...]


ALL_ROLES = tuple(Role)
PERSONNEL = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)

MENU: list[NavItem] = [
    NavItem("首页", "web:home", "home", ALL_ROLES),
    NavItem("组织机构", "organisations:tree", "sitemap", PERSONNEL),
    NavItem("人员名册", "people:list", "users", PERSONNEL),
    NavItem("名册导入", "people:import", "file-upload", PERSONNEL),
    NavItem("审计日志", "web:audit", "shield-check", (Role.CITY_BUREAU,)),
]


def menu_for(scope: ActorScope) -> list[dict[str, str]]:
    items = []
    for item in MENU:
        if not scope.has(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the app behind the entry is not installed yet
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon})
    return items
