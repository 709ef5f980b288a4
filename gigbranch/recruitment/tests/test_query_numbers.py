"""Regression (security review): Unicode digits such as "²" pass `.isdigit()` but not
int(); number parameters in query strings must be ignored or 404, never a 500."""

import io

import pytest
from docx import Document

from gigbranch.recruitment.models import Vote

from .conftest import drive

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("param", ["stage", "step"])
@pytest.mark.parametrize("value", ["%C2%B2", "abc", "9" * 5000])
def test_case_list_ignores_non_decimal_stage_and_step(rec, open_case, client_for, param, value):
    open_case()
    r = client_for(rec["secretary"]).get(f"/recruitment/cases/?{param}={value}")
    assert r.status_code == 200
    assert len(r.context["page"].object_list) == 1


def test_case_list_decimal_stage_still_filters(rec, open_case, client_for):
    open_case()
    r = client_for(rec["secretary"]).get("/recruitment/cases/?stage=5")
    assert r.status_code == 200
    assert len(r.context["page"].object_list) == 0


def _docx_text(content):
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_vote_record_with_superscript_vote_id_uses_last_vote(rec, open_case, client_for):
    # Two REC-VOTE votes on different dates: admission (step 15), full membership (step 23).
    case = drive(rec, open_case(), 23)
    admission, full = Vote.objects.filter(case=case).order_by("date")
    assert admission.date < full.date
    client = client_for(rec["secretary"])
    r = client.get(f"/recruitment/cases/{case.pk}/documents/vote_record.docx?vote=%C2%B2")
    assert r.status_code == 200
    text = _docx_text(r.content)
    assert "讨论预备党员转为正式党员：赵申请" in text
    assert f"{full.date.year}年{full.date.month}月{full.date.day}日" in text
    assert "讨论接收预备党员" not in text
    # An explicit, valid id still picks that vote.
    r = client.get(f"/recruitment/cases/{case.pk}/documents/vote_record.docx?vote={admission.pk}")
    assert "讨论接收预备党员：赵申请" in _docx_text(r.content)
    r = client.get(f"/recruitment/cases/{case.pk}/documents/vote_record.docx?vote=999999")
    assert r.status_code == 404


def test_case_new_with_superscript_worker_id(rec, client_for):
    r = client_for(rec["secretary"]).get("/recruitment/cases/new/?worker=%C2%B2")
    assert r.status_code == 200
