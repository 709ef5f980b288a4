"""Wrap the Chinese UI text of Django templates for translation (deterministic, idempotent).

Message ids are the Simplified Chinese text (ADR 0005). This module rewrites a template so
that every text node and every user-visible attribute holding Chinese goes through
``{% translate %}`` (plain text) or ``{% blocktranslate %}`` (text interleaved with
``{{ variables }}``), turns Chinese string literals in filter arguments and tag keyword
arguments into ``_("…")`` and adds ``{% load i18n %}`` where needed.

Left alone: text already inside ``{% translate %}`` / ``{% blocktranslate %}``, template and
HTML comments, ``{% verbatim %}``, ``<script>`` and ``<style>`` blocks, ``{% if %}``
comparisons and attributes that carry data rather than text (``value`` of non-button
inputs, ``name``, ``href`` …). Running it on its own output changes nothing.

The command line is ``tools/i18n_templates.py``; it needs no Django settings.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Attributes whose value is data (submitted, linked or used by scripts), never wrapped.
DATA_ATTRIBUTES = frozenset(
    {"name", "id", "class", "href", "src", "action", "for", "type", "method", "pattern"}
)
# ``value`` is text only on buttons.
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})

_TOKEN = re.compile(
    r"(?P<skip>"
    r"\{#.*?#\}"
    r"|<!--.*?-->"
    r"|<script\b.*?</script\s*>"
    r"|<style\b.*?</style\s*>"
    r"|\{%\s*(?P<blk>comment|verbatim|blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*end(?P=blk)\s*%\}"
    r")"
    r"|(?P<tag>\{%.*?%\})"
    r"|(?P<var>\{\{.*?\}\})"
    r"|(?P<html><[a-zA-Z!/](?:\{%.*?%\}|\{\{.*?\}\}|\"[^\"]*\"|'[^']*'|[^>\"'])*>)",
    re.S | re.I,
)
_LITERAL = re.compile(r"(?<![_\w])(\"[^\"\\]*\"|'[^'\\]*')")
_ATTR = re.compile(
    r"(?P<ws>\s+)(?P<name>[^\s=>/\"'{}]+)(?:(?P<eq>\s*=\s*)(?P<q>[\"'])"
    r"(?P<value>(?:\{%.*?%\}|\{\{.*?\}\}|\{(?![%{])|(?!(?P=q))[^{])*)(?P=q))?",
    re.S,
)
_LOAD_RE = re.compile(r"\{%\s*load\s+([^%]*?)\s*%\}")
_EXTENDS_RE = re.compile(r"\{%\s*extends\s[^%]*%\}")


@dataclass
class _Tok:
    kind: str  # text | var | tag | html | skip
    text: str


def has_han(text: str) -> bool:
    return bool(HAN.search(text))


def _tokens(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    for m in _TOKEN.finditer(source):
        if m.start() > pos:
            out.append(_Tok("text", source[pos : m.start()]))
        kind = m.lastgroup if m.lastgroup != "blk" else "skip"
        if m.group("skip") is not None:
            kind = "skip"
        out.append(_Tok(kind or "text", m.group()))
        pos = m.end()
    if pos < len(source):
        out.append(_Tok("text", source[pos:]))
    return out


# -- literals inside {{ }} and {% %} -------------------------------------------------------


def _wrap_literals(token: str) -> str:
    """``"中文"`` → ``_("中文")`` in filter arguments and tag keyword arguments."""
    inner = token[2:-2].strip()
    if token.startswith("{%"):
        name = inner.split(None, 1)[0] if inner else ""
        if name in {"translate", "trans", "if", "elif", "load", "extends", "url", "static"}:
            return token

    def repl(m: re.Match[str]) -> str:
        lit = m.group(1)
        if not has_han(lit):
            return lit
        before = token[: m.start()].rstrip()
        if not before.endswith((":", "=")):
            return lit
        return f"_({lit})"

    return _LITERAL.sub(repl, token)


# -- runs of text and variables --------------------------------------------------------------


def _var_expr(var_token: str) -> str:
    return var_token[2:-2].strip()


def _var_name(expr: str) -> str:
    base = re.split(r"\|", expr, maxsplit=1)[0].strip()
    if not re.fullmatch(r"[A-Za-z_][\w.]*", base):
        return "value"
    name = base.split(".")[-1]
    if not re.fullmatch(r"[A-Za-z_]\w*", name) or keyword.iskeyword(name):
        return "value"
    return name


def _collapse(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _quote(text: str) -> str | None:
    if "\\" in text:
        return None
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return None


def _wrap_run(run: list[_Tok]) -> str:
    raw = "".join(t.text for t in run)
    if not any(t.kind == "text" and has_han(t.text) for t in run):
        return raw
    lead = re.match(r"\s*", raw).group()  # type: ignore[union-attr]
    trail = re.search(r"\s*$", raw[len(lead) :]).group()  # type: ignore[union-attr]
    core = raw[len(lead) : len(raw) - len(trail)] if trail else raw[len(lead) :]
    parts = _tokens(core)
    variables = [p for p in parts if p.kind == "var"]
    if not variables:
        text = _collapse(core)
        quoted = _quote(text)
        if quoted is not None:
            return f"{lead}{{% translate {quoted} %}}{trail}"
        return f"{lead}{{% blocktranslate %}}{text}{{% endblocktranslate %}}{trail}"
    names: dict[str, str] = {}
    used: set[str] = set()
    body = []
    for p in parts:
        if p.kind != "var":
            body.append(_collapse(p.text))
            continue
        expr = _var_expr(p.text)
        if expr not in names:
            name = _var_name(expr)
            candidate, n = name, 2
            while candidate in used:
                candidate, n = f"{name}{n}", n + 1
            names[expr] = candidate
            used.add(candidate)
        body.append(f"{{{{ {names[expr]} }}}}")
    withs = " ".join(f"{name}={expr}" for expr, name in names.items() if expr != name)
    opening = f"{{% blocktranslate with {withs} %}}" if withs else "{% blocktranslate %}"
    return f"{lead}{opening}{''.join(body)}{{% endblocktranslate %}}{trail}"


def _wrap_fragment(source: str, *, html: bool) -> str:
    """Wrap the runs of text in ``source``; ``html`` False inside an attribute value."""
    out: list[str] = []
    run: list[_Tok] = []

    def flush() -> None:
        if run:
            out.append(_wrap_run(run))
            run.clear()

    for tok in _tokens(source):
        if tok.kind == "html" and not html:
            tok = _Tok("text", tok.text)
        if tok.kind in ("text", "var"):
            if tok.kind == "var":
                tok = _Tok("var", _wrap_literals(tok.text))
            run.append(tok)
            continue
        flush()
        if tok.kind == "tag":
            out.append(_wrap_literals(tok.text))
        elif tok.kind == "html":
            out.append(_wrap_html_tag(tok.text))
        else:
            out.append(tok.text)
    flush()
    return "".join(out)


def _wrap_html_tag(tag: str) -> str:
    if not has_han(tag):
        return tag
    m = re.match(r"<([a-zA-Z][\w-]*)", tag)
    if not m:
        return tag
    element = m.group(1).lower()
    input_type = re.search(r"\stype\s*=\s*[\"']?(\w+)", tag)
    is_button_value = element == "button" or (
        element == "input"
        and input_type is not None
        and input_type.group(1).lower() in BUTTON_INPUT_TYPES
    )

    def repl(a: re.Match[str]) -> str:
        value = a.group("value")
        if value is None or not has_han(value):
            return a.group()
        name = a.group("name").lower()
        if name in DATA_ATTRIBUTES or name.startswith("data-"):
            return a.group()
        if name == "value" and not is_button_value:
            return a.group()
        new = _wrap_fragment(value, html=False)
        return f"{a.group('ws')}{a.group('name')}{a.group('eq')}{a.group('q')}{new}{a.group('q')}"

    head = tag[: m.end()]
    rest = tag[m.end() :]
    return head + _ATTR.sub(repl, rest)


def _ensure_load_i18n(source: str) -> str:
    if not re.search(r"\{%\s*(translate|trans|blocktranslate|blocktrans)\b|_\(", source):
        return source
    for m in _LOAD_RE.finditer(source):
        if "i18n" in m.group(1).split():
            return source
    first_load = _LOAD_RE.search(source)
    if first_load:
        libs = [*first_load.group(1).split(), "i18n"]
        return (
            source[: first_load.start()]
            + "{% load "
            + " ".join(libs)
            + " %}"
            + source[first_load.end() :]
        )
    extends = _EXTENDS_RE.search(source)
    if extends:
        return source[: extends.end()] + "\n{% load i18n %}" + source[extends.end() :]
    return "{% load i18n %}\n" + source


def wrap_template(source: str) -> str:
    """Return ``source`` with its Chinese UI text wrapped for translation."""
    return _ensure_load_i18n(_wrap_fragment(source, html=True))


def template_files(roots: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files.extend(sorted(root.rglob("*.html")) if root.is_dir() else [root])
    return files
