from __future__ import annotations

from typing import Any, cast

from django import forms

from gigbranch.organizations.models import Region

from . import rules
from .models import Amenity, Article, ServiceProvider, Station


class StationForm(forms.ModelForm):
    amenities = forms.MultipleChoiceField(
        label="设施", choices=Amenity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.CharField(
        label="开放时间",
        max_length=200,
        help_text="例如：24小时；08:00-20:00；周一至周五 08:00-20:00；周六 09:00-12:00；"
        "夜间 22:00-06:00 表示到次日6点。",
    )

    class Meta:
        model = Station
        fields = [
            "name",
            "kind",
            "address",
            "region",
            "latitude",
            "longitude",
            "closed_on_holidays",
            "hours_note",
            "operator",
            "contact_name",
            "contact_phone",
            "description",
            "external_code",
            "is_active",
        ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = (
            Region.objects.visible_to(user) if user else Region.objects.all()
        )
        if self.instance.pk:
            self.fields["amenities"].initial = self.instance.amenity_codes
            self.fields["hours"].initial = (
                "24小时" if self.instance.always_open else _hours_text(self.instance)
            )

    def clean_hours(self) -> str:
        value = self.cleaned_data["hours"]
        try:
            rules.parse_hours(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value


def _hours_text(station: Station) -> str:
    parts = []
    for h in station.hours.all():
        parts.append(f"周{'一二三四五六日'[h.weekday]} {h.opens:%H:%M}-{h.closes:%H:%M}")
    return "；".join(parts)


class ClosureForm(forms.Form):
    start_date = forms.DateField(label="闭站开始", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="闭站结束", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=100, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class SlotPublishForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="开始", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="结束", widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label="每个时段（分钟）", initial=60, min_value=10, max_value=240)
    place = forms.CharField(label="地点/方式", max_length=100, required=False)


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "kind", "summary", "body", "region", "points", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = (
            Region.objects.visible_to(user) if user else Region.objects.all()
        )


class ProviderForm(forms.ModelForm):
    class Meta:
        model = ServiceProvider
        fields = ["name", "kind", "region", "address", "phone", "description", "is_active"]
