from django import forms

from gigbranch.organizations.models import Department, Organization, Region

from .models import User
from .roles import Role


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label="账号或手机号",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class _ScopeFields(forms.Form):
    role = forms.ChoiceField(label="角色", choices=[c for c in Role.choices if c[0] != Role.WORKER])
    scope_region = forms.ModelChoiceField(
        label="管理区域", queryset=Region.objects.all(), required=False
    )
    scope_organization = forms.ModelChoiceField(
        label="管理党组织", queryset=Organization.objects.all(), required=False
    )
    department = forms.ModelChoiceField(
        label="所属部门", queryset=Department.objects.all(), required=False
    )
    reason = forms.CharField(label="申请理由（审批人可见）", max_length=200)


class UserCreateForm(_ScopeFields):
    """A proposal: the account exists only after the security administrator approves it."""

    username = forms.RegexField(
        label="账号",
        max_length=150,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": "账号只能包含字母、数字和 _ . @ -"},
    )
    full_name = forms.CharField(label="姓名", max_length=40)
    mobile = forms.CharField(
        label="本人手机号码（接收初始密码；接口账号可不填）", max_length=20, required=False
    )

    field_order = [
        "username",
        "full_name",
        "mobile",
        "role",
        "scope_region",
        "scope_organization",
        "department",
        "reason",
    ]


class UserChangeForm(_ScopeFields):
    """A proposal to change an account's role or data scope."""


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码（或初始密码）",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label="再次输入新密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if (
            data.get("new_password")
            and data.get("new_password_again")
            and data["new_password"] != data["new_password_again"]
        ):
            self.add_error("new_password_again", "两次输入的新密码不一致。")
        return data


class MfaCodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=20,
        help_text="认证器上当前显示的6位数字；认证器不在身边时，可输入一个恢复码。",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "请输入验证码。"},
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="令牌名称（如：某平台企业花名册推送）", max_length=60)
    days = forms.IntegerField(
        label="有效期（天）",
        required=False,
        min_value=1,
        max_value=1095,
        error_messages={
            "min_value": "有效期至少1天。",
            "max_value": "有效期不能超过1095天。",
            "invalid": "请输入天数。",
        },
    )
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label="接口账号（令牌的权限与该账号相同）",
        queryset=User.objects.none(),
        help_text="只能为“接口账号”角色签发令牌；业务人员和三员的账号不能签发，以免绕过三员分立。",
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(is_active=True, role=Role.API_CLIENT).order_by(
            "username"
        )
