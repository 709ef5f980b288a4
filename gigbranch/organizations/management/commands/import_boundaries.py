"""`manage.py import_boundaries <file.geojson>`: region boundaries from a GeoJSON file.

Features are matched to regions by administrative code (properties code/adcode/区划代码)
or by unique name (name/名称); unmatched features are listed in Chinese. The maps draw the
boundaries as their base layer, so they stay readable on an intranet without tiles.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gigbranch.core import actors
from gigbranch.organizations import services
from gigbranch.organizations.boundaries import BoundaryError


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入行政区域边界（按区划代码或名称匹配）。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON 文件（FeatureCollection，WGS-84 经纬度）")

    def handle(self, *args, path: str, **options):
        file = Path(path)
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{file}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"文件不是 UTF-8 编码的文本：{file}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"文件不是有效的 JSON（第 {exc.lineno} 行）：{file}") from exc
        try:
            matching = services.import_boundaries(actor=actors.OPERATOR, data=data)
        except BoundaryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导入 {len(matching.matched)} 个区域的边界。")
        if matching.unmatched:
            self.stdout.write(f"未匹配 {len(matching.unmatched)} 个要素：")
            for line in matching.unmatched:
                self.stdout.write(f"  {line}")
