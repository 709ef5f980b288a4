from __future__ import annotations

from typing import Any

from django import forms

from gigbranch.members.models import MemberStatus, PartyMember
from gigbranch.organizations.models import Organization

from . import policy
from .policy.deadlines import Consent


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PartyMember) -> str:
        return f"{obj.worker.name}（{obj.get_kind_display()}）"


class ApplicationForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="接收申请的党组织", queryset=Organization.objects.none()
    )
    application_date = forms.DateField(label="递交入党申请书日期", widget=DateInput())
    notes = forms.CharField(
        label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(label="申请书扫描件（PDF/JPEG/PNG，可选）", required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class PortalApplyForm(forms.Form):
    statement = forms.CharField(
        label="入党申请书",
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "敬爱的党组织：……"}),
    )
    confirm = forms.BooleanField(label="我确认以上内容由本人填写，自愿申请加入中国共产党")


def step_form_class(step: int) -> type[forms.Form]:
    """A form with the fields step `step` needs (REC-* checks happen in the service)."""
    attrs: dict[str, Any] = {
        "date": forms.DateField(label="日期", widget=DateInput()),
        "notes": forms.CharField(
            label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
        ),
        "scan": forms.FileField(label="附件扫描件（可选）", required=False),
    }
    members = PartyMember.objects.none()
    if step == 5:
        attrs["contacts"] = MemberChoice(
            label="培养联系人（1至2名正式党员）",
            queryset=members,
            widget=forms.CheckboxSelectMultiple,
        )
    if step == 7:
        attrs["notice_start"] = forms.DateField(
            label="公示开始日期", required=False, widget=DateInput()
        )
        attrs["notice_end"] = forms.DateField(
            label="公示结束日期", required=False, widget=DateInput()
        )
    if step == 9:
        attrs["sponsors"] = MemberChoice(
            label="入党介绍人（2名正式党员）", queryset=members, widget=forms.CheckboxSelectMultiple
        )
    if step == 10:
        attrs["review_conclusion"] = forms.ChoiceField(
            label="政治审查结论", choices=[("pass", "合格"), ("fail", "不合格")]
        )
    if step == 11:
        attrs["training_days"] = forms.DecimalField(
            label="培训天数", min_value=0, max_digits=4, decimal_places=1, required=False
        )
        attrs["training_hours"] = forms.DecimalField(
            label="培训学时", min_value=0, max_digits=5, decimal_places=1, required=False
        )
    if step in policy.VOTE_STEPS:
        for name, label in VOTE_FIELDS:
            attrs[name] = forms.IntegerField(label=label, min_value=0, max_value=10000)
    if step in DEADLINE_STEPS:
        # REC-ORDER: a step past its latest date is recorded on its real date with the
        # reason for the delay (docs/adr/0028); the service says when it is required.
        attrs["delay_reason"] = forms.CharField(
            label="延误原因（超过规定时限时填写）",
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    if step == policy.APPROVAL_STEP:
        attrs["special_reason"] = forms.CharField(
            label="超过3个月审批的特殊情况原因（如有）", required=False, max_length=200
        )
        for name, field in CONSENT_FIELDS.items():
            attrs[name] = field()
    return type(f"Step{step}Form", (forms.Form,), attrs)


# Steps with a latest date (deadlines.deadline_rule); step 12's is a refusal instead.
DEADLINE_STEPS = frozenset({2, 13, 15, policy.APPROVAL_STEP, 20, policy.FULL_APPROVAL_STEP})

# Step 17 between 3 and 6 months: the higher organisation's consent (细则, REC-ORDER).
CONSENT_FIELDS: dict[str, Any] = {
    "consent_organization": lambda: forms.CharField(
        label="同意延长审批时间的上级党组织", required=False, max_length=100
    ),
    "consent_approver": lambda: forms.CharField(
        label="同意人（姓名、职务）", required=False, max_length=60
    ),
    "consent_date": lambda: forms.DateField(label="同意日期", required=False, widget=DateInput()),
    "consent_document": lambda: forms.CharField(
        label="同意文件文号", required=False, max_length=60
    ),
}


def consent_from(data: dict[str, Any]) -> Consent | None:
    """The consent typed into a step 17 form, or None when nothing was typed."""
    values = {name: data.get(name) for name in CONSENT_FIELDS}
    if not any(values.values()):
        return None
    return Consent(
        approver=values["consent_approver"] or "",
        organization=values["consent_organization"] or "",
        date=values["consent_date"],
        document=values["consent_document"] or "",
    )


VOTE_FIELDS = [
    ("should_attend", "应到有表决权的正式党员（人）"),
    ("present", "实到有表决权的正式党员（人）"),
    ("written", "缺席党员书面意见（份）"),
    ("votes_for", "赞成（票，含书面意见）"),
    ("against", "反对（票）"),
    ("abstain", "弃权（票）"),
]


def make_step_form(
    step: int, *, organization: Organization, data: Any = None, files: Any = None
) -> forms.Form:
    form = step_form_class(step)(data=data, files=files, prefix=f"s{step}")
    qs = (
        PartyMember.objects.filter(organization=organization, status=MemberStatus.NORMAL)
        .select_related("worker")
        .order_by("kind", "worker__name")
    )
    for name in ("contacts", "sponsors"):
        if name in form.fields:
            form.fields[name].queryset = qs  # type: ignore[attr-defined]
    return form


class ProbationDecisionForm(forms.Form):
    vote_date = forms.DateField(label="支部大会表决日期", widget=DateInput())
    approved_on = forms.DateField(label="上级党委批准日期", widget=DateInput())
    months = forms.IntegerField(
        label="延长月数（6至12）", required=False, min_value=0, max_value=60
    )
    reason = forms.CharField(label="原因", required=False, max_length=500)


for _name, _label in VOTE_FIELDS:
    ProbationDecisionForm.base_fields[_name] = forms.IntegerField(
        label=_label, min_value=0, max_value=10000
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(label="材料名称", max_length=100)
    step = forms.TypedChoiceField(
        label="所属步骤",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "（不限步骤）")]
        + [(n, f"第{n}步 {s.title}") for n, s in policy.STEPS.items()],
    )
    file = forms.FileField(label="扫描件（PDF/JPEG/PNG）")


class RuleSetForm(forms.Form):
    name = forms.CharField(label="规则名称", max_length=60)
    basis = forms.CharField(label="依据文件", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in policy.LOCAL_RULE_LABELS.items():
            self.fields[name] = forms.IntegerField(label=label, min_value=0, max_value=60)


class TargetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    target = forms.IntegerField(label="发展目标（人）", min_value=0, max_value=100000)
