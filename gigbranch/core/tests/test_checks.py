"""Start-up refusal of unsafe key and gateway settings (core.E002–E004)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from gigbranch.core import checks


def _ids(errors):
    return sorted(e.id for e in errors)


def test_the_configured_development_keys_pass():
    assert checks.check_keys() == []


@pytest.mark.parametrize(
    "keys,hash_key,expected",
    [
        (["k1:" + "ab" * 16], "cd" * 32, []),
        (["k1:" + "ab" * 15], "cd" * 32, ["core.E002"]),  # 15-byte encryption key
        (["k1:" + "ab" * 32], "cd" * 32, ["core.E002"]),  # 32 bytes: SM4 takes 16
        (["k.1:" + "ab" * 16], "cd" * 32, ["core.E002"]),  # "." in the key id
        (["k1:not-hex"], "cd" * 32, ["core.E002"]),
        ([":" + "ab" * 16], "cd" * 32, ["core.E002"]),  # no key id
        (["k1:" + "ab" * 16], "cd", ["core.E003"]),  # one-byte hash key
        (["k1:" + "ab" * 16], "zz" * 32, ["core.E003"]),
    ],
)
def test_short_or_malformed_keys_are_refused(settings, keys, hash_key, expected):
    settings.FIELD_ENCRYPTION_KEYS = keys
    settings.FIELD_HASH_KEY = hash_key
    assert _ids(checks.check_keys()) == expected


def test_the_configured_audit_key_passes():
    assert checks.check_audit_keys() == []


@pytest.mark.parametrize(
    "keys",
    [
        [],
        ["a1:" + "ab" * 31],  # 31 bytes
        ["a1:not-hex"],
        [":" + "ab" * 32],  # no key id
        ["a1:" + "ab" * 32, "a1:" + "cd" * 32],  # the same id twice
        ["a1:" + "cd" * 32],  # the blind-index key (below) used again
    ],
)
def test_a_missing_short_or_shared_audit_key_is_refused(settings, keys):
    settings.FIELD_HASH_KEY = "cd" * 32
    settings.AUDIT_HMAC_KEYS = keys
    assert _ids(checks.check_audit_keys()) == ["core.E005"]


def test_production_start_up_stops_on_a_short_audit_key(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "gigbranch.core.sms.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    settings.AUDIT_HMAC_KEYS = ["a1:" + "ab" * 8]
    with pytest.raises(ImproperlyConfigured, match=r"core\.E005"):
        checks.refuse_unsafe_production_settings()


def test_plain_http_sms_gateway_is_refused_in_production(settings):
    settings.PRODUCTION = True
    settings.SMS_GATEWAY_URL = "http://sms.example.gov.cn/send"
    assert _ids(checks.check_sms_gateway()) == ["core.E004"]
    settings.SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    assert checks.check_sms_gateway() == []
    settings.PRODUCTION = False
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9000/send"
    assert checks.check_sms_gateway() == []


def test_production_start_up_stops_on_any_error(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "gigbranch.notifications.sms.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    settings.FIELD_HASH_KEY = "01"
    with pytest.raises(ImproperlyConfigured, match=r"core\.E003"):
        checks.refuse_unsafe_production_settings()
    settings.FIELD_HASH_KEY = "cd" * 32
    checks.refuse_unsafe_production_settings()  # nothing left to refuse


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/people/workers/", "/api/v1/members/workers", "/org/"])
def test_pages_with_personal_data_are_not_stored(client, county_admin, url):
    client.force_login(county_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
