"""Break-glass reset of an administrator's password by the operator on the server.

The three administrators (三员) cannot reset one another's passwords in the app: that
would let one of them act as two (accounts/separation.py). An operator with shell access
to the server runs this command; the one-time password is printed on the terminal only,
the next login must change it, and the reset is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.changes import one_time_password
from gigbranch.accounts.models import User
from gigbranch.core import actors, audit


class Command(BaseCommand):
    help = "由运维人员在服务器上重置一个账号的密码（打印一次性密码，下次登录须修改）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="重置原因（写入审计日志）")
        parser.add_argument(
            "--mfa",
            action="store_true",
            help="同时解除双因素认证（认证器丢失且没有其他安全管理员时），下次登录重新绑定",
        )

    def handle(
        self, *args: Any, username: str, reason: str, mfa: bool = False, **options: Any
    ) -> None:
        from gigbranch.accounts.models import MfaDevice, RecoveryCode
        from gigbranch.accounts.services import remember_password

        with transaction.atomic():
            user = User.objects.select_for_update().filter(username=username).first()
            if user is None:
                raise CommandError(f"账号 {username} 不存在。")
            password = one_time_password()
            user.set_password(password)
            user.must_change_password = True
            user.password_changed_at = timezone.now()
            user.locked_until = None
            user.failed_login_count = 0
            user.save()
            remember_password(user)
            audit.record(
                actor=actors.OPERATOR,
                action="user.password_reset_by_operator",
                obj=user,
                changes={"reason": reason[:200]},
            )
            if mfa:
                MfaDevice.objects.filter(user=user).delete()
                RecoveryCode.objects.filter(user=user).delete()
                audit.record(
                    actor=None,
                    action="mfa.reset_by_operator",
                    obj=user,
                    changes={"reason": reason[:200]},
                )
        self.stdout.write(f"账号 {username} 的一次性密码：{password}")
        self.stdout.write("请当面交给本人；下次登录须修改密码。")
