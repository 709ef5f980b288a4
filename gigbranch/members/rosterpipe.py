"""Roster validation in a second process (ADR 0011).

A roster import spends most of its time on work that needs no database: reading the
sheet, parsing and checking values, duplicate checks within the file, blind indexes and
SM4-GCM ciphertexts. On a large file that work runs in a forked child process while the
importing process writes the batches already validated, so validation, the writes and
the database server use the machine's cores at the same time.

The child gets everything it needs through the fork (the file's bytes and the validator,
with the state loaded from the database at the start) and never touches the database. It
sends back one pickled batch at a time (valid rows, pks of unchanged rows, errors) as
plain tuples. A pipe holds little, so the child stays at most about one batch ahead.

Small files, single-core machines and MEMBERS_IMPORT_PARALLEL=False validate in-process
through the same generator; the results are identical either way (tested).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from . import roster

_DONE = b"done"
_FAILED = b"fail"


@dataclass
class Batch:
    """One batch of the file, validated: how many rows it had, the valid rows to write,
    the pks of workers whose row is unchanged, and the errors."""

    size: int
    valid: list[roster.CleanRow] = field(default_factory=list)
    same: list[int] = field(default_factory=list)
    errors: list[roster.RowError] = field(default_factory=list)


def validated_batches(
    validator: roster.Validator, data: bytes, mapping: dict[str, str]
) -> Iterator[Batch]:
    """The file, `roster.CHUNK` rows at a time, through both validation stages."""
    check_row, settle = validator.check_row, validator.settle
    for rows in roster.batched(roster.iter_mapped_rows(data, mapping), roster.CHUNK):
        batch = Batch(len(rows))
        for rownum, raw in rows:
            pk, row, errors = settle(check_row(rownum, raw))
            if pk is not None:
                batch.same.append(pk)
            elif row is not None:
                batch.valid.append(row)
            if errors:
                batch.errors.extend(errors)
        yield batch


def use_child_process(rows: int) -> bool:
    return bool(
        getattr(settings, "MEMBERS_IMPORT_PARALLEL", True)
        and rows > 2 * roster.CHUNK
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def validate(
    validator: roster.Validator, data: bytes, mapping: dict[str, str], *, rows: int
) -> Iterator[Batch]:
    """Validated batches, from child processes when the file (`rows` long) is large:
    one reads and validates; when the rows are to be sealed (`validator.seal`, an
    import), a second one seals the valid rows (ciphertexts and blind indexes, a third
    of the work) as they come, so each of the three processes has about as much to do."""
    if not use_child_process(rows):
        yield from validated_batches(validator, data, mapping)
        return
    ctx = multiprocessing.get_context("fork")
    processes = []
    to_parent_r, to_parent_w = ctx.Pipe(duplex=False)
    if validator.seal:
        to_sealer_r, to_sealer_w = ctx.Pipe(duplex=False)
        reader = dataclasses.replace(validator, seal=False)
        processes.append(
            ctx.Process(
                target=_validate_child,
                args=(to_sealer_w, reader, data, mapping, [to_sealer_r, to_parent_r, to_parent_w]),
                name="roster-validate",
                daemon=True,
            )
        )
        processes.append(
            ctx.Process(
                target=_seal_child,
                args=(to_sealer_r, to_parent_w, [to_sealer_w, to_parent_r]),
                name="roster-seal",
                daemon=True,
            )
        )
        own_copies = [to_sealer_r, to_sealer_w, to_parent_w]
    else:
        processes.append(
            ctx.Process(
                target=_validate_child,
                args=(to_parent_w, validator, data, mapping, [to_parent_r]),
                name="roster-validate",
                daemon=True,
            )
        )
        own_copies = [to_parent_w]
    for process in processes:
        process.start()
    for end in own_copies:
        end.close()  # only the children hold these now, so a child's exit is seen as EOF
    finished = False
    try:
        while True:
            try:
                message = to_parent_r.recv_bytes()
            except EOFError:
                raise roster.RosterFileError("校验进程意外退出，请重新导入。") from None
            if message == _DONE:
                finished = True
                return
            # The pipe comes only from this process's own forks, never from a peer, so
            # unpickling is safe here.
            if message.startswith(_FAILED):
                raise pickle.loads(message[len(_FAILED) :])  # noqa: S301
            yield unpack(pickle.loads(message))  # noqa: S301
    finally:
        to_parent_r.close()
        for process in processes:
            if not finished:
                process.terminate()
            process.join()


def _validate_child(
    sending: Any,
    validator: roster.Validator,
    data: bytes,
    mapping: dict[str, str],
    unused: list[Any],
) -> None:
    """Runs in a forked process. It must not use the parent's database connection:
    nothing here queries, and the process leaves through os._exit (multiprocessing), so
    no connection is closed on the way out."""
    for end in unused:
        end.close()
    _relay(
        sending,
        (
            pickle.dumps(pack(batch), protocol=pickle.HIGHEST_PROTOCOL)
            for batch in validated_batches(validator, data, mapping)
        ),
    )


def _seal_child(receiving: Any, sending: Any, unused: list[Any]) -> None:
    """Runs in a forked process: seals the valid rows of each batch it receives."""
    for end in unused:
        end.close()

    def sealed() -> Iterator[bytes]:
        while True:
            try:
                message = receiving.recv_bytes()
            except EOFError:
                raise BrokenPipeError from None  # upstream died: the parent sees EOF too
            if message == _DONE:
                return
            if message.startswith(_FAILED):
                raise _Forward(message)
            batch = unpack(pickle.loads(message))  # noqa: S301  (our own fork's pipe)
            for row in batch.valid:
                roster.seal(row)
            yield pickle.dumps(pack(batch), protocol=pickle.HIGHEST_PROTOCOL)

    _relay(sending, sealed())


class _Forward(Exception):
    """A failure message from the process upstream, passed on as it is."""

    def __init__(self, message: bytes) -> None:
        self.message = message


def _relay(sending: Any, messages: Iterator[bytes]) -> None:
    """Send each message, then DONE; a failure is sent as FAILED + the pickled exception."""
    try:
        for message in messages:
            sending.send_bytes(message)
        sending.send_bytes(_DONE)
    except BrokenPipeError:
        pass  # a neighbour stopped (the importer failed or was cancelled, or upstream died)
    except _Forward as forward:
        with contextlib.suppress(BrokenPipeError):
            sending.send_bytes(forward.message)
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            payload = pickle.dumps(exc)
        except Exception:
            payload = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        with contextlib.suppress(BrokenPipeError):
            sending.send_bytes(_FAILED + payload)
    finally:
        sending.close()


# Rows cross the pipe as plain tuples, dates as ordinals: pickling dataclass instances
# costs about 45 µs a row both ways, plain tuples under a fifth of that.

_CLEAN_FIELDS = roster.CleanRow.__slots__
_BIRTH = _CLEAN_FIELDS.index("birth_date")
_STARTED = _CLEAN_FIELDS.index("started_on")


def pack(batch: Batch) -> tuple[Any, ...]:
    valid = []
    for r in batch.valid:
        values = [getattr(r, f) for f in _CLEAN_FIELDS]
        values[_BIRTH] = values[_BIRTH].toordinal()
        if values[_STARTED] is not None:
            values[_STARTED] = values[_STARTED].toordinal()
        valid.append(tuple(values))
    errors = [(e.row, e.column, e.reason, e.value) for e in batch.errors]
    return batch.size, valid, batch.same, errors


def unpack(packed: tuple[Any, ...]) -> Batch:
    size, valid, same, errors = packed
    rows = []
    for t in valid:
        values = list(t)
        values[_BIRTH] = _date(values[_BIRTH])
        if values[_STARTED] is not None:
            values[_STARTED] = _date(values[_STARTED])
        rows.append(roster.CleanRow(*values))
    return Batch(size, rows, same, [roster.RowError(*e) for e in errors])


_date = dt.date.fromordinal
