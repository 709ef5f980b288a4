"""APL-5 on the HTML forms: a resubmitted appeal form (same one-time token) creates nothing.

Both appeal-creating HTML forms (hotline staff intake and the worker portal) carry the
token from formtoken.py; the API and Open311 use their Idempotency-Key instead.
"""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from gigbranch.appeals import formtoken
from gigbranch.appeals.models import Appeal, AppealEvent
from gigbranch.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _url_token(response) -> str:
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)[formtoken.URL_PARAM][0]


def _hotline(world, token, **over):
    return {
        "category": world["wages"].pk,
        "description": "来电反映：快递网点拖欠骑手两个月工资。",
        "region": world["a"]["town"].pk,
        "contact_name": "张先生",
        "contact_mobile": "13912345678",
        "form_token": token,
        **over,
    }


def test_hotline_get_puts_a_fresh_token_in_the_url_and_keeps_it(client, world):
    client.force_login(world["county_admin"])
    first = _url_token(client.get("/appeals/new/"))
    assert formtoken.nonce(first)
    assert first != _url_token(client.get("/appeals/new/"))  # each new form, a new token
    page = client.get("/appeals/new/", {"t": first})  # Back re-asks the same URL: same token
    assert page.status_code == 200
    assert f'name="form_token" value="{first}"' in page.content.decode()
    assert page.context["submitted"] is None


def test_hotline_same_token_twice_creates_one_appeal(client, world):
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    r1 = client.post(f"/appeals/new/?t={token}", _hotline(world, token))
    appeal = Appeal.objects.get()
    assert r1.status_code == 302 and r1["Location"] == f"/appeals/{appeal.pk}/"
    assert appeal.channel == "hotline" and appeal.submitted_by == world["county_admin"]
    events = AppealEvent.objects.count()
    audits = AuditEvent.objects.filter(action="appeal.submitted").count()

    r2 = client.post(f"/appeals/new/?t={token}", _hotline(world, token), follow=True)
    assert r2.redirect_chain == [(f"/appeals/{appeal.pk}/", 302)]
    assert f"该诉求已提交，编号{appeal.tracking_no}" in r2.content.decode()
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="appeal.submitted").count() == audits == 1


def test_hotline_resubmission_with_other_data_still_creates_nothing(client, world):
    """The browser may not restore every field after Back: the token alone decides."""
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    client.post("/appeals/new/", _hotline(world, token))
    r = client.post("/appeals/new/", _hotline(world, token, description="", region=""))
    assert r.status_code == 302 and Appeal.objects.count() == 1


def test_hotline_back_to_a_submitted_form_says_so(client, world):
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    client.post("/appeals/new/", _hotline(world, token))
    appeal = Appeal.objects.get()
    page = client.get("/appeals/new/", {"t": token})
    assert page.status_code == 200 and page.context["submitted"] == appeal
    assert "该诉求已提交，编号" in page.content.decode()
    assert appeal.tracking_no in page.content.decode()


def test_hotline_token_is_per_user(client, world):
    """Another staff member's token (replayed) is a new submission of their own."""
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    client.post("/appeals/new/", _hotline(world, token))
    client.force_login(world["a"]["admin"])
    r = client.post("/appeals/new/", _hotline(world, token))
    assert r.status_code == 302 and Appeal.objects.count() == 2
    assert {a.submitted_by for a in Appeal.objects.all()} == {
        world["county_admin"],
        world["a"]["admin"],
    }


@pytest.mark.parametrize("token", ["", "x", "forged:token:value"])
def test_hotline_missing_or_forged_token_is_refused_and_changes_nothing(client, world, token):
    client.force_login(world["county_admin"])
    r = client.post("/appeals/new/", _hotline(world, token))
    body = r.content.decode()
    assert r.status_code == 200 and "表单已过期，请重新提交。" in body
    assert Appeal.objects.count() == 0
    fresh = r.context["form_token"]
    assert formtoken.nonce(fresh) and fresh != token  # the form can be submitted again
    assert f'value="{fresh}"' in body


def test_hotline_expired_token_is_refused(client, world):
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=formtoken.MAX_AGE_SECONDS + 60)
    with time_machine.travel(later):
        client.force_login(world["county_admin"])  # the idle session has ended meanwhile
        assert formtoken.nonce(token) is None
        assert _url_token(client.get("/appeals/new/", {"t": token})) != token
        r = client.post("/appeals/new/", _hotline(world, token))
        assert r.status_code == 200 and "表单已过期，请重新提交。" in r.content.decode()
    assert Appeal.objects.count() == 0


def test_hotline_validation_error_keeps_the_token(client, world):
    """Nothing was created, so the corrected form keeps its token; one appeal in the end."""
    client.force_login(world["county_admin"])
    token = _url_token(client.get("/appeals/new/"))
    bad = client.post("/appeals/new/", _hotline(world, token, description="短"))
    assert bad.status_code == 200 and bad.context["form_token"] == token
    assert Appeal.objects.count() == 0
    client.post("/appeals/new/", _hotline(world, token))
    client.post("/appeals/new/", _hotline(world, token))
    assert Appeal.objects.count() == 1


def test_worker_cannot_use_the_hotline_form(client, world):
    client.force_login(world["worker_user"])
    assert client.get("/appeals/new/").status_code == 403
    r = client.post("/appeals/new/", _hotline(world, formtoken.issue()))
    assert r.status_code == 403 and Appeal.objects.count() == 0


# --- the worker portal form: same mechanism ---------------------------------------------


def _portal(world, token, **over):
    return {
        "category": world["wages"].pk,
        "description": "站点拖欠两个月工资",
        "workplace": world["a"]["workplace"].pk,
        "form_token": token,
        **over,
    }


def test_portal_get_redirects_to_a_token_url_and_keeps_it(client, world):
    client.force_login(world["worker_user"])
    token = _url_token(client.get("/appeals/m/new/"))
    page = client.get("/appeals/m/new/", {"t": token})
    assert page.status_code == 200 and page.context["form_token"] == token


def test_portal_same_token_twice_creates_one_appeal_and_says_so(client, world):
    client.force_login(world["worker_user"])
    token = _url_token(client.get("/appeals/m/new/"))
    data = _portal(world, token)
    data["photos"] = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg")
    r1 = client.post(f"/appeals/m/new/?t={token}", data)
    appeal = Appeal.objects.get()
    assert r1["Location"] == f"/appeals/m/{appeal.tracking_no}/"
    r2 = client.post(f"/appeals/m/new/?t={token}", _portal(world, token), follow=True)
    assert r2.redirect_chain == [(f"/appeals/m/{appeal.tracking_no}/", 302)]
    assert f"该诉求已提交，编号{appeal.tracking_no}" in r2.content.decode()
    assert Appeal.objects.count() == 1 and appeal.photos.count() == 1
    back = client.get("/appeals/m/new/", {"t": token})
    assert back.context["submitted"] == appeal


def test_portal_missing_token_is_refused_with_a_fresh_one(client, world):
    client.force_login(world["worker_user"])
    r = client.post("/appeals/m/new/", _portal(world, ""))
    assert r.status_code == 200 and "表单已过期" in r.content.decode()
    assert formtoken.nonce(r.context["form_token"]) and Appeal.objects.count() == 0
