"""Message ids used by the templates and the Python code, and the English catalogue.

Message ids are the Simplified Chinese UI text (ADR 0005). This module finds them the way
Django computes them at render time (``{% translate %}``, ``{% blocktranslate %}``, ``_("…")``
in template expressions, ``gettext``/``gettext_lazy``/``gettext_noop``/``_`` calls in
Python), reads the English catalogue (tolerating duplicate entries from union merges) and
lists what has no English. ``manage.py i18n_missing`` prints the list; the test suite fails
on it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polib
from django.template.base import Lexer, TokenType
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import trim_whitespace

from gigbranch.core.i18n_templates import HAN

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"
ENGLISH_PO = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Python callables whose first string argument is a message id.
GETTEXT_NAMES = frozenset(
    {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
)
# Attributes allowed to hold Chinese untranslated in a template: they carry data for
# scripts, not text for people. (Empty today; add a name here only with a reason.)
ALLOWED_HAN_ATTRIBUTES: frozenset[str] = frozenset()

_TEMPLATE_LITERAL = re.compile(r"""_\(\s*("[^"]*"|'[^']*')\s*\)""")
_ALLOWED_IN_TEMPLATE = re.compile(
    r"\{#.*?#\}"
    r"|<!--.*?-->"
    r"|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{%\s*(?P<blk>blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*end(?P=blk)\s*%\}"
    r"|\{%\s*(?:translate|trans)\s.*?%\}"
    r"|_\(\s*(?:\"[^\"]*\"|'[^']*')\s*\)",
    re.S,
)


@dataclass(frozen=True)
class Use:
    path: str
    line: int


# -- templates --------------------------------------------------------------------------------


def _literal(bit: str) -> str | None:
    if len(bit) >= 2 and bit[0] == bit[-1] and bit[0] in "\"'":
        return str(unescape_string_literal(bit))
    return None


def template_messages(source: str) -> list[tuple[str, int]]:
    """(message id, line) for every translatable message in one template's source."""
    found: list[tuple[str, int]] = []
    tokens = Lexer(source).tokenize()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.token_type in (TokenType.VAR, TokenType.BLOCK):
            for m in _TEMPLATE_LITERAL.finditer(tok.contents):
                found.append((m.group(1)[1:-1].replace("%", "%%"), tok.lineno or 0))
        if tok.token_type != TokenType.BLOCK:
            continue
        bits = list(smart_split(tok.contents))
        if not bits:
            continue
        if bits[0] in ("translate", "trans") and len(bits) > 1:
            text = _literal(bits[1])
            if text is not None and "noop" not in bits[2:]:
                found.append((text.replace("%", "%%"), tok.lineno or 0))
        elif bits[0] in ("blocktranslate", "blocktrans"):
            trimmed = "trimmed" in bits
            end = "end" + bits[0]
            singular: list[str] = []
            plural: list[str] = []
            current = singular
            while i < len(tokens):
                inner = tokens[i]
                i += 1
                if inner.token_type == TokenType.TEXT:
                    current.append(inner.contents.replace("%", "%%"))
                elif inner.token_type == TokenType.VAR:
                    current.append(f"%({inner.contents})s")
                elif inner.token_type == TokenType.BLOCK:
                    if inner.contents.strip() == "plural":
                        current = plural
                        continue
                    if inner.contents.strip() == end:
                        break
            for parts in (singular, plural):
                if parts or parts is singular:
                    msg = "".join(parts)
                    found.append((trim_whitespace(msg) if trimmed else msg, tok.lineno or 0))
    return found


def unwrapped_chinese(source: str) -> list[tuple[int, str]]:
    """(line, text) for Chinese in a template outside translation tags and comments."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group())

    stripped = _ALLOWED_IN_TEMPLATE.sub(blank, source)
    for name in ALLOWED_HAN_ATTRIBUTES:
        stripped = re.sub(rf'\s{re.escape(name)}="[^"]*"', blank, stripped)
    problems = []
    for lineno, line in enumerate(stripped.splitlines(), start=1):
        if HAN.search(line):
            problems.append((lineno, " ".join(line.split())))
    return problems


def template_dirs() -> list[Path]:
    """The project's template folder and any app's ``templates`` folder (APP_DIRS)."""
    return [TEMPLATE_DIR, *sorted(PACKAGE_DIR.glob("*/templates"))]


def template_paths() -> list[Path]:
    return [p for d in template_dirs() for p in sorted(d.rglob("*.html"))]


# -- Python -----------------------------------------------------------------------------------


def python_messages(source: str) -> list[tuple[str, int]]:
    """(message id, line) for every gettext-style call with a literal string in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        literals = node.args[:2] if name.startswith("ngettext") else node.args[:1]
        for arg in literals:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg.value, node.lineno))
    return found


def python_files(root: Path = PACKAGE_DIR) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts
    )


# -- the catalogue ------------------------------------------------------------------------------


def load_catalogue(path: Path = ENGLISH_PO) -> polib.POFile:
    """The catalogue with duplicate entries merged (the last non-empty translation wins).

    ``*.po merge=union`` may leave the same entry twice after branches merge; gettext needs
    each id once.
    """
    po = polib.pofile(str(path))
    seen: dict[tuple[str | None, str], polib.POEntry] = {}
    unique = []
    for entry in po:
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            if entry.msgstr:
                seen[key].msgstr = entry.msgstr
            continue
        seen[key] = entry
        unique.append(entry)
    po[:] = unique
    return po


def duplicate_ids(path: Path = ENGLISH_PO) -> list[str]:
    counts: dict[str, int] = {}
    for entry in polib.pofile(str(path)):
        counts[entry.msgid] = counts.get(entry.msgid, 0) + 1
    return sorted(m for m, n in counts.items() if n > 1)


def translations(path: Path = ENGLISH_PO) -> dict[str, str]:
    """msgid → English for the entries gettext will use (fuzzy and obsolete ones it skips)."""
    return {
        e.msgid: e.msgstr for e in load_catalogue(path) if not e.obsolete and "fuzzy" not in e.flags
    }


def used_messages(
    templates: Iterable[Path] | None = None, pyfiles: Iterable[Path] | None = None
) -> dict[str, list[Use]]:
    uses: dict[str, list[Use]] = {}
    for path in templates if templates is not None else template_paths():
        for msgid, line in template_messages(path.read_text(encoding="utf-8")):
            uses.setdefault(msgid, []).append(Use(str(path), line))
    for path in pyfiles if pyfiles is not None else python_files():
        for msgid, line in python_messages(path.read_text(encoding="utf-8")):
            uses.setdefault(msgid, []).append(Use(str(path), line))
    return uses


def missing_messages(
    uses: dict[str, list[Use]] | None = None, catalogue: dict[str, str] | None = None
) -> dict[str, list[Use]]:
    """Message ids in use that contain Chinese and have no English entry."""
    uses = used_messages() if uses is None else uses
    catalogue = translations() if catalogue is None else catalogue
    return {
        msgid: where
        for msgid, where in sorted(uses.items())
        if HAN.search(msgid) and not catalogue.get(msgid, "").strip()
    }


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")


def placeholder_mismatches(catalogue: dict[str, str] | None = None) -> list[str]:
    catalogue = translations() if catalogue is None else catalogue
    bad = []
    for msgid, msgstr in catalogue.items():
        if msgstr and sorted(_PLACEHOLDER.findall(msgid)) != sorted(_PLACEHOLDER.findall(msgstr)):
            bad.append(msgid)
    return bad


def po_entry(msgid: str, msgstr: str) -> str:
    return str(polib.POEntry(msgid=msgid, msgstr=msgstr))
