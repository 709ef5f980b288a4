"""New rows of several tables in one statement: the write path of a submission (APL-5).

`insert(rows)` writes model instances that are not saved yet, in order, with the values
`obj.save(force_insert=True)` would write (the fields' `pre_save` and `get_db_prep_save`,
so encrypted fields, blind indexes and auto_now(_add) behave as in `save()`; pre_save and
post_save signals are sent), and sets their primary keys. A row may refer to the primary
key of an earlier row (`Ref`): as a column value (a foreign key, an audit event's object
id) or inside a JSON value (a task's args).

On PostgreSQL all rows go in one INSERT statement (data-modifying WITH clauses). One
statement is atomic by itself: outside a transaction it needs no BEGIN/COMMIT and no round
trip per row; inside one it runs in a savepoint, so a failed insert (a unique violation)
leaves the caller's transaction usable, as `transaction.atomic()` around `save()` calls did.
The pre_save signals of all rows are sent before the statement, the post_save signals after.

Every other case saves the rows one by one with the ORM, in one transaction, with the same
values: other databases (SQLite), multi-table or proxy models, and overridden `save()`
methods (except the append-only guards listed in `INSERT_ONLY_SAVE`). Values the database
computes (expressions, db defaults) are refused: use `save()` for those.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models.signals import post_save, pre_save

# Models whose save() override only refuses to update an existing row (append-only logs):
# an insert of a new row does exactly what Model.save() does. (Not core.auditevent: its
# save() takes the row's place in the audit hash chain, ADR 0046.)
INSERT_ONLY_SAVE = frozenset({"appeals.appealevent"})

_JSON_KEY = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Ref:
    """The primary key of the row at index `row` of the same `insert()` call.

    With `path`, the field holds a JSON value and the key goes to that place in it (the
    value there is a placeholder, replaced)."""

    row: int
    path: tuple[str | int, ...] = ()


@dataclass
class Row:
    obj: models.Model
    refs: dict[str, Ref] = field(default_factory=dict)  # attname → Ref


def insert(rows: Sequence[Row], *, using: str | None = None) -> None:
    """Insert `rows` (unsaved instances) in order; see the module docstring."""
    if not rows:
        return
    alias = using or router.db_for_write(type(rows[0].obj))
    connection = connections[alias]
    for i, row in enumerate(rows):
        if not row.obj._state.adding:
            raise ValueError("rows.insert() writes new rows only")
        for ref in row.refs.values():
            if not 0 <= ref.row < i:
                raise ValueError("a Ref must point to an earlier row")
    if connection.vendor == "postgresql" and all(_insertable(type(r.obj)) for r in rows):
        for row in rows:
            pre_save.send(
                sender=type(row.obj), instance=row.obj, raw=False, using=alias, update_fields=None
            )
        for row in rows:  # as save(): a primary key with a default gets it now
            obj = row.obj
            if obj.pk is None:
                pk: Any = obj._meta.pk
                setattr(obj, pk.attname, pk.get_pk_value_on_save(obj))
        plan = _plan(rows, connection)
        _execute(rows, plan, _params(rows, plan, connection), connection, alias)
        for row in rows:
            post_save.send(
                sender=type(row.obj),
                instance=row.obj,
                created=True,
                update_fields=None,
                raw=False,
                using=alias,
            )
        return
    with transaction.atomic(using=alias):
        for row in rows:
            for attname, ref in row.refs.items():
                _set_ref(row.obj, attname, ref, rows[ref.row].obj.pk)
            row.obj.save(force_insert=True, using=alias)


def _set_ref(obj: models.Model, attname: str, ref: Ref, pk: Any) -> None:
    if ref.path:
        value = copy.deepcopy(getattr(obj, attname))
        _put(value, ref.path, pk)
        setattr(obj, attname, value)
    else:  # get_field() knows attnames too; a foreign key converts as its target
        setattr(obj, attname, obj._meta.get_field(attname).to_python(pk))


def _put(value: Any, path: tuple[str | int, ...], item: Any) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = item


@dataclass(frozen=True)
class _RowPlan:
    fields: list[Any]  # the columns save() would insert, in order
    refs: list[Ref | None]  # per field
    checked: frozenset[Any]  # the fields whose related objects save() checks
    returning: list[Any]  # what save() reads back (db_returning_fields)


@dataclass(frozen=True)
class _Plan:
    sql: str
    rows: list[_RowPlan]


# One statement per shape of rows (models, which primary keys are set, refs); a process
# sees a handful of shapes.
_plans: dict[tuple[Any, ...], _Plan] = {}


@functools.cache
def _insertable(model: type[models.Model]) -> bool:
    meta = model._meta
    overridden = model.save is not models.Model.save
    return not (
        meta.proxy
        or meta.parents
        or meta.order_with_respect_to
        or len(meta.pk_fields) != 1
        or (overridden and meta.label_lower not in INSERT_ONLY_SAVE)
        or any(hasattr(f, "get_placeholder") for f in meta.local_concrete_fields)
    )


def _plan(rows: Sequence[Row], connection: Any) -> _Plan:
    shape = (
        connection.alias,
        *(
            (type(r.obj), r.obj.pk is not None, tuple(sorted(r.refs.items(), key=str)))
            for r in rows
        ),
    )
    plan = _plans.get(shape)
    if plan is not None:
        return plan
    q = connection.ops.quote_name
    parts: list[str] = []
    row_plans: list[_RowPlan] = []
    for i, row in enumerate(rows):
        meta = row.obj._meta
        pk_set = row.obj.pk is not None
        fields = [
            f
            for f in meta.local_concrete_fields
            if not f.generated and (pk_set or f is not meta.auto_field)
        ]
        refs = [row.refs.get(f.attname) for f in fields]
        values: list[str] = []
        for ref in refs:
            if ref is None:
                values.append("%s")
                continue
            # Identifiers come from model metadata (quoted); every value is a parameter.
            key = f"(SELECT {q(rows[ref.row].obj._meta.pk.column)} FROM r{ref.row})"  # noqa: S608
            if not ref.path:
                values.append(key)
                continue
            if not all(_JSON_KEY.match(str(k)) for k in ref.path):
                raise ValueError(f"unsupported JSON path {ref.path!r}")
            path = "{" + ",".join(str(k) for k in ref.path) + "}"
            values.append(f"jsonb_set(%s, '{path}', to_jsonb({key}))")
        back = list(meta.db_returning_fields)  # as save(): e.g. an auto id, not a UUID key
        columns = ", ".join(q(f.column) for f in (back or [meta.pk]))
        names = ", ".join(q(f.column) for f in fields)
        parts.append(
            f"r{i} AS (INSERT INTO {q(meta.db_table)} ({names}) "  # noqa: S608
            f"VALUES ({', '.join(values)}) RETURNING {columns})"
        )
        checked = frozenset(f for f, ref in zip(fields, refs, strict=True) if ref is None)
        row_plans.append(_RowPlan(fields, refs, checked, back))
    select = (
        ", ".join(f"r{i}.{q(f.column)}" for i, rp in enumerate(row_plans) for f in rp.returning)
        or "1"
    )
    sources = ", ".join(f"r{i}" for i in range(len(rows)))
    sql = f"WITH {', '.join(parts)} SELECT {select} FROM {sources}"  # noqa: S608
    plan = _Plan(sql, row_plans)
    if len(_plans) < 100:
        _plans[shape] = plan
    return plan


def _params(rows: Sequence[Row], plan: _Plan, connection: Any) -> list[Any]:
    """The values save() would send: each field's pre_save() and get_db_prep_save()."""
    params: list[Any] = []
    for row, rp in zip(rows, plan.rows, strict=True):
        obj: Any = row.obj
        # save()'s check of assigned related objects (unsaved ones are refused)
        obj._prepare_related_fields_for_save(operation_name="save", fields=rp.checked)
        for f, ref in zip(rp.fields, rp.refs, strict=True):
            if ref is not None and not ref.path:
                continue
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{obj._meta.label}.{f.name}: a database expression; use save()")
            if ref is not None:
                value = copy.deepcopy(value)
                _put(value, ref.path, 0)
            params.append(f.get_db_prep_save(value, connection))
    return params


def _execute(
    rows: Sequence[Row], plan: _Plan, params: list[Any], connection: Any, alias: str
) -> None:
    def run() -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return tuple(cursor.fetchone())

    if connection.in_atomic_block:
        with transaction.atomic(using=alias):  # a savepoint, as atomic() around save()
            values = run()
    else:
        values = run()  # autocommit: the statement is its own transaction
    it = iter(values)
    for row, rp in zip(rows, plan.rows, strict=True):
        for f in rp.returning:
            setattr(row.obj, f.attname, f.to_python(next(it)))
    for row in rows:
        for attname, ref in row.refs.items():
            _set_ref(row.obj, attname, ref, rows[ref.row].obj.pk)
        row.obj._state.adding = False
        row.obj._state.db = alias
