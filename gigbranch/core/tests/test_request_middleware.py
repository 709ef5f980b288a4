"""The per-request middleware: language choice and the idle-session check for anonymous
requests (both on every page, so they must be cheap and must decide exactly as before)."""

import pytest
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation
from django.utils.functional import empty

from gigbranch.accounts.middleware import IdleSessionMiddleware
from gigbranch.core.middleware import LanguageMiddleware

CASES = [
    ({}, ""),
    ({}, "en-US,en;q=0.9"),
    ({}, "zh-CN,zh;q=0.9,en;q=0.8"),
    ({}, "fr-FR,fr;q=0.9"),
    ({"django_language": "en"}, "zh-CN"),
    ({"django_language": "zh-hans"}, "en-US"),
    ({"django_language": "xx-bogus"}, "en"),
    ({"django_language": "xx-bogus"}, ""),
    ({}, "en;q=0.1,zh-TW;q=0.5"),
]


def _request(cookies, accept):
    request = RequestFactory().get("/healthz", HTTP_ACCEPT_LANGUAGE=accept)
    request.COOKIES.update(cookies)
    return request


def _run(middleware_class, cookies, accept, view=None):
    seen = {}

    def default_view(request):
        seen["language"] = translation.get_language()
        seen["request"] = request.LANGUAGE_CODE
        return HttpResponse("ok")

    with translation.override(None):
        response = middleware_class(view or default_view)(_request(cookies, accept))
    return seen, response


@pytest.mark.parametrize(("cookies", "accept"), CASES)
def test_language_is_chosen_as_django_locale_middleware_chooses_it(cookies, accept):
    ours, our_response = _run(LanguageMiddleware, cookies, accept)
    django, django_response = _run(LocaleMiddleware, cookies, accept)
    assert ours == django
    for header in ("Vary", "Content-Language"):
        assert our_response.headers[header] == django_response.headers[header]


def test_language_cookie_wins_over_the_browser_header():
    seen, response = _run(LanguageMiddleware, {"django_language": "en"}, "zh-CN,zh;q=0.9")
    assert seen == {"language": "en", "request": "en"}
    assert response.headers["Content-Language"] == "en"


def test_chinese_by_default_and_vary_is_added_to_an_existing_vary():
    def view(request):
        response = HttpResponse("ok")
        response.headers["Vary"] = "Cookie"
        return response

    _seen, response = _run(LanguageMiddleware, {}, "", view)
    assert response.headers["Vary"] == "Cookie, Accept-Language"
    assert response.headers["Content-Language"] == "zh-hans"


def test_the_table_of_choices_stays_bounded():
    middleware = LanguageMiddleware(lambda request: HttpResponse("ok"))
    with translation.override(None):
        for i in range(LanguageMiddleware.CACHE_SIZE * 3):
            middleware(_request({"django_language": f"junk-{i}"}, "en"))
    assert 0 < len(middleware.choices) <= LanguageMiddleware.CACHE_SIZE


def test_an_anonymous_request_does_not_load_the_user():
    """Without a session cookie nobody is signed in: the lazy user stays unevaluated
    (evaluating it loads the session on every anonymous page)."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    seen = {}

    def view(request):
        seen["loaded"] = request.user._wrapped is not empty
        return HttpResponse("ok")

    chain = SessionMiddleware(AuthenticationMiddleware(IdleSessionMiddleware(view)))
    chain(RequestFactory().get("/healthz"))
    assert seen == {"loaded": False}
