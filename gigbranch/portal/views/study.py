"""Portal study materials."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.stations import services as station_services
from gigbranch.stations.models import (
    Article,
    StudyCompletion,
)

from .base import _error_text, _me, portal_view

# --- Study ----------------------------------------------------------------------------------


@portal_view
def study(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published().order_by("-published_at", "-id")[:50]
    done = set(
        StudyCompletion.objects.filter(user=_me(request)).values_list("article_id", flat=True)
    )
    return render(request, "portal/study.html", {"tab": "home", "articles": articles, "done": done})


@portal_view
def article(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Article.objects.published(), pk=pk)
    if request.method == "POST":
        try:
            _c, created = station_services.complete_article(user=request.user, article=obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            if created:
                messages.success(request, f"已完成学习，获得{obj.points}积分。")
        return redirect("portal:article", pk=obj.pk)
    done = StudyCompletion.objects.filter(user=_me(request), article=obj).exists()
    return render(request, "portal/article.html", {"tab": "home", "article": obj, "done": done})
