"""Forms parse and type-check input; services validate the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms

from gigbranch.organizations.models import Organization, Region, Workplace

from .models import (
    DuesRule,
    HonourLevel,
    MemberStatus,
    PaymentChannel,
    Platform,
    PointEventKind,
    PointPeriod,
    TransferDirection,
)
from .roster import FIELDS

DATE = forms.DateInput(
    format="%Y-%m-%d", attrs={"type": "date", "class": "form-control form-control-sm"}
)


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select form-select-sm")
            else:
                w.attrs.setdefault("class", "form-control form-control-sm")


class UploadForm(_Styled):
    platform = forms.ModelChoiceField(
        Platform.objects.all(), label="平台企业", empty_label="请选择"
    )
    file = forms.FileField(label="花名册（.xlsx）")


class MappingForm(_Styled):
    mark_missing_left = forms.BooleanField(
        label="这是该平台的完整花名册：名单中没有的人员标记为“已离职”", required=False
    )

    def __init__(
        self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        choices = [("", "（不导入）")] + [
            (k, label + ("（必填）" if req else "")) for k, (label, req) in FIELDS.items()
        ]
        for i, h in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=h or f"第{i + 1}列",
                choices=choices,
                required=False,
                initial=initial_mapping.get(h, ""),
            )
            self.fields[f"col_{i}"].widget.attrs["class"] = "form-select form-select-sm"
        self.headers = headers

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col_{i}") or "" for i, h in enumerate(self.headers) if h}


class MobileMemberForm(_Styled):
    outflow_org_name = forms.CharField(label="流出地党组织", max_length=100)
    outflow_org_region = forms.CharField(label="流出地", max_length=60)
    outflow_org_contact = forms.CharField(label="联系方式", max_length=60, required=False)
    certificate_number = forms.CharField(label="流动党员活动证编号", max_length=40, required=False)
    certificate_issuer = forms.CharField(label="发证党组织", max_length=100, required=False)
    certificate_valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)
    reported_here = forms.BooleanField(label="已向本地党组织报到（亮身份）", required=False)
    reported_on = forms.DateField(label="报到日期", required=False, widget=DATE)
    inflow_organization = forms.ModelChoiceField(
        Organization.objects.none(), label="流入地党组织（参加组织生活）", required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inflow_organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.visible_to(user).branches()


class DecisionForm(_Styled):
    status = forms.ChoiceField(label="党籍状态", choices=MemberStatus.choices)
    decided_on = forms.DateField(label="支部决定日期", widget=DATE)
    reason = forms.CharField(label="决定理由", max_length=300)


class PaymentForm(_Styled):
    month = forms.DateField(
        label="所属月份",
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    amount = forms.DecimalField(label="金额（元）", max_digits=10, decimal_places=2)
    channel = forms.ChoiceField(label="缴纳方式", choices=PaymentChannel.choices)
    paid_on = forms.DateField(label="缴纳日期", widget=DATE)
    voluntary = forms.BooleanField(label="自愿多交", required=False)


class AssessmentForm(_Styled):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    rule = forms.ChoiceField(label="计算依据", choices=DuesRule.choices)
    base = forms.DecimalField(
        label="计算基数（元/月；按DUES-2可留空自动计算）",
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    amount = forms.DecimalField(
        label="月交纳额（农民、少交时填写）", required=False, max_digits=10, decimal_places=2
    )
    decision = forms.CharField(label="决定依据（少交、免交时必填）", required=False, max_length=200)


class TransferForm(_Styled):
    direction = forms.ChoiceField(label="方向", choices=TransferDirection.choices)
    to_org = forms.ModelChoiceField(
        Organization.objects.none(), label="接收党组织（本县）", required=False
    )
    to_external = forms.CharField(label="接收党组织（县外）", max_length=100, required=False)
    from_external = forms.CharField(label="转出党组织（县外）", max_length=100, required=False)
    reason = forms.CharField(label="转接原因", max_length=200)
    requested_on = forms.DateField(label="申请日期", widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_org"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.branches()


class TransferMoveForm(_Styled):
    to = forms.CharField(widget=forms.HiddenInput)
    on = forms.DateField(label="日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=300, required=False)


class ModelPostForm(_Styled):
    post_name = forms.CharField(label="岗位名称", max_length=60)
    standard = forms.CharField(label="岗位标准", max_length=300)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    level = forms.ChoiceField(label="级别", choices=HonourLevel.choices)
    evaluation = forms.CharField(label="评价", max_length=300, required=False)


class ConsentForm(_Styled):
    purpose = forms.ChoiceField(label="事项", choices=[])
    granted = forms.BooleanField(label="同意", required=False)
    method = forms.CharField(label="方式（如：书面签字、平台代收）", max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import ConsentPurpose

        super().__init__(*args, **kwargs)
        field = self.fields["purpose"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ConsentPurpose.choices


class MemberIdsField(forms.Field):
    """Member ids posted by the search picker (hidden inputs, one per chosen member).
    Only the shape is checked here; the service looks each id up in the user's scope."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "所选党员无效。"}

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        out: list[int] = []
        for v in values:
            text = str(v).strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 12:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            out.append(int(text))
        return list(dict.fromkeys(out))


class VanguardTeamForm(_Styled):
    """党员先锋队. The workplace choices are limited to the user's scope. Members are picked
    through a search (at most 20 scoped matches at a time, never one <select> of a whole
    county) and posted as ids; the leader is one of them. The service checks every id
    against the user's scope again."""

    name = forms.CharField(label="先锋队名称", max_length=60)
    workplace = forms.ModelChoiceField(
        Workplace.objects.none(), label="企业/站点", empty_label="请选择"
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    members = MemberIdsField(label="队员", required=False)
    leader = forms.IntegerField(
        label="队长",
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": "请在已选队员中选定队长。",
            "invalid": "所选党员无效。",
            "min_value": "所选党员无效。",
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["workplace"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Workplace.objects.visible_to(user).order_by("name")

    def basic_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["workplace"], self["year"]]

    def posted_ids(self) -> tuple[int | None, list[int]]:
        """(leader, members) as posted, for showing the chosen members again after an
        error; malformed values are skipped."""
        raw = self.data.getlist("members") if hasattr(self.data, "getlist") else []
        ids = [int(v) for v in raw if str(v).isascii() and str(v).isdigit() and len(v) <= 12]
        leader = str(self.data.get("leader", ""))
        return (
            int(leader) if leader.isascii() and leader.isdigit() and len(leader) <= 12 else None,
            list(dict.fromkeys(ids)),
        )


class PointRuleForm(_Styled):
    """New point rule. The event kind is a plain value so that the service, not the form,
    refuses activity metrics with the BURDEN-2 message."""

    region = forms.ModelChoiceField(Region.objects.none(), label="适用区域", empty_label="请选择")
    event_kind = forms.CharField(
        label="事项", max_length=24, widget=forms.Select(choices=PointEventKind.choices)
    )
    points = forms.IntegerField(label="每次积分", min_value=0, max_value=100)
    cap = forms.IntegerField(label="每周期上限（不填为不设上限）", min_value=0, required=False)
    period = forms.ChoiceField(label="周期", choices=PointPeriod.choices)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regions


class PointRuleEditForm(_Styled):
    points = forms.IntegerField(label="每次积分", min_value=0, max_value=100)
    cap = forms.IntegerField(label="每周期上限（不填为不设上限）", min_value=0, required=False)
    period = forms.ChoiceField(label="周期", choices=PointPeriod.choices)
    active = forms.BooleanField(label="启用", required=False)
