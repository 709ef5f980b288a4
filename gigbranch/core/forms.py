from django import forms

from gigbranch.accounts.roles import Role


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label="账号", required=False)
    action = forms.CharField(label="操作", required=False)
    object_type = forms.CharField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", required=False)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部"), *Role.choices])
    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label="类型",
        coerce=lambda v: v == "1",
        choices=[("0", "休息日（节假日）"), ("1", "工作日（调休上班）")],
    )
    name = forms.CharField(label="说明", max_length=50, required=False)


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    note = forms.CharField(label="依据（如国务院办公厅通知文号）", max_length=200)
