from django.core.management.base import BaseCommand

from gigbranch import demo
from gigbranch.accounts.models import User
from gigbranch.accounts.roles import Role


class Command(BaseCommand):
    help = "Print the URL and one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        self.stdout.write("")
        self.stdout.write(f"新就业群体党建工作平台已启动：{url}")
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for user in User.objects.filter(username__in=demo.DEMO_USERNAMES).order_by("id"):
            where = "手机端" if user.role == Role.WORKER else user.scope_label
            self.stdout.write(f"  {user.username:<10} {user.get_role_display()}（{where}）")
        from django.conf import settings

        from gigbranch.accounts.demo import demo_mfa_base32

        required = "、".join(str(Role(r).label) for r in settings.MFA_REQUIRED_ROLES)
        self.stdout.write(
            f"双因素认证：{required}登录时还须输入验证码。演示密钥（TOTP，6位，30秒）："
            f"{demo_mfa_base32()}，可添加到任一认证器；或运行 "
            "python manage.py demo_totp 显示当前验证码。"
        )
        self.stdout.write("健康检查：" + url + "healthz    接口文档：" + url + "api/v1/docs")
        self.stdout.write("")
