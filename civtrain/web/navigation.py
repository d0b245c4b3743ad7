"""The side menu: each entry names the roles that see it. Apps add entries as they appear."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civtrain.accounts.api import ActorScope, Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: tuple[Role, ...]


ALL_ROLES = tuple(Role)
PERSONNEL = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
XAPI_MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)  # issue #13 item 2
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)

MENU: list[NavItem] = [
    NavItem(_("首页"), "web:home", "home", ALL_ROLES),
    NavItem(_("组织机构"), "organisations:tree", "sitemap", PERSONNEL),
    NavItem(_("人员名册"), "people:list", "users", PERSONNEL),
    NavItem(_("名册导入"), "people:import", "file-upload", PERSONNEL),
    NavItem(
        _("培训班"),
        "classes:list",
        "school",
        (*PERSONNEL, Role.INSTITUTION, Role.TEACHER),
    ),
    NavItem(_("我的授课"), "classes:teaching", "calendar-event", (Role.TEACHER,)),
    NavItem(_("培训通知"), "enrolment:inbox", "inbox", PERSONNEL),
    NavItem(_("我的培训班"), "enrolment:mine", "notebook", (Role.LEARNER,)),
    NavItem(_("我的课程"), "learning:mine", "player-play", (Role.LEARNER,)),
    NavItem(_("网络课程管理"), "learning:manage", "movie", BUREAUS),
    NavItem(_("学时核查"), "learning:review", "eye-check", BUREAUS),
    NavItem(_("我的培训档案"), "credits:my_record", "certificate", (Role.LEARNER,)),
    NavItem(_("外部学习申报"), "credits:claims", "file-certificate", (*PERSONNEL, Role.LEARNER)),
    NavItem(_("账本完整性"), "credits:status", "lock-check", (Role.CITY_BUREAU,)),
    NavItem(_("培训达标"), "compliance:people", "checklist", PERSONNEL),
    NavItem(_("单位完成率"), "compliance:units", "chart-bar", PERSONNEL),
    NavItem(_("我的达标进度"), "compliance:me", "progress-check", (Role.LEARNER,)),
    NavItem(_("考试"), "exams:index", "writing", ALL_ROLES),
    NavItem(
        _("证书与档案文件"),
        "documents:home",
        "file-certificate",
        (*PERSONNEL, Role.INSTITUTION, Role.LEARNER),
    ),
    NavItem(
        _("教学资料库"),
        "materials:library",
        "files",
        (*PERSONNEL, Role.INSTITUTION, Role.TEACHER),
    ),
    NavItem(_("我的学习资料"), "materials:mine", "file-download", (Role.LEARNER,)),
    NavItem(_("施教机构"), "institutions:list", "building", (*PERSONNEL, Role.INSTITUTION)),
    NavItem(_("师资库"), "faculty:list", "presentation", (*PERSONNEL, Role.INSTITUTION)),
    NavItem(_("培训科目"), "catalogue:subjects", "books", (Role.CITY_BUREAU,)),
    NavItem(_("在线学习通报"), "supervision:notice", "report-analytics", PERSONNEL),
    NavItem(
        _("上传 SCORM 课件"), "scorm:upload", "package", (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
    ),
    NavItem(
        _("培训评估"),
        "evaluation:list",
        "star",
        (*PERSONNEL, Role.INSTITUTION, Role.EVALUATOR),
    ),
    NavItem(_("我的评估"), "evaluation:mine", "star-half", (Role.LEARNER,)),
    NavItem(_("培训需求调查"), "surveys:list", "clipboard-list", PERSONNEL),
    NavItem(_("待填问卷"), "surveys:mine", "clipboard-check", (Role.LEARNER,)),
    NavItem(_("年度培训计划"), "plans:list", "calendar-stats", PERSONNEL),
    NavItem(_("自查与规划评估"), "plans:selfchecks", "report", PERSONNEL),
    NavItem(_("评估得分"), "evaluation:scores", "chart-line", (*PERSONNEL, Role.INSTITUTION)),
    NavItem(
        _("评估预警"),
        "evaluation:alerts",
        "alert-triangle",
        (Role.CITY_BUREAU, Role.DISTRICT_BUREAU),
    ),
    NavItem(_("审计日志"), "web:audit", "shield-check", (Role.CITY_BUREAU, Role.AUDIT_ADMIN)),
    # The three administrators' own pages (#17 item 2).
    NavItem(_("账号与角色"), "accounts:accounts", "users-group", (Role.SECURITY_ADMIN,)),
    NavItem(_("安全策略"), "accounts:policy", "lock-cog", (Role.SECURITY_ADMIN,)),
    NavItem(_("系统运行"), "web:system", "server", (Role.SYSTEM_ADMIN,)),
    NavItem(_("xAPI 学习记录库"), "xapi:credentials", "plug-connected", XAPI_MANAGERS),
    NavItem(_("待对应的学习者"), "xapi:unknown_actors", "user-question", XAPI_MANAGERS),
    NavItem(
        _("我的 API 令牌"), "accounts:tokens", "key", tuple(r for r in Role if r != Role.LEARNER)
    ),
    NavItem(_("站内消息"), "inbox:list", "mail", ALL_ROLES),
    NavItem(_("修改密码"), "accounts:password_change", "lock", ALL_ROLES),
    NavItem(_("登录安全"), "accounts:security", "shield-lock", ALL_ROLES),
]


def menu_for(
    scope: ActorScope, current_path: str = "", badges: dict[str, int] | None = None
) -> list[dict[str, object]]:
    """Entries the actor's roles allow; `active` marks the one the current page lies under;
    `badges` puts a count beside an entry (by its url name), e.g. unread messages."""
    items: list[dict[str, object]] = []
    for item in MENU:
        if not scope.has(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the app behind the entry is not installed yet
            continue
        items.append(
            {
                "label": str(item.label),
                "url": url,
                "icon": item.icon,
                "active": False,
                "badge": (badges or {}).get(item.url_name, 0),
            }
        )
    # The longest menu URL that prefixes the current path wins ("/" only matches itself).
    best = max(
        (
            i
            for i in items
            if current_path == i["url"]
            or (i["url"] != "/" and current_path.startswith(str(i["url"])))
        ),
        key=lambda i: len(str(i["url"])),
        default=None,
    )
    if best is not None:
        best["active"] = True
    return items
