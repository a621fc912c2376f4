"""The audit trail: who changed what and when, recorded in the same transaction as the change.

Services call :func:`record` for every write. Values of sensitive fields (national ids, IBANs,
password hashes, secrets) must never reach the trail: :func:`diff` masks the fields it is told are
sensitive, so callers pass their sensitive field names once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from node.audit.models import AuditEntry

MASK = "***"


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], sensitive: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that changed; sensitive values shown as ``***``."""
    hidden = set(sensitive)
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in hidden:
            old = MASK if old is not None else None
            new = MASK if new is not None else None
        changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    changes: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """Add one audit entry to the current transaction (it commits or rolls back with the change)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=_jsonable(dict(changes or {})),
        request_id=request_id,
    )
    session.add(entry)
    return entry
