from __future__ import annotations

from typing import Any, cast

from django import forms
from django.template.loader import render_to_string
from django.utils.html import format_html

from gigbranch.accounts.roles import has_capability

from .models import (
    PHONE_FIELDS,
    TRANSFER_LETTER_DAYS_MAX,
    TRANSFER_LETTER_DAYS_MIN,
    CommitteePost,
    Instructor,
    Organization,
    OrgRuleSet,
    Region,
    Workplace,
)
from .policy import Thresholds

CLEAR_SUFFIX = "__clear"


class MaskedPhonesMixin(forms.BaseForm):
    """Edit forms never send a stored phone number to the browser (DESIGN §2).

    On an existing record each phone field (models.PHONE_FIELDS) that holds a number is an
    empty "change" input, with the stored number shown masked beside it and, for
    `pii.reveal` holders, the audited reveal button of the detail pages. Left empty it
    keeps the stored number; a new number replaces it (the service audits the change,
    masked); the "清除" box beside it removes the number.
    """

    instance: Any

    def mask_phones(self, *, user: Any) -> None:
        self.stored_phones: dict[str, str] = {}
        if self.instance is None or self.instance.pk is None:
            return
        model = self.instance._meta.model_name
        can_reveal = user is not None and has_capability(user, "pii.reveal")
        fields: dict[str, forms.Field] = {}
        for name, field in self.fields.items():
            fields[name] = field
            stored = getattr(self.instance, name, "") if name in PHONE_FIELDS[model] else ""
            if not stored:
                continue
            self.stored_phones[name] = stored
            self.initial[name] = ""
            label = str(field.label or "")
            field.label = f"更换{label}"
            field.required = False
            field.widget.attrs.update({"placeholder": "留空则不更改", "autocomplete": "off"})
            masked = render_to_string(
                "organizations/_phone.html",
                {
                    "model": model,
                    "pk": self.instance.pk,
                    "field": name,
                    "masked": getattr(self.instance, f"masked_{name}"),
                    "can_reveal": can_reveal,
                },
            )
            field.help_text = format_html("当前号码：{}留空则保持原号码不变。", masked)
            fields[name + CLEAR_SUFFIX] = forms.BooleanField(label=f"清除{label}", required=False)
        self.fields = fields

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or self.cleaned_data
        for name, stored in getattr(self, "stored_phones", {}).items():
            if cleaned.get(name + CLEAR_SUFFIX):
                cleaned[name] = ""
            elif name in cleaned and not cleaned[name]:
                cleaned[name] = stored
        return cleaned


class OrganizationForm(MaskedPhonesMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "setup_method",
            "region",
            "founded_on",
            "term_start",
            "term_years",
            "secretary_name",
            "secretary_phone",
            "contact_name",
            "contact_phone",
            "address",
        ]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "term_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "secretary_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            region_field = cast(forms.ModelChoiceField, self.fields["region"])
            region_field.queryset = Region.objects.visible_to(user)
        self.mask_phones(user=user)


class MoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(
        label="移动到（新的上级党组织）",
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, user: Any, node: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["new_parent"]).queryset = (
            Organization.objects.visible_to(user)
            .exclude(path__startswith=node.path)
            .exclude(pk=node.parent_id or 0)
            .exclude(kind="party_group")
            .order_by("path")
        )


class CommitteeMemberForm(forms.Form):
    post = forms.ChoiceField(
        label="职务",
        choices=CommitteePost.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    person_name = forms.CharField(
        label="姓名",
        max_length=30,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    since = forms.DateField(
        label="任职日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


class TransferLetterDaysForm(forms.Form):
    """MOB-3 letter validity of one organisation; empty = inherit. The service checks the
    bounds (30–180) and the user's right to change it."""

    transfer_letter_days = forms.IntegerField(
        label="本组织设置（天）",
        required=False,
        error_messages={"invalid": "请填写整数天数。"},
        widget=forms.NumberInput(
            attrs={
                "class": "form-control form-control-sm",
                "inputmode": "numeric",
                "min": TRANSFER_LETTER_DAYS_MIN,
                "max": TRANSFER_LETTER_DAYS_MAX,
                "step": 1,
            }
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel文件（.xlsx）")


class OrganizationCreateForm(OrganizationForm):
    """New organisation: the edit fields plus its parent in the line of leadership."""

    parent = forms.ModelChoiceField(
        label="上级党组织", queryset=Organization.objects.none(), required=True
    )

    class Meta(OrganizationForm.Meta):
        fields = ["parent", *OrganizationForm.Meta.fields]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if user is not None:
            parent_field = cast(forms.ModelChoiceField, self.fields["parent"])
            parent_field.queryset = Organization.objects.visible_to(user).order_by("path")


class WorkplaceForm(MaskedPhonesMixin, forms.ModelForm):
    class Meta:
        model = Workplace
        fields = [
            "name",
            "credit_code",
            "kind",
            "brand",
            "region",
            "address",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "reported_worker_count",
            "organization",
            "coverage_mode",
            "instructor",
        ]
        widgets = {"contact_phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, model in (
            ("region", Region),
            ("organization", Organization),
            ("instructor", Instructor),
        ):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = model.objects.visible_to(user)  # type: ignore[attr-defined]
        self.mask_phones(user=user)

    def _post_clean(self) -> None:
        # Validation runs in the service (full_clean + coverage rules); skip the form's copy.
        pass


class InstructorForm(MaskedPhonesMixin, forms.ModelForm):
    class Meta:
        model = Instructor
        fields = ["name", "phone", "work_unit", "region", "organization", "appointed_on", "active"]
        widgets = {
            "appointed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = Region.objects.visible_to(
            user
        )
        cast(
            forms.ModelChoiceField, self.fields["organization"]
        ).queryset = Organization.objects.visible_to(user)
        self.mask_phones(user=user)

    def _post_clean(self) -> None:
        pass


class AssignInstructorForm(forms.Form):
    instructor = forms.ModelChoiceField(
        label="党建工作指导员", queryset=Instructor.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["instructor"]
        ).queryset = Instructor.objects.visible_to(user).filter(active=True)


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = OrgRuleSet
        fields = [*Thresholds.field_names(), "note"]
