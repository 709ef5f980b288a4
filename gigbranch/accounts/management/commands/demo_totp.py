"""Print the current second-factor code of the demo accounts (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gigbranch.accounts.demo import DEMO_MFA_SECRET, demo_mfa_base32
from gigbranch.accounts.models import MfaDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo key (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不提供演示验证码。")
        device = MfaDevice(secret=DEMO_MFA_SECRET)
        totp = device.totp()
        left = MfaDevice.STEP - int(totp.time) % MfaDevice.STEP
        self.stdout.write(
            f"演示账号当前验证码：{totp.token():06d}（{left} 秒内有效；密钥 {demo_mfa_base32()}）"
        )
