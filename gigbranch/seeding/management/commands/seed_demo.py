import time

from django.core.management.base import BaseCommand, CommandError

from gigbranch import demo
from gigbranch.organizations.models import Region


class Command(BaseCommand):
    help = "Seed the fictional demo county 云溪县 (deterministic for a given --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="county")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the demo county already exists"
        )

    def handle(self, *args, scale, seed, if_empty, **options):
        if Region.objects.filter(code=demo.COUNTY_CODE).exists():
            if if_empty:
                self.stdout.write("演示数据已存在，跳过。")
                return
            raise CommandError("演示县已存在；请使用空数据库（或加 --if-empty 跳过）。")
        started = time.monotonic()
        demo.seed(scale=scale, seed_value=seed)
        from gigbranch.members.models import PartyMember, Worker
        from gigbranch.organizations.models import Organization, Workplace

        self.stdout.write(
            f"已生成演示县（{scale}）：区域 {Region.objects.count()}，"
            f"党组织 {Organization.objects.count()}，企业/站点 {Workplace.objects.count()}，"
            f"劳动者 {Worker.objects.count()}，党员 {PartyMember.objects.count()}，"
            f"用时 {time.monotonic() - started:.1f} 秒。"
        )
