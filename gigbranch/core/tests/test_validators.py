import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given, settings
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

    def test_birth_year_before_1900_has_its_own_message(self):
        first17 = "11010518991231002"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(first17 + resident_id_check_char(first17))
        assert exc.value.code == "id_birth_too_early"
        assert "1900" in exc.value.messages[0]
        assert "晚于今天" not in exc.value.messages[0]

    def test_born_1900_01_01_is_valid(self):
        first17 = "11010519000101002"
        rid = parse_resident_id(first17 + resident_id_check_char(first17))
        assert rid.birth_date == dt.date(1900, 1, 1)

    def test_today_is_the_local_date(self):
        # 2026-03-01 01:00 Beijing = 2026-02-28 17:00 UTC: a child born on 1 March is
        # already born in Beijing, while the UTC date is still 28 February.
        first17 = "11010520260301002"
        number = first17 + resident_id_check_char(first17)
        with time_machine.travel(dt.datetime(2026, 2, 28, 17, 0, tzinfo=dt.UTC), tick=False):
            assert parse_resident_id(number).birth_date == dt.date(2026, 3, 1)
        first17 = "11010520260302002"
        with (
            time_machine.travel(dt.datetime(2026, 2, 28, 17, 0, tzinfo=dt.UTC), tick=False),
            pytest.raises(ValidationError) as exc,
        ):
            parse_resident_id(first17 + resident_id_check_char(first17))
        assert exc.value.code == "id_birth_future"

    def test_exactly_one_check_character_is_accepted(self):
        # Real-looking numbers (a region code, a possible birth date, a sequence number) so
        # that the check character is what decides; a wrong one is refused for that reason.
        accepted = []

        @settings(max_examples=300, deadline=None)
        @given(
            region=st.integers(min_value=110000, max_value=659999),
            birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 11, 29)),
            sequence=st.integers(min_value=0, max_value=999),
            last=st.sampled_from("0123456789X"),
            use_valid=st.booleans(),
        )
        def check(region, birth, sequence, last, use_valid):
            first17 = f"{region:06d}{birth:%Y%m%d}{sequence:03d}"
            valid = resident_id_check_char(first17)
            if use_valid:
                last = valid
            try:
                rid = parse_resident_id(first17 + last, today=dt.date(2026, 11, 29))
            except ValidationError as exc:
                assert last != valid and exc.code == "id_check_char"
                accepted.append(False)
            else:
                assert last == valid and rid.birth_date == birth
                accepted.append(True)

        check()
        # Most examples get past every other check, so the check character is exercised
        # both ways.
        assert accepted.count(True) >= len(accepted) // 3
        assert accepted.count(False) >= len(accepted) // 3


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
