"""Study materials and who completed them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

# --- Study ----------------------------------------------------------------------------------


class ArticleKind(models.TextChoices):
    ARTICLE = "article", "文章"
    COURSE = "course", "微课"


class ArticleQuerySet(ScopedQuerySet["Article"]):
    scope_spec = ScopeSpec(capability="study.manage", region_path="region__path")

    def published(self) -> ArticleQuerySet:
        return self.filter(is_published=True)


class Article(TimeStampedModel):
    title = models.CharField("标题", max_length=120)
    kind = models.CharField("类型", max_length=10, choices=ArticleKind.choices, default="article")
    summary = models.CharField("摘要", max_length=200, blank=True)
    body = models.TextField("正文（富文本，保存时清洗）")
    region = models.ForeignKey(
        "organizations.Region", verbose_name="发布范围", on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveSmallIntegerField("完成积分", default=1)
    is_published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "学习资料"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class StudyCompletion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_completions"
    )
    completed_at = models.DateTimeField(auto_now_add=True)
    points_posted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="study_complete_once")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.user_id}"
