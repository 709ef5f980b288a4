"""Validators for identity numbers and codes (rules.md ID; GB 11643-1999; GB 32100-2015).

Pure functions: they take strings and return parsed values or raise ValidationError with
a message in Chinese. No database access.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")


class ResidentId(NamedTuple):
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def last4(self) -> str:
        return self.number[-4:]


# Σ weight × digit over the first 17 characters, from their byte values: the ASCII
# offset of "0" (48) contributes 48 × Σ weights, removed once.
_ID_OFFSET = 48 * sum(ID_WEIGHTS)


def resident_id_check_char(first17: str) -> str:
    if len(first17) != len(ID_WEIGHTS) or not first17.isdigit() or not first17.isascii():
        raise ValueError("17 digits expected")
    total = sum(map(operator.mul, first17.encode(), ID_WEIGHTS)) - _ID_OFFSET
    return ID_CHECK_CHARS[total % 11]


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number (rule ID) and return its parts."""
    number = (value or "").strip().upper()
    if not number.isascii():  # full-width digits or Ｘ, as typed with a Chinese IME
        number = unicodedata.normalize("NFKC", number).upper()
    if not _ID_PATTERN.match(number):
        raise ValidationError(
            "身份证号码应为18位，前17位为数字，最后一位为数字或X。", code="id_format"
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号码校验位不正确，请核对。", code="id_check_char")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            "身份证号码中的出生日期不是有效日期。", code="id_birth_date"
        ) from None
    if birth.year < 1900:
        raise ValidationError(
            "身份证号码中的出生年份早于1900年，请核对。", code="id_birth_too_early"
        )
    if birth > (today or timezone.localdate()):
        raise ValidationError("身份证号码中的出生日期不能晚于今天。", code="id_birth_future")
    sex = "M" if number[16] in "13579" else "F"
    return ResidentId(number, number[:6], birth, sex)


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


_MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")


def normalize_mobile(value: str) -> str:
    """Return an 11-digit mainland mobile number; accepts +86/0086 prefixes, spaces,
    hyphens and full-width digits."""
    if _MOBILE_PATTERN.fullmatch(value or ""):
        return value  # already in shape: the common case on a 100,000-row roster
    if not (value or "").isascii():
        value = unicodedata.normalize("NFKC", value)
    digits = re.sub(r"[\s-]", "", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    if not _MOBILE_PATTERN.fullmatch(digits):
        raise ValidationError("手机号码应为11位，以1开头，第二位为3至9。", code="mobile_format")
    return digits


def validate_mobile(value: str) -> None:
    normalize_mobile(value)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        raise ValidationError(
            "统一社会信用代码应为18位，由数字和大写字母（不含I、O、Z、S、V）组成。",
            code="uscc_format",
        )
    if not code[8:17].isalnum() or uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="uscc_check_char")
    return code


def validate_uscc(value: str) -> None:
    normalize_uscc(value)
