"""Grant (or revoke) a higher-level system's API account read access to the upward
statistics of a region and the regions below it (cockpit.StatsGrant, audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gigbranch.accounts.models import User
from gigbranch.cockpit import services
from gigbranch.cockpit.models import StatsGrant
from gigbranch.organizations.models import Region


class Command(BaseCommand):
    help = "授权上级系统的接口账号读取某区域（含下级区域）的统计数据；--revoke 撤销。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="接口账号的用户名")
        parser.add_argument("region_code", help="行政区划代码")
        parser.add_argument("--revoke", action="store_true", help="撤销授权")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("没有该账号。")
        region = Region.objects.filter(code=options["region_code"]).first()
        if region is None:
            raise CommandError("没有该区域代码。")
        if options["revoke"]:
            grant = StatsGrant.objects.filter(
                user=user, region=region, revoked_at__isnull=True
            ).first()
            if grant is None:
                raise CommandError("该账号没有此区域的有效授权。")
            services.revoke_stats_access(actor=None, grant=grant)
            self.stdout.write(f"已撤销 {user.username} 读取 {region.name} 统计数据的授权。")
            return
        try:
            services.grant_stats_access(actor=None, user=user, region=region)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已授权 {user.username} 读取 {region.name}（含下级区域）的统计数据。")
