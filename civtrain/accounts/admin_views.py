"""The security administrator's pages (#17 item 2): staff accounts and their roles, lockouts
and second factors, the city's account policy. No personal data of anyone is shown here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civtrain.accounts import selectors, services
from civtrain.accounts.data import GRANTABLE_ROLES, ROLE_LABELS, Role
from civtrain.accounts.password_policy import policy_for_city
from civtrain.core import clock
from civtrain.core.errors import ValidationFailed


@login_required
@require_safe
def accounts(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    rows = selectors.staff_account_list(actor=request.user, search=search)
    return render(request, "accounts/admin_accounts.html", {"rows": rows, "q": search})


@login_required
@require_safe
def dormant(request: HttpRequest) -> HttpResponse:
    """Staff accounts with no login for the city's review period (#17 item 4, 8.1.4.2 c),
    each with a button to disable it."""
    days, rows = selectors.dormant_account_list(actor=request.user, now=clock.now())
    return render(request, "accounts/admin_dormant.html", {"rows": rows, "days": days})


@login_required
@require_POST
def disable(request: HttpRequest, user_id: int) -> HttpResponse:
    user = services.account_disable(actor=request.user, user_id=user_id)
    messages.success(request, _("已停用账号 %(name)s") % {"name": user.username})
    return redirect("accounts:dormant")


class GrantForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("角色"),
        choices=[(r.value, ROLE_LABELS[r]) for r in GRANTABLE_ROLES],
        widget=forms.Select({"class": "form-select"}),
    )
    org_code = forms.CharField(
        label=gettext_lazy("机构代码"),
        max_length=64,
        widget=forms.TextInput({"class": "form-control"}),
    )


@login_required
@require_safe
def account(request: HttpRequest, user_id: int) -> HttpResponse:
    data, assignments = selectors.staff_account_get(actor=request.user, user_id=user_id)
    context = {"account": data, "assignments": assignments, "form": GrantForm()}
    return render(request, "accounts/admin_account.html", context)


@login_required
@require_POST
def grant(request: HttpRequest, user_id: int) -> HttpResponse:
    selectors.staff_account_get(actor=request.user, user_id=user_id)  # 404 outside the scope
    form = GrantForm(request.POST)
    if form.is_valid():
        org_id = selectors.org_id_by_code(form.cleaned_data["org_code"])
        try:
            if org_id is None:
                raise ValidationFailed("机构代码不存在")
            services.role_grant(
                actor=request.user,
                user_id=user_id,
                role=Role(form.cleaned_data["role"]),
                org_id=org_id,
            )
        except ValidationFailed as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("已授予角色"))
    else:
        messages.error(request, _("请选择角色并填写机构代码"))
    return redirect("accounts:account", user_id=user_id)


@login_required
@require_POST
def revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user_id = int(request.POST.get("user_id", "0") or 0)
    try:
        services.role_revoke(actor=request.user, assignment_id=assignment_id)
    except ValidationFailed as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已撤销角色"))
    return (
        redirect("accounts:account", user_id=user_id) if user_id else redirect("accounts:accounts")
    )


@login_required
@require_POST
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    services.account_unlock(actor=request.user, user_id=user_id)
    messages.success(request, _("已解除锁定，该用户可以重新登录"))
    return redirect("accounts:account", user_id=user_id)


@login_required
@require_POST
def reset_second_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    removed = services.second_factors_reset(actor=request.user, user_id=user_id)
    messages.success(
        request,
        _("已清除 %(n)d 个第二重验证方式；该用户下次登录时须重新绑定。") % {"n": removed},
    )
    return redirect("accounts:account", user_id=user_id)


class PolicyForm(forms.Form):
    min_length = forms.IntegerField(label=gettext_lazy("密码最短长度"), min_value=8, max_value=64)
    min_classes = forms.IntegerField(
        label=gettext_lazy("至少包含的字符类别数（大写、小写、数字、其他）"),
        min_value=2,
        max_value=4,
    )
    history = forms.IntegerField(
        label=gettext_lazy("不得与最近几次密码相同"), min_value=0, max_value=24
    )
    expiry_days = forms.IntegerField(
        label=gettext_lazy("密码有效期（天，0 为不过期）"), min_value=0, max_value=365
    )
    idle_minutes = forms.IntegerField(
        label=gettext_lazy("无操作自动退出（分钟）"), min_value=5, max_value=480
    )
    absolute_hours = forms.IntegerField(
        label=gettext_lazy("登录最长有效时间（小时）"), min_value=1, max_value=24
    )
    learner_second_factor = forms.BooleanField(
        label=gettext_lazy("学员登录也须第二重验证"), required=False
    )
    # Added by #17 item 4; left out of a post, the city's current value stays.
    dormant_days = forms.IntegerField(
        label=gettext_lazy("长期未登录账号的复核期限（天）"),
        min_value=30,
        max_value=730,
        required=False,
    )
    retention_years = forms.IntegerField(
        label=gettext_lazy("离职、退休人员信息保留年限（年，0 为不自动匿名化）"),
        min_value=0,
        max_value=50,
        required=False,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    paths = selectors.security_admin_paths(request.user)
    current = policy_for_city(int(paths[0].split("/")[0]))
    form = PolicyForm(request.POST or None, initial=current.__dict__)
    for field in form.fields.values():
        if not isinstance(field, forms.BooleanField):
            field.widget.attrs["class"] = "form-control"
        else:
            field.widget.attrs["class"] = "form-check-input"
    if request.method == "POST" and form.is_valid():
        try:
            values = {k: v for k, v in form.cleaned_data.items() if v is not None}
            services.security_policy_set(actor=request.user, values=values)
        except ValidationFailed as exc:
            form.add_error(exc.extra.get("field"), _(exc.message))
        else:
            messages.success(request, _("安全策略已保存，新的登录和新设置的密码按此执行"))
            return redirect("accounts:policy")
    return render(request, "accounts/admin_policy.html", {"form": form})
