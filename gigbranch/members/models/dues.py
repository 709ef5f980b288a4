"""Dues assessments, income records and payments (DUES-1 … DUES-6)."""

from __future__ import annotations

from typing import Any

from django.db import models

from gigbranch.core.models import TimeStampedModel

from .people import PartyMember, _member_spec

# --- Dues (DUES-1 … DUES-6) --------------------------------------------------------------


class DuesRule(models.TextChoices):
    WAGES = "wages", "工资收入（DUES-1）"
    GIG_INCOME = "gig_income", "无固定工资收入，按上季度月均纯收入（DUES-2）"
    RETIREE = "retiree", "离退休（DUES-3）"
    FIXED_LOW = "fixed_low", "学生、失业、低保等，每月0.2元（DUES-4）"
    FARMER = "farmer", "农民，每月0.2至1元（DUES-4）"
    REDUCED = "reduced", "经支部决定并报上级批准少交（DUES-4）"
    EXEMPT = "exempt", "经支部决定并报上级批准免交（DUES-4）"


class DuesQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Any:
        from gigbranch.core.scoping import scope_filter

        return self.filter(scope_filter(user, _member_spec("member__")))


class DuesAssessment(TimeStampedModel):
    """The dues rule, base and monthly amount of one member for one year (DUES-5: set at
    the start of the year)."""

    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_assessments"
    )
    year = models.PositiveSmallIntegerField("年度")
    rule = models.CharField("计算依据", max_length=12, choices=DuesRule.choices)
    base = models.DecimalField(
        "计算基数（元/月）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    monthly_amount = models.DecimalField("月交纳额（元）", max_digits=10, decimal_places=2)
    decision = models.CharField("决定依据", max_length=200, blank=True)
    set_on = models.DateField("核定日期")

    objects = DuesQuerySet.as_manager()

    class Meta:
        verbose_name = "党费核定"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="dues_once_a_year")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.monthly_amount}元/月"


class IncomeRecord(models.Model):
    """Monthly net income declared by a member without wages (basis of DUES-2)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="incomes")
    month = models.DateField("月份")  # first day of the month
    net_income = models.DecimalField("月纯收入（元）", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="income_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.net_income}"


class PaymentChannel(models.TextChoices):
    CASH = "cash", "现金"
    WECHAT = "wechat", "微信"
    ALIPAY = "alipay", "支付宝"
    BANK = "bank", "银行转账"
    PROXY = "proxy", "委托代交"


class DuesPayment(models.Model):
    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField("所属月份")  # first day of the month paid for
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    channel = models.CharField("缴纳方式", max_length=10, choices=PaymentChannel.choices)
    collector = models.ForeignKey(
        "organizations.Organization",
        verbose_name="收缴党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_on = models.DateField("缴纳日期")
    voluntary = models.BooleanField("自愿多交", default=False)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = DuesQuerySet.as_manager()

    class Meta:
        verbose_name = "党费缴纳"
        ordering = ["-month", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount}元"
