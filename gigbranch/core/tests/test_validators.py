import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gigbranch.core.validators import (
    normalize_mobile,
    normalize_uscc,
    parse_resident_id,
    resident_id_check_char,
    uscc_check_char,
)


class TestResidentId:  # rules.md ID
    def test_reference_example_is_valid_female_born_1949_12_31(self):
        rid = parse_resident_id("11010519491231002X")
        assert rid.birth_date == dt.date(1949, 12, 31)
        assert rid.sex == "F"
        assert rid.area_code == "110105"
        assert rid.number == "11010519491231002X"

    def test_lower_case_x_is_accepted_and_stored_upper_case(self):
        assert parse_resident_id("11010519491231002x").number == "11010519491231002X"

    def test_wrong_check_character_is_invalid(self):
        with pytest.raises(ValidationError) as exc:
            parse_resident_id("110105194912310021")
        assert exc.value.code == "id_check_char"
        assert "校验位" in exc.value.messages[0]

    def test_impossible_birth_date_19490230_is_invalid(self):
        first17 = "11010519490230002"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(first17 + resident_id_check_char(first17))
        assert exc.value.code == "id_birth_date"

    def test_birth_date_in_the_future_is_invalid(self):
        first17 = "11010520300101002"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(
                first17 + resident_id_check_char(first17), today=dt.date(2026, 11, 29)
            )
        assert exc.value.code == "id_birth_future"

    @pytest.mark.parametrize(
        "value", ["", "1101051949123100", "11010519491231002Y", "A1010519491231002X"]
    )
    def test_malformed_numbers_are_invalid(self, value):
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(value)
        assert exc.value.code == "id_format"

    def test_odd_sequence_is_male(self):
        first17 = "11010519900101001"
        assert parse_resident_id(first17 + resident_id_check_char(first17)).sex == "M"

    @given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
    def test_exactly_one_check_character_is_accepted(self, first17, last):
        valid = resident_id_check_char(first17)
        try:
            parse_resident_id(first17 + last, today=dt.date(2100, 1, 1))
        except ValidationError as exc:
            assert last != valid or exc.code in {"id_birth_date", "id_birth_future"}
        else:
            assert last == valid


class TestMobile:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("13812345678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("008619912345678", "19912345678"),
        ],
    )
    def test_accepted_forms(self, raw, expected):
        assert normalize_mobile(raw) == expected

    @pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "abc", ""])
    def test_rejected(self, raw):
        with pytest.raises(ValidationError) as exc:
            normalize_mobile(raw)
        assert exc.value.code == "mobile_format"


class TestUnifiedSocialCreditCode:  # GB 32100-2015
    def test_known_valid_code(self):
        # Check character computed by the standard's algorithm for this body.
        body = "91350100M000100Y4"
        assert normalize_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)

    def test_published_example(self):
        assert normalize_uscc("91350100M000100Y43") == "91350100M000100Y43"

    def test_wrong_check_character(self):
        with pytest.raises(ValidationError) as exc:
            normalize_uscc("91350100M000100Y44")
        assert exc.value.code == "uscc_check_char"

    @pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100I43", ""])
    def test_malformed(self, raw):
        with pytest.raises(ValidationError):
            normalize_uscc(raw)


def test_full_width_id_digits_are_read_as_ascii():
    """An ID typed with a Chinese input method (full-width digits, ｘ) is the same ID."""
    parsed = parse_resident_id("１１０１０５１９４９１２３１００２ｘ")
    assert parsed.number == "11010519491231002X" and parsed.sex == "F"
    with pytest.raises(ValidationError):
        parse_resident_id("11010519491231002٣")  # another script's digit is not an ID digit


def test_mobile_numbers_in_every_accepted_shape():
    for raw in (
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "008613812345678",
        "１３８１２３４５６７８",
        "13812345678\n",
    ):
        assert normalize_mobile(raw) == "13812345678", raw
    for raw in ("12812345678", "1381234567", "138123456789", "1381234567８9"):
        with pytest.raises(ValidationError):
            normalize_mobile(raw)
