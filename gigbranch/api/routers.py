from typing import Any

from ninja import Router, Schema

core_router = Router(tags=["账号"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    scope: str


@core_router.get("/me", response=MeOut)
def me(request: Any) -> dict[str, str]:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "scope": user.scope_label,
    }
