from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from gigbranch.core.fields import blind_index
from gigbranch.core.validators import normalize_mobile

from .models import User


def find_user(identifier: str) -> User | None:
    """Look up an account by username, or by mobile number through its blind index."""
    identifier = (identifier or "").strip()
    user = User.objects.filter(username=identifier).first()
    if user is None:
        try:
            mobile = normalize_mobile(identifier)
        except ValidationError:
            return None
        user = User.objects.filter(mobile_hash=blind_index(mobile, context="mobile")).first()
    return user


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same cost as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
