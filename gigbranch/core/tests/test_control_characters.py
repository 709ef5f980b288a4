"""Control characters are refused at input with a Chinese field error (issue: bad input):
every form's text fields, every JSON body of the API."""

from __future__ import annotations

import json

import pytest
from django import forms
from django.urls import get_resolver

from gigbranch.core.text import (
    MESSAGE,
    control_character_paths,
    has_control_characters,
    no_control_characters,
)
from gigbranch.organizations.models import Organization


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_found(char):
    assert has_control_characters(f"人民路{char}1号")


@pytest.mark.parametrize("text", ["人民路1号", "第一行\n第二行\r\n", "a\tb", "（全角）·—"])
def test_ordinary_text_passes(text):
    assert not has_control_characters(text)
    no_control_characters(text)


def test_paths_name_each_field():
    body = {"name": "ok", "address": "a\x0bb", "items": [{"x": "y\x00"}], "k\x01": 1}
    assert sorted(control_character_paths(body)) == ["address", "items.0.x", "k\x01"]


def _all_forms() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # import every view module, and with them their forms
    seen: list[type[forms.BaseForm]] = []
    stack = [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("gigbranch."):
                seen.append(sub)
    return seen


def test_every_text_field_of_every_form_refuses_control_characters():
    checked = 0
    for form_class in _all_forms():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.CharField):
                assert no_control_characters in field.validators, f"{form_class.__name__}.{name}"
                checked += 1
    assert checked > 30


def test_a_form_answers_with_the_chinese_message():
    from gigbranch.core.forms import CalendarYearForm

    form = CalendarYearForm({"year": 2027, "note": "国办发\x0b明电"})
    assert not form.is_valid()
    assert form.errors["note"] == [MESSAGE]


@pytest.mark.django_db
def test_api_refuses_a_vertical_tab_with_a_field_error_and_writes_nothing(client, county_admin):
    client.force_login(county_admin)
    before = Organization.objects.count()
    response = client.post(
        "/api/v1/organizations",
        json.dumps({"name": "某某\x0b党支部", "kind": "branch"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": [MESSAGE]}
    assert Organization.objects.count() == before


@pytest.mark.django_db
def test_api_refuses_a_control_character_in_an_appeal_address(client, county_admin):
    client.force_login(county_admin)
    response = client.post(
        "/api/v1/appeals",
        json.dumps(
            {"category": "wages", "description": "工资拖欠两个月", "address": "人民路\x0b1号"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "address" in response.json()["errors"]


# --- imports: refused per row with the reason, never echoed into the error report ------
# openpyxl cannot read a control character out of a workbook (its XML parser refuses the
# character reference), but the roster's streaming reader decodes `&#11;`; the row
# checks of every import refuse them all the same.


def test_roster_row_with_a_vertical_tab_is_refused_without_echoing_it():
    from gigbranch.members.roster import CONTROL_MESSAGE, Validator

    checked = Validator(platform=None, workplaces={}).check_local(  # type: ignore[arg-type]
        7, {"name": "王\x0b五", "id_number": "11010519491231002X", "mobile": ""}, "fp"
    )
    assert [(e.row, e.column, e.reason, e.value) for e in checked.errors] == [
        (7, "姓名", CONTROL_MESSAGE, "")
    ]


@pytest.mark.django_db
def test_station_rows_refuse_control_characters_and_long_text(county):
    from gigbranch.core.imports import Cells, RowResult
    from gigbranch.core.imports.cells import raw_cells
    from gigbranch.stations import imports

    row = {
        "名称": "暖心驿站\x0b一号",
        "类型": "暖心驿站",
        "地址": "路" * 201,
        "属地": "甲镇",
        "纬度": "29.8",
        "经度": "120.3",
        "开放时间": "08:00-20:00",
    }
    result = RowResult(row=2)
    header = {c.key: i for i, c in enumerate(imports.COLUMNS)}
    raw = raw_cells([row.get(c.header) for c in imports.COLUMNS], header, imports.COLUMNS, result)
    assert imports.SPEC.clean({"甲镇": county}, Cells(raw, result, imports.COLUMNS)) == {}
    reasons = set(result.errors)
    assert ("名称", "含有不可见的控制字符，请删除后重新导入") in reasons
    assert ("地址", "超过200个字（现为201个字），请缩短后重新导入") in reasons


def test_organisation_import_cells_refuse_control_characters():
    from gigbranch.organizations import excel

    result = excel.RowResult(row=3)
    header = {c.key: i for i, c in enumerate(excel.WORKPLACE_COLUMNS)}
    values = ["甲镇\x0b网点"] + [None] * (len(excel.WORKPLACE_COLUMNS) - 1)
    out = excel._cells(values, header, excel.WORKPLACE_COLUMNS, result)
    assert out["name"] is None
    assert ("名称", "含有不可见的控制字符，请删除后重新导入") in result.errors
