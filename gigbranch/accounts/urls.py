from django.urls import path

from . import mfa_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/toggle/", views.user_toggle_active, name="user_toggle"),
    path("users/<int:pk>/change/", views.user_change, name="user_change"),
    path("users/<int:pk>/reset-password/", views.password_reset, name="password_reset"),
    path("password/", views.password_change, name="password_change"),
    path("changes/", views.change_list, name="changes"),
    path(
        "changes/<int:pk>/approve/",
        views.change_decide,
        {"decision": "approve"},
        name="change_approve",
    ),
    path(
        "changes/<int:pk>/reject/",
        views.change_decide,
        {"decision": "reject"},
        name="change_reject",
    ),
    path("changes/<int:pk>/withdraw/", views.change_withdraw, name="change_withdraw"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("tokens/<int:pk>/rotate/", views.api_token_rotate, name="api_token_rotate"),
    # Second factor (ADR 0045)
    path("login/continue/", views.login_continue, name="login_continue"),
    path("mfa/verify/", mfa_views.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", mfa_views.mfa_enrol, name="mfa_enrol"),
    path("mfa/", mfa_views.mfa_status, name="mfa"),
    path("mfa/recovery-codes/", mfa_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("users/<int:pk>/reset-mfa/", mfa_views.mfa_reset, name="mfa_reset"),
    path("security/", views.security, name="security"),
    path("security/<int:pk>/unlock/", views.unlock, name="unlock"),
]
