"""Property-based fuzzing of /api/v1/ from its own OpenAPI schema (ADR 0048).

Schemathesis generates requests for every operation of the django-ninja schema and sends
them in process to the WSGI application, as an API-client account and as a county
administrator, on a small county built by the factories. Any 5xx, any response that does not match the
schema (status code, body, content type, headers) fails the test, with every failing
operation listed. Examples are bounded (FUZZ_EXAMPLES per operation, derandomised, so a
run is repeatable and takes well under a minute per database).

Each example runs in a savepoint that is rolled back: writes (appeal submissions, roster
pushes, recruitment steps) are in scope, but one example never sees another's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# Valid requests (the found-row paths) and invalid ones (the 4xx paths must not be 5xx).
MODES = os.environ.get("FUZZ_MODES", "positive,negative").split(",")


@pytest.fixture
def fuzz_world(two_townships, county_admin, settings, tmp_path):
    """Small but complete: two townships with branches, workplaces and workers, a party
    member, a station, an appeal and a platform whose roster the API client pushes."""
    from gigbranch.accounts.services import issue_api_token
    from gigbranch.appeals import services as appeal_services
    from gigbranch.appeals.models import Category, Channel, RoutingRule
    from gigbranch.members.models import Platform
    from gigbranch.organizations.models import Department
    from gigbranch.recruitment import services as recruitment_services
    from tests.factories import PartyMemberFactory, StationFactory, UserFactory

    settings.MEDIA_ROOT = tmp_path
    settings.RATE_LIMITS = {}
    town_a = two_townships["a"]
    department = Department.objects.create(name="县人社局", region=two_townships["county"])
    wages = Category.objects.get(code="wages")
    RoutingRule.objects.create(category=wages, region=None, department=department)
    appeal = appeal_services.submit_appeal(
        actor=None,
        category=wages,
        description="热线反映工资拖欠问题",
        channel=Channel.HOTLINE,
        region=town_a["town"],
        contact_mobile="13900001111",
    )
    PartyMemberFactory(worker=town_a["worker"], organization=town_a["branch"])
    station = StationFactory(region=town_a["town"])
    town_b = two_townships["b"]
    case = recruitment_services.open_case(
        actor=county_admin,
        worker=town_b["worker"],
        organization=town_b["branch"],
        application_date=timezone.localdate() - dt.timedelta(days=30),
    )
    platform = Platform.objects.create(name="测试外卖平台")
    platform.workplaces.add(town_a["workplace"], two_townships["b"]["workplace"])
    client_account = UserFactory(username="fuzz_platform", role="api_client")
    platform.api_users.add(client_account)
    _, admin_token = issue_api_token(actor=county_admin, user=county_admin, name="fuzz")
    _, client_token = issue_api_token(actor=None, user=client_account, name="fuzz")
    return {
        "tokens": {"county_admin": admin_token, "api_client": client_token},
        # Rows that exist, so that generated requests also reach the found-row paths.
        "known": {
            "org_id": town_a["branch"].pk,
            "workplace_id": town_a["workplace"].pk,
            "worker_id": town_a["worker"].pk,
            "station_id": station.pk,
            "tracking_no": appeal.appeal.tracking_no,
            "case_id": case.pk,
            "region_id": town_a["town"].pk,
            "kind": "candidate_review",
        },
    }


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes "old" connections when a request starts and finishes; the
    test's connection holds the test transaction (and the rows of fuzz_world), so keep it
    open, as Django's own test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _operations():
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    return schema, [result.ok() for result in schema.get_all_operations()]


def test_every_operation_answers_within_its_schema(fuzz_world, keep_test_connection):
    from django.db import transaction
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis import checks as sc
    from schemathesis.specs.openapi import checks as oc

    _schema, operations = _operations()
    assert len(operations) > 20
    checks = [
        sc.not_a_server_error,
        oc.status_code_conformance,
        oc.content_type_conformance,
        oc.response_schema_conformance,
        oc.response_headers_conformance,
    ]
    failures: list[str] = []
    tokens = fuzz_world["tokens"]
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        known = {name: fuzz_world["known"][name] for name in names if name in fuzz_world["known"]}
        strategies = [operation.as_strategy(GenerationMode(mode)) for mode in MODES]
        if known and len(known) == len(names):
            strategies.append(operation.as_strategy(path_parameters=known))

        @settings(
            max_examples=FUZZ_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies), who=st.sampled_from(sorted(tokens)))
        def run(case, who):
            with transaction.atomic():
                try:
                    case.call_and_validate(
                        headers={"Authorization": f"Bearer {tokens[who]}"}, checks=checks
                    )
                finally:
                    transaction.set_rollback(True)

        started = time.monotonic()
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        print(f"{operation.method.upper()} {operation.path} {time.monotonic() - started:.1f}s")
    assert not failures, "\n\n".join(failures)
