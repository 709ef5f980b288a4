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
