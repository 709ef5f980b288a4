"""Roster validation in a second process (ADR 0011, 0052): the roster's implementation
of the import framework's batch interface (`core/imports/batches.py`).

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
import datetime as dt
import itertools
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings

from gigbranch.core.imports import batches
from gigbranch.core.imports.batches import Batch

from . import roster

_DONE = b"done"
_FAILED = b"fail"


def validated_batches(
    validator: roster.Validator, rows: Iterable[tuple[int, dict[str, Any]]]
) -> Iterator[Batch]:
    """Mapped rows (`roster.iter_mapped_rows`), `roster.CHUNK` at a time, through both
    validation stages: the framework's in-process batches."""
    return batches.validated_batches(validator.check_row, validator.settle, rows, roster.CHUNK)


def use_child_process(rows: int) -> bool:
    """Fork only from a process running a single thread (the task worker, a management
    command): a fork copies no other thread, so a lock another thread held at that moment
    (in OpenSSL, say) would stay held in the child. A threaded web worker (gunicorn
    gthread) validates a dry run in-process instead."""
    return bool(
        getattr(settings, "MEMBERS_IMPORT_PARALLEL", True)
        and rows > 2 * roster.CHUNK
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def validate(
    make_validator: Callable[[], roster.Validator],
    data: bytes,
    mapping: dict[str, str],
    *,
    rows: int,
    seal: bool = False,
) -> Iterator[Batch]:
    """Validated batches of the file (`rows` long). `seal` (an import, not a dry run) asks
    for the valid rows' stored values ahead of the write; rows not sealed here are sealed
    when they are written (roster.insert_new).

    For a large file, child processes do the work: one reads and validates, and when
    rows are to be sealed a second one seals the valid rows (ciphertexts and blind
    indexes, a third of the work) as they come, so each of the three processes has about
    as much to do. The reader is forked first and parses the sheet while this process
    loads the validator's state from the database (`make_validator`), then receives it."""
    if not use_child_process(rows):
        yield from validated_batches(make_validator(), roster.iter_mapped_rows(data, mapping))
        return
    ctx = multiprocessing.get_context("fork")
    state_r, state_w = ctx.Pipe(duplex=False)
    to_parent_r, to_parent_w = ctx.Pipe(duplex=False)
    if seal:
        to_sealer_r, to_sealer_w = ctx.Pipe(duplex=False)
        ends = [state_r, state_w, to_parent_r, to_parent_w, to_sealer_r, to_sealer_w]
        reader_out, sealer = to_sealer_w, (to_sealer_r, to_parent_w)
    else:
        ends = [state_r, state_w, to_parent_r, to_parent_w]
        reader_out, sealer = to_parent_w, None
    processes = [
        ctx.Process(
            target=_validate_child,
            args=(
                state_r,
                reader_out,
                data,
                mapping,
                [e for e in ends if e not in (state_r, reader_out)],
            ),
            name="roster-validate",
            daemon=True,
        )
    ]
    if sealer is not None:
        processes.append(
            ctx.Process(
                target=_seal_child,
                args=(*sealer, [e for e in ends if e not in sealer]),
                name="roster-seal",
                daemon=True,
            )
        )
    for process in processes:
        process.start()
    for end in ends:
        if end is not to_parent_r and end is not state_w:
            end.close()  # only the children hold these now: a child's exit is seen as EOF
    finished = False
    stop = threading.Event()
    received: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=PREFETCH)
    receiver = threading.Thread(
        target=_receive, args=(to_parent_r, received, stop), name="roster-receive", daemon=True
    )
    try:
        validator = make_validator()
        with contextlib.suppress(BrokenPipeError):  # the reader failed: its message follows
            state_w.send_bytes(pickle.dumps(validator, protocol=pickle.HIGHEST_PROTOCOL))
        state_w.close()
        receiver.start()
        while True:
            item = received.get()
            if item is None:
                finished = True
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        state_w.close()
        for process in processes:
            if not finished:
                process.terminate()
            process.join()
        if receiver.is_alive():
            receiver.join()
        to_parent_r.close()


PREFETCH = 8  # batches received ahead of the writer (about 1 MB each)


def _receive(pipe: Any, received: queue.Queue[Any], stop: threading.Event) -> None:
    """A thread of the importing process: takes batches off the pipe as soon as they are
    ready, so the validating processes never wait while the importer waits for the
    database (a commit, a lookup); unpickling also happens during those waits, when the
    importer holds no lock the thread needs."""

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                received.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    while not stop.is_set():
        try:
            message = pipe.recv_bytes()
        except (EOFError, OSError):
            put(roster.RosterFileError("校验进程意外退出，请重新导入。"))
            return
        if message == _DONE:
            put(None)
            return
        try:
            # The pipe comes only from this process's own forks, never from a peer, so
            # unpickling is safe here.
            if message.startswith(_FAILED):
                put(pickle.loads(message[len(_FAILED) :]))  # noqa: S301
                return
            item = unpack(pickle.loads(message))  # noqa: S301
        except Exception as exc:  # the importer must hear of it, not wait forever
            put(exc)
            return
        if not put(item):
            return


def _validate_child(
    state: Any, sending: Any, data: bytes, mapping: dict[str, str], unused: list[Any]
) -> None:
    """Runs in a forked process. It must not use the parent's database connection:
    nothing here queries, and the process leaves through os._exit (multiprocessing), so
    no connection is closed on the way out."""
    for end in unused:
        end.close()

    def messages() -> Iterator[bytes]:
        rows = roster.iter_mapped_rows(data, mapping)
        first = next(rows, None)  # parses the sheet while the parent loads the validator
        try:
            validator = pickle.loads(state.recv_bytes())  # noqa: S301  (our parent's pipe)
        except EOFError:
            raise BrokenPipeError from None  # the parent stopped before sending it
        state.close()
        stream = rows if first is None else itertools.chain([first], rows)
        for batch in validated_batches(validator, stream):
            yield pickle.dumps(pack(batch), protocol=pickle.HIGHEST_PROTOCOL)

    _relay(sending, messages())


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
            size, valid, same, errors = pickle.loads(message)  # noqa: S301  (our fork's pipe)
            # Sealed in their packed form: no objects built and taken apart again.
            valid = [
                (*t[:_SEALED], roster.sealed_values(t[_ID_NUMBER], t[_MOBILE]), *t[_SEALED + 1 :])
                for t in valid
            ]
            yield pickle.dumps((size, valid, same, errors), protocol=pickle.HIGHEST_PROTOCOL)

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
_ID_NUMBER = _CLEAN_FIELDS.index("id_number")
_MOBILE = _CLEAN_FIELDS.index("mobile")
_SEALED = _CLEAN_FIELDS.index("sealed")


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
