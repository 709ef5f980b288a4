"""factory_boy factories. Trees get their materialised path through the services' helper."""

from __future__ import annotations

import datetime as dt
import random

import factory

from gigbranch.accounts.models import User
from gigbranch.core.validators import resident_id_check_char
from gigbranch.members.models import Occupation, Worker
from gigbranch.organizations.models import (
    Organization,
    Region,
    Workplace,
    WorkplaceKind,
    path_segment,
)

PASSWORD = "Test@pass2026"


def _set_path(obj):
    parent_path = obj.parent.path if obj.parent_id else ""
    obj.path = parent_path + path_segment(obj.pk)
    type(obj).objects.filter(pk=obj.pk).update(path=obj.path)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"区域{n}")
    code = factory.Sequence(lambda n: f"9{n:08d}")
    level = "township"
    parent = None

    @factory.post_generation
    def with_path(obj, create, extracted, **kwargs):
        if create:
            _set_path(obj)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"党组织{n}")
    kind = "branch"
    region = factory.SubFactory(RegionFactory)
    parent = None

    @factory.post_generation
    def with_path(obj, create, extracted, **kwargs):
        if create:
            _set_path(obj)


class WorkplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workplace

    name = factory.Sequence(lambda n: f"站点{n}")
    kind = WorkplaceKind.EXPRESS_OUTLET
    region = factory.SubFactory(RegionFactory)


def make_id_number(seq: int, birth: dt.date = dt.date(1990, 5, 17), male: bool = True) -> str:
    tail = (seq % 50) * 2 + (1 if male else 0)
    first17 = f"3399{seq // 50 % 100:02d}{birth:%Y%m%d}{seq // 5000 % 10}{tail:02d}"
    return first17 + resident_id_check_char(first17)


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    name = factory.Sequence(lambda n: f"骑手{n}")
    id_number = factory.Sequence(lambda n: make_id_number(n + random.randrange(0, 10**6) * 0))
    sex = "M"
    birth_date = dt.date(1990, 5, 17)
    occupation = Occupation.COURIER
    region = factory.SubFactory(RegionFactory)
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "county_admin"
    full_name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()


# --- Issue 7: stations, appointments, study, activities -----------------------------------


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.Station"

    name = factory.Sequence(lambda n: f"暖心驿站{n}")
    kind = "warm_heart"
    address = factory.Sequence(lambda n: f"人民路{n}号")
    region = factory.SubFactory(RegionFactory)
    latitude = 29.87
    longitude = 120.35
    always_open = True


class ServiceProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.ServiceProvider"

    name = factory.Sequence(lambda n: f"法律援助工作站{n}")
    kind = "legal_aid"
    region = factory.SubFactory(RegionFactory)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.Slot"

    provider = factory.SubFactory(ServiceProviderFactory)
    starts_at = factory.Sequence(
        lambda n: dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=50))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stations.Article"

    title = factory.Sequence(lambda n: f"学习资料{n}")
    body = "<p>正文</p>"
    region = factory.SubFactory(RegionFactory)
    points = 2
    is_published = True
    published_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Activity"

    title = factory.Sequence(lambda n: f"志愿服务活动{n}")
    organization = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(lambda o: o.organization.region)
    place = "城关街道党群服务中心"
    starts_at = dt.datetime(2030, 5, 1, 9, tzinfo=dt.UTC)
    ends_at = dt.datetime(2030, 5, 1, 11, tzinfo=dt.UTC)
    capacity = 2
    status = "published"


class WorkerUserFactory(UserFactory):
    """A portal account (role worker) with a mobile number."""

    role = "worker"
    mobile = factory.Sequence(lambda n: f"137{n:08d}")


class PartyMemberFactory(factory.django.DjangoModelFactory):
    """A full member in normal standing (members app, issue 4)."""

    class Meta:
        model = "members.PartyMember"

    worker = factory.SubFactory(WorkerFactory, political_status="party_member")
    organization = factory.SubFactory(OrganizationFactory, kind="branch")
    kind = "full"
    status = "normal"
    joined_on = dt.date(2015, 7, 1)
    full_on = dt.date(2016, 7, 1)
