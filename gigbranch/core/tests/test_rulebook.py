"""Pages name a rule by its Chinese name and source; the ID is only a small reference
(issue 17: pages said DUES-6, MOB-1, REC-ORDER, "APL-4" in a title, BURDEN-2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from gigbranch.core.rulebook import RULES

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
RULE_ID = re.compile(r"\b(?:ORG|LIFE|REC|DUES|MOB|APL|BURDEN|TRAIN|GOV|FUND|CARE|PLAN)-[A-Z0-9]+\b")


def test_no_page_text_shows_a_bare_rule_id():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for text in re.findall(r'\{% translate "([^"]*)" %\}', line):
                # A search field's example ("如 ORG-1") is where staff type an ID.
                if RULE_ID.search(text) and not text.startswith("如 "):
                    offenders.append(f"{path.name}:{n}: {text}")
    assert offenders == []


def test_every_cited_rule_is_in_the_rulebook():
    cited = set()
    for path in TEMPLATES.rglob("*.html"):
        cited |= set(re.findall(r'rule_ref "([^"]+)"', path.read_text(encoding="utf-8")))
    assert cited and cited <= set(RULES)


def test_rule_ref_shows_name_and_source_with_the_id_small():
    html = Template('{% load rules %}{% rule_ref "APL-4" %}').render(Context())
    assert "按响应率、解决率、满意率考核办理结果" in html
    assert "12345" in html and '<span class="gb-rule-id">APL-4</span>' in html


@pytest.mark.django_db
def test_findings_show_the_rule_name(client, county_admin, county):
    from django.utils import timezone

    from gigbranch.core.models import Finding

    now = timezone.now()
    Finding.objects.create(
        rule_id="ORG-8",
        severity="high",
        object_type="organizations.organization",
        object_id="1",
        object_label="某党支部",
        summary="书记空缺",
        advice="配备书记",
        region=county,
        first_seen_at=now,
        last_seen_at=now,
    )
    client.force_login(county_admin)
    html = client.get("/org/findings/").content.decode()
    assert "党支部设书记，空缺应及时配备" in html
