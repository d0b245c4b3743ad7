"""Marks the domain labels kept as Chinese constants in other apps' data modules (roles, org
kinds, categories, levels, statuses, events) for translation, so that templates can show
them with `{% translate label %}` and the English catalogue has them."""

from django.utils.translation import gettext_noop as _

LABELS = (
    # accounts.data.ROLE_LABELS
    _("市公务员局"),
    _("区县公务员主管部门"),
    _("单位组织人事部门"),
    _("施教机构"),
    _("教师"),
    _("第三方评估"),
    _("公务员"),
    # organisations.data.ORG_KIND_LABELS
    _("市"),
    _("区县"),
    _("单位"),
    _("内设机构"),
    # people.data labels
    _("男"),
    _("女"),
    _("综合管理类"),
    _("专业技术类"),
    _("行政执法类"),
    _("在职"),
    _("调出"),
    _("退休"),
    _("省部级正职"),
    _("省部级副职"),
    _("厅局级正职"),
    _("厅局级副职"),
    _("县处级正职"),
    _("县处级副职"),
    _("乡科级正职"),
    _("乡科级副职"),
    _("录用"),
    _("晋升"),
    _("职级调整"),
    _("调动"),
    _("类别调整"),
    # classes.data.CLASS_STATUS_LABELS
    _("计划中"),
    _("报名中"),
    _("进行中"),
    _("成绩已确认"),
    _("已归档"),
    # core.errors defaults and the selectors' not-found messages shown on error pages
    _("对象不存在或无权访问"),
    _("没有执行此操作的权限"),
    _("人员不存在或不在您的管辖范围内"),
    _("机构不存在或不在您的管辖范围内"),
    _("您无权查看完整身份证号"),
    _("只有市公务员局可以查看审计日志"),
)
