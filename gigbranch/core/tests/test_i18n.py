"""English mode: every message id in use has English, and the template wrapper is stable."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command

from gigbranch.core import i18n_catalogue as catalogue
from gigbranch.core.i18n_templates import wrap_template

TEMPLATES = catalogue.template_paths()


def test_every_message_id_in_use_has_english():
    missing = catalogue.missing_messages()
    report = [f"{u.path}:{u.line}: {m}" for m, uses in missing.items() for u in uses]
    assert report == [], "run manage.py i18n_missing:\n" + "\n".join(report[:50])


def test_templates_have_no_chinese_outside_translation_tags():
    problems = [
        f"{path}:{line}: {text}"
        for path in TEMPLATES
        for line, text in catalogue.unwrapped_chinese(path.read_text(encoding="utf-8"))
    ]
    message = "run tools/i18n_templates.py, or keep data and scripts free of Chinese:\n"
    assert problems == [], message + "\n".join(problems[:50])


def test_english_keeps_the_placeholders_and_each_id_is_entered_once():
    assert catalogue.placeholder_mismatches() == []
    assert catalogue.duplicate_ids() == []


def test_catalogue_is_valid_gettext():
    po = polib.pofile(str(catalogue.ENGLISH_PO))
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    result = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(catalogue.ENGLISH_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 127:  # pragma: no cover - no gettext tools installed
        pytest.skip("msgfmt not installed")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(catalogue.PACKAGE_DIR)))
def test_wrapping_the_templates_again_changes_nothing(path: Path):
    source = path.read_text(encoding="utf-8")
    assert wrap_template(source) == source


SAMPLE = """{% extends "base.html" %}
{% block content %}
<h1 title="组织详情">组织：{{ org.name }}</h1>
<p>共 {{ page.paginator.count|default:"无" }} 条。<a href="/x/" class="btn">查看</a></p>
<button value="提交">保存</button><input name="q" value="关键词">
{# 注释不翻译 #}<script>const t = "脚本不翻译";</script>
{% if status == "已办结" %}已办结{% endif %}
{% endblock %}
"""


def test_wrapper_output_is_a_fixed_point_and_leaves_data_alone():
    once = wrap_template(SAMPLE)
    assert wrap_template(once) == once
    assert once.startswith('{% extends "base.html" %}\n{% load i18n %}')
    assert 'title="{% translate "组织详情" %}"' in once
    assert "{% blocktranslate with name=org.name %}组织：{{ name }}{% endblocktranslate %}" in once
    assert (
        '{% blocktranslate with count=page.paginator.count|default:_("无") %}'
        "共 {{ count }} 条。{% endblocktranslate %}" in once
    )
    assert '{% translate "查看" %}' in once and 'value="{% translate "提交" %}"' in once
    assert 'value="关键词"' in once and 'name="q"' in once
    assert "{# 注释不翻译 #}" in once and '"脚本不翻译"' in once
    assert '{% if status == "已办结" %}{% translate "已办结" %}{% endif %}' in once
    # What the wrapper leaves (data, scripts, comparisons) the checker still reports.
    assert [line for line, _text in catalogue.unwrapped_chinese(once)] == [6, 7, 8]


def test_message_ids_are_found_the_way_django_computes_them():
    source = (
        '{% load i18n %}{% translate "站点" %}{% translate "满意率 100%" %}'
        "{% blocktranslate trimmed with n=count %}\n  共 {{ n }}\n  个\n{% endblocktranslate %}"
        '{{ x|default:_("无") }}{% translate "不翻译" noop %}'
    )
    assert [m for m, _line in catalogue.template_messages(source)] == [
        "站点",
        "满意率 100%%",
        "共 %(n)s 个",
        "无",
    ]


def test_fuzzy_and_empty_entries_count_as_missing(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "站点"\nmsgstr "Station"\n\n'
        '#, fuzzy\nmsgid "驿站"\nmsgstr "Station"\n\n'
        'msgid "诉求"\nmsgstr ""\n',
        encoding="utf-8",
    )
    uses = {m: [catalogue.Use("t.html", 1)] for m in ("站点", "驿站", "诉求", "OK")}
    missing = catalogue.missing_messages(uses, catalogue.translations(po))
    assert sorted(missing) == ["诉求", "驿站"]


def test_command_prints_file_and_line_of_each_missing_id(monkeypatch):
    uses = {"新词": [catalogue.Use(str(catalogue.TEMPLATE_DIR / "x.html"), 7)]}
    monkeypatch.setattr(catalogue, "used_messages", lambda: uses)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 message ids without English"):
        call_command("i18n_missing", stdout=out)
    assert out.getvalue() == "gigbranch/templates/x.html:7: 新词\n"


def test_command_passes_when_everything_has_english():
    out = io.StringIO()
    call_command("i18n_missing", stdout=out)
    assert out.getvalue() == "Every message id in use has English.\n"


def test_wrapper_command_run_twice_changes_nothing(tmp_path, capsys):
    import importlib.util

    script = catalogue.PACKAGE_DIR.parent / "tools" / "i18n_templates.py"
    spec = importlib.util.spec_from_file_location("i18n_templates_tool", script)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    page = tmp_path / "page.html"
    page.write_text(SAMPLE, encoding="utf-8")
    assert tool.main([str(tmp_path), "--check"]) == 1
    assert page.read_text(encoding="utf-8") == SAMPLE
    assert tool.main([str(tmp_path)]) == 0
    once = page.read_text(encoding="utf-8")
    assert once == wrap_template(SAMPLE) != SAMPLE
    capsys.readouterr()
    assert tool.main([str(tmp_path)]) == 0
    assert page.read_text(encoding="utf-8") == once
    assert capsys.readouterr().out == ""
    assert tool.main([str(tmp_path), "--check"]) == 0


def test_yesno_arguments_keep_their_number_of_choices():
    """``|yesno:_("是,否")`` splits the English on commas as well."""
    english = catalogue.translations()
    pattern = re.compile(r"""yesno:_\(\s*"([^"]*)"\s*\)""")
    found = {m for path in TEMPLATES for m in pattern.findall(path.read_text(encoding="utf-8"))}
    assert "是,否" in found
    bad = {m: english.get(m) for m in found if english.get(m, "").count(",") != m.count(",")}
    assert bad == {}


def test_menu_and_role_names_follow_the_language():
    from django.utils import translation

    from gigbranch.accounts.roles import Role
    from gigbranch.core.navigation import NAV_ITEMS

    with translation.override("en"):
        assert str(Role.COUNTY_ADMIN.label) == "County administrator"
        assert translation.gettext(NAV_ITEMS[0].section) == "General"
    with translation.override("zh-hans"):
        assert str(Role.COUNTY_ADMIN.label) == "县级管理员"
