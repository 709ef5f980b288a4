from __future__ import annotations

from typing import Any, cast

from django import forms

from .models import CommitteePost, Instructor, Organization, OrgRuleSet, Region, Workplace
from .policy import Thresholds


class OrganizationForm(forms.ModelForm):
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


class WorkplaceForm(forms.ModelForm):
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

    def _post_clean(self) -> None:
        # Validation runs in the service (full_clean + coverage rules); skip the form's copy.
        pass


class InstructorForm(forms.ModelForm):
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
