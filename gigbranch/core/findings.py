"""Rule-check findings: shared infrastructure for every module (DESIGN §1 Rule checks).

A checker is a pure-ish function registered with `@checker("ORG-1", ...)` that reads the
data and yields `Candidate`s. `services.recompute_findings()` runs the checkers, upserts
one `Finding` per (rule, object), keeps the first-seen date, and closes findings whose
candidate no longer appears (the problem was fixed). The system flags; people decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


class Severity(models.TextChoices):
    INFO = "info", "提示"
    WARNING = "warning", "预警"
    VIOLATION = "violation", "问题"


@dataclass(frozen=True)
class Candidate:
    rule_id: str
    severity: str
    obj: models.Model
    summary: str  # what is wrong, in Chinese, with the facts
    advice: str  # what to do, in Chinese
    facts: dict[str, Any] = field(default_factory=dict)
    region_id: int | None = None
    organization_id: int | None = None


@dataclass(frozen=True)
class RuleChecker:
    rule_ids: tuple[str, ...]
    title: str
    func: Callable[[], Iterable[Candidate]]


REGISTRY: dict[str, RuleChecker] = {}


def checker(
    *rule_ids: str, title: str
) -> Callable[[Callable[[], Iterable[Candidate]]], Callable[[], Iterable[Candidate]]]:
    def register(func: Callable[[], Iterable[Candidate]]) -> Callable[[], Iterable[Candidate]]:
        key = f"{func.__module__}.{func.__name__}"
        REGISTRY[key] = RuleChecker(rule_ids=rule_ids, title=title, func=func)
        return func

    return register


def load_checkers() -> dict[str, RuleChecker]:
    """Import every installed app's `rules` module so its checkers register."""
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("gigbranch."):
            try:
                import_module(f"{app.name}.rules")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.rules":
                    raise
    return REGISTRY
