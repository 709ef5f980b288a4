from __future__ import annotations

from typing import Any

from django import forms

from .models import CommitteePost, Organization, Region


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
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["region"].queryset = Region.objects.visible_to(user)


class MoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(
        label="移动到（新的上级党组织）",
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, user: Any, node: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = (
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
