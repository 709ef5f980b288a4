"""Writes for study materials and their completion (every one audited)."""

from __future__ import annotations

import logging
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role, has_capability
from gigbranch.core import audit

from ..models import (
    Article,
    StudyCompletion,
)
from .stations import _check_region

logger = logging.getLogger(__name__)

# --- Study ----------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


def sanitize_html(html: str) -> str:
    """Rich text through nh3 (ammonia): no scripts, styles, event handlers or iframes;
    links get rel=noopener; only http(s), mailto, tel and relative URLs."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def _check_study(actor: Any, article: Article | None = None) -> None:
    if not has_capability(actor, "study.manage"):
        raise PermissionDenied("您的角色无权维护学习资料。")
    if (
        article is not None
        and article.pk
        and not Article.objects.visible_to(actor).filter(pk=article.pk).exists()
    ):
        raise PermissionDenied("该资料不在您的管理范围内。")


@transaction.atomic
def save_article(*, actor: Any, article: Article | None = None, **fields: Any) -> Article:
    _check_study(actor, article)
    if "body" in fields:
        fields["body"] = sanitize_html(fields["body"])
    if "region" in fields:
        _check_region(actor, fields["region"])
    created = article is None
    article = article or Article()
    changes: dict[str, Any] = (
        {} if created else audit.diff(article, {k: v for k, v in fields.items() if k != "body"})
    )
    for name, value in fields.items():
        setattr(article, name, value)
    if article.is_published and article.published_at is None:
        article.published_at = timezone.now()
    article.full_clean()
    article.save()
    audit.record(
        actor=actor,
        action="article.created" if created else "article.updated",
        obj=article,
        changes=changes or {"title": article.title},
    )
    return article


def complete_article(*, user: Any, article: Article) -> tuple[StudyCompletion, bool]:
    """Mark an article read. Points are posted once through the people module's points
    service when it is available (members.services.post_points)."""
    if getattr(user, "role", None) != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以标记学习完成。")
    if not article.is_published:
        raise ValidationError("该资料未发布。")
    with transaction.atomic():
        completion, created = StudyCompletion.objects.get_or_create(article=article, user=user)
        if created:
            audit.record(actor=user, action="study.completed", obj=article)
            completion.points_posted = _post_points(
                user=user, article=article, completion=completion
            )
            if completion.points_posted:
                completion.save(update_fields=["points_posted"])
    return completion, created


def _post_points(*, user: Any, article: Article, completion: StudyCompletion) -> bool:
    """Post study points through the people module's ledger (idempotent per source key)."""
    from gigbranch.members import services as member_services

    post_points = getattr(member_services, "post_points", None)
    if post_points is None or user.worker_id is None or not article.points:
        return False
    try:
        with transaction.atomic():
            post_points(
                actor=user,
                person=user.worker,
                event_kind="study_completed",
                source_key=f"study:{article.pk}:worker:{user.worker_id}",
                points=article.points,
            )
    except (ValidationError, PermissionDenied) as exc:
        logger.info("study points not posted: %s", exc)
        return False
    return True
