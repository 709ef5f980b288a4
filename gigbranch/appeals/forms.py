from __future__ import annotations

from typing import Any

from django import forms

from gigbranch.organizations.models import Department, Region, Workplace

from .models import Category
from .rules import SATISFACTION_CHOICES, Priority


class PortalAppealForm(forms.Form):
    category = forms.ModelChoiceField(
        Category.objects.filter(active=True),
        label="诉求类别",
        empty_label="请选择",
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label="具体情况",
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "发生了什么？希望得到什么帮助？"}),
    )
    workplace = forms.ModelChoiceField(
        Workplace.objects.none(), label="所在站点/企业", required=False, empty_label="不选择"
    )
    latitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    address = forms.CharField(label="地点（可选）", required=False, max_length=200)
    anonymous = forms.BooleanField(label="匿名反映（承办部门看不到您的姓名）", required=False)
    contact_mobile = forms.CharField(label="接收答复的手机号", required=False, max_length=20)

    def __init__(self, *args: Any, workplaces: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if workplaces is not None:
            self.fields["workplace"].queryset = workplaces  # type: ignore[attr-defined]


class IntakeForm(forms.Form):
    category = forms.ModelChoiceField(Category.objects.filter(active=True), label="诉求类别")
    priority = forms.ChoiceField(
        label="办理时限类别", choices=[("", "按类别默认"), *Priority.CHOICES], required=False
    )
    description = forms.CharField(
        label="诉求内容", min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    region = forms.ModelChoiceField(
        Region.objects.filter(parent__isnull=False), label="发生地乡镇（街道）"
    )
    contact_name = forms.CharField(label="来电人", required=False, max_length=40)
    contact_mobile = forms.CharField(label="回复手机号", max_length=20)
    anonymous = forms.BooleanField(label="来电人要求匿名", required=False)
    address = forms.CharField(label="地点", required=False, max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", min_length=2, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="办理结果", min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RerouteForm(forms.Form):
    department = forms.ModelChoiceField(
        Department.objects.all(), label="改派至", required=False, empty_label="属地乡镇（街道）兜底"
    )
    reason = forms.CharField(label="理由", min_length=2, max_length=1000)


class RateForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label="问题解决了吗？",
        choices=[("1", "已解决"), ("0", "未解决")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="您对办理是否满意？", choices=SATISFACTION_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(label="补充说明（可选）", required=False, max_length=200)


class RoutingRuleForm(forms.Form):
    """Category × region → department (region empty = the whole county)."""

    category = forms.ModelChoiceField(
        Category.objects.all(), label="诉求类别", empty_label="请选择"
    )
    region = forms.ModelChoiceField(
        Region.objects.none(), label="区域", required=False, empty_label="全县（未单独设置的乡镇）"
    )
    department = forms.ModelChoiceField(
        Department.objects.none(), label="承办部门", empty_label="请选择"
    )
