"""Field encryption: SM4-GCM round trip, no plaintext in the database, blind indexes."""

import pytest
from django.db import connection

from gigbranch.core.crypto import DecryptionError, FieldCipher, Sm4GcmProvider, get_cipher
from gigbranch.core.fields import blind_index
from gigbranch.core.masking import mask_mobile, mask_resident_id
from gigbranch.members.models import Worker
from tests.factories import WorkerFactory

KEY_A = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY_B = bytes.fromhex("ffeeddccbbaa99887766554433221100")


def test_round_trip_and_random_nonce():
    cipher = FieldCipher(Sm4GcmProvider(), [("a", KEY_A)], b"h" * 32)
    one = cipher.encrypt("11010519491231002X", context="id_number")
    two = cipher.encrypt("11010519491231002X", context="id_number")
    assert one != two
    assert one.startswith("v1.a.")
    assert "11010519491231002X" not in one
    assert cipher.decrypt(one, context="id_number") == "11010519491231002X"


def test_wrong_context_or_tampering_fails_authentication():
    cipher = FieldCipher(Sm4GcmProvider(), [("a", KEY_A)], b"h" * 32)
    token = cipher.encrypt("13812345678", context="mobile")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="id_number")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, context="mobile")


def test_key_rotation_old_values_still_decrypt():
    old = FieldCipher(Sm4GcmProvider(), [("a", KEY_A)], b"h" * 32)
    token = old.encrypt("13812345678", context="mobile")
    rotated = FieldCipher(Sm4GcmProvider(), [("b", KEY_B), ("a", KEY_A)], b"h" * 32)
    assert rotated.decrypt(token, context="mobile") == "13812345678"
    assert rotated.encrypt("x", context="mobile").startswith("v1.b.")


def test_blind_index_is_keyed_and_deterministic():
    a = FieldCipher(Sm4GcmProvider(), [("a", KEY_A)], b"h" * 32)
    b = FieldCipher(Sm4GcmProvider(), [("a", KEY_A)], b"k" * 32)
    assert a.blind_index("x", context="mobile") == a.blind_index("x", context="mobile")
    assert a.blind_index("x", context="mobile") != b.blind_index("x", context="mobile")
    assert a.blind_index("x", context="mobile") != a.blind_index("x", context="id_number")


def test_masks():
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_resident_id("") == ""


@pytest.mark.django_db
def test_database_column_never_contains_plaintext():
    worker = WorkerFactory(id_number="11010519491231002X", mobile="13812345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, id_number_hash FROM members_worker WHERE id = %s",
            [worker.pk],
        )
        raw_id, raw_mobile, raw_hash = cursor.fetchone()
    assert "11010519491231002X" not in raw_id and "13812345678" not in raw_mobile
    assert raw_id.startswith("v1.") and raw_mobile.startswith("v1.")
    assert raw_hash == blind_index("11010519491231002X", context="id_number")
    fresh = Worker.objects.get(pk=worker.pk)
    assert fresh.id_number == "11010519491231002X"
    assert fresh.masked_id_number == "110105********002X"
    assert get_cipher().decrypt(raw_mobile, context="mobile") == "13812345678"


@pytest.mark.django_db
def test_lookup_by_blind_index_and_uniqueness():
    from django.db import IntegrityError, transaction

    WorkerFactory(id_number="11010519491231002X")
    assert (
        Worker.objects.filter(
            id_number_hash=blind_index("11010519491231002X", context="id_number")
        ).count()
        == 1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkerFactory(id_number="11010519491231002X")
