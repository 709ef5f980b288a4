"""Every table scrolls sideways on a phone instead of squeezing its columns: it
sits directly in a `.table-responsive` wrapper (the shared CSS keeps words on one line)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class _Tables(HTMLParser):
    """Records, for each `<table class="table …">`, the classes of its parent element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.unwrapped: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "table" in classes:
            parent = self.stack[-1] if self.stack else ""
            if "table-responsive" not in parent.split():
                self.unwrapped.append(self.getpos()[0])
        if tag not in ("br", "input", "img", "meta", "link", "hr", "col", "source"):
            self.stack.append(" ".join(classes))

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()


def _unwrapped(path: Path) -> list[int]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.unwrapped


def test_every_table_is_in_a_responsive_wrapper():
    missing = {
        str(path.relative_to(TEMPLATES)): lines
        for path in sorted(TEMPLATES.rglob("*.html"))
        for lines in [_unwrapped(path)]
        if lines
    }
    assert missing == {}


def test_the_checker_sees_an_unwrapped_table(tmp_path):
    bad = tmp_path / "t.html"
    bad.write_text(
        '<div class="card"><table class="table table-sm"><tr><td>x</td></tr></table></div>'
        '<div class="table-responsive"><table class="table"><tr><td>y</td></tr></table></div>',
        encoding="utf-8",
    )
    assert _unwrapped(bad) == [1]
