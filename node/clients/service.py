"""Clients: create, change, archive, list, with their identifiers checked for their country.

VAT number rules (invoices to businesses need one: reverse charge and legal mentions depend on it):

* a company established in a country this node has a jurisdiction plugin for must give its VAT
  number, checked by that jurisdiction;
* anyone else may give one: it is checked by the country's jurisdiction if there is one, else by
  python-stdnum's EU VAT module for another EU member state (the prefix must be that state's);
  outside the EU without a plugin it cannot be checked and is refused;
* a VAT number already used by another client that is not archived is a duplicate (409).

The company registration number is optional and checked by the country's jurisdiction (refused
when no plugin can check it). Every write is audited; ``coop_on_client_created`` is announced to
plugins once the creating transaction commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from node import audit
from node.clients.models import Client, ClientKind
from node.db import after_commit
from node.db.types import utcnow
from node.errors import Conflict, FieldError, ValidationProblem
from node.events import ClientCreated
from node.members.identifiers import Jurisdictions

MAX_ID = 2_147_483_647
ADDRESS_FIELDS = ("street", "postcode", "city", "country")


def get_client(session: Session, client_id: int) -> Client | None:
    if not 1 <= client_id <= MAX_ID:
        return None
    return session.get(Client, client_id)


def snapshot(client: Client) -> dict[str, Any]:
    return {
        "kind": client.kind,
        "name": client.name,
        "country": client.country,
        "vat_number": client.vat_number,
        "company_id": client.company_id,
        "email": client.email,
        "billing_address": {f: getattr(client, f"billing_{f}") for f in ADDRESS_FIELDS},
        "archived": client.archived_at is not None,
        "guarantee": client.guarantee,
    }


def present(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        **snapshot(client),
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "archived_at": client.archived_at,
    }


def _vat_prefix(country: str) -> str:
    return "EL" if country == "GR" else country


def _check_vat(jurisdictions: Jurisdictions, country: str, value: str) -> str:
    from plugins.jurisdiction import InvalidIdentifier

    jurisdiction = jurisdictions.get(country)
    try:
        if jurisdiction is not None:
            return jurisdiction.validate_vat_number(value)
        if country.lower() in eu_vat.MEMBER_STATES:
            number = str(eu_vat.validate(value))
            if not number.startswith(_vat_prefix(country)):
                raise ValueError(f"Not a VAT number of {country}.")
            return number
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from None
    except StdnumError as exc:
        raise ValueError(f"Not a valid VAT number: {exc}") from None
    raise ValueError(f"VAT numbers of {country} cannot be checked (no plugin); leave it empty.")


def _check_company_id(jurisdictions: Jurisdictions, country: str, value: str) -> str:
    from plugins.jurisdiction import InvalidIdentifier

    jurisdiction = jurisdictions.get(country)
    if jurisdiction is None:
        raise ValueError(f"Company ids of {country} cannot be checked (no plugin); leave it empty.")
    try:
        return jurisdiction.validate_company_id(value)
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from None


def _apply(
    session: Session, jurisdictions: Jurisdictions, client: Client, fields: Mapping[str, Any]
) -> None:
    """Set ``fields`` on ``client`` and check the resulting record as a whole (422 / 409)."""
    for name in ("kind", "name", "country", "email", "vat_number", "company_id", "guarantee"):
        if name in fields:
            value = fields[name]
            setattr(client, name, value.strip() if isinstance(value, str) else value)
    if "billing_address" in fields:
        address = fields["billing_address"]
        for name in ADDRESS_FIELDS:
            default = client.country if name == "country" else None
            setattr(client, f"billing_{name}", str(address.get(name) or default or "").strip())
    errors: list[FieldError] = []
    needs_vat = client.kind == ClientKind.COMPANY and client.country in jurisdictions
    if client.vat_number is None and needs_vat:
        errors.append(
            FieldError(
                "vat_number", f"A company in {client.country} must give its VAT number.", "required"
            )
        )
    checks = (("vat_number", _check_vat), ("company_id", _check_company_id))
    for name, check in checks:
        value = getattr(client, name)
        if value is not None:
            try:
                setattr(client, name, check(jurisdictions, client.country, value))
            except ValueError as exc:
                errors.append(FieldError(name, str(exc), "invalid"))
    if errors:
        raise ValidationProblem(errors)
    if client.vat_number is not None and client.archived_at is None:
        clash = select(Client.id).where(
            Client.vat_number == client.vat_number, Client.archived_at.is_(None)
        )
        if client.id is not None:
            clash = clash.where(Client.id != client.id)
        existing = session.scalar(clash.limit(1))
        if existing is not None:
            raise Conflict(
                "Another client has this VAT number.", field="vat_number", client_id=existing
            )


def create_client(
    session: Session,
    jurisdictions: Jurisdictions,
    *,
    actor: str,
    request_id: str | None = None,
    hook: Any = None,
    **fields: Any,
) -> Client:
    """Add a client (fields as in the API's schema); ``hook`` announces it after commit."""
    client = Client()
    with session.no_autoflush:
        _apply(session, jurisdictions, client, fields)
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="client.create",
        entity="client",
        entity_id=client.id,
        changes=audit.diff({}, snapshot(client)),
        request_id=request_id,
    )
    if hook is not None:
        event = ClientCreated(
            client.id,
            client.kind,
            client.name,
            client.country,
            client.vat_number,
            client.created_at,
        )
        after_commit(session, lambda: hook.coop_on_client_created(event=event))
    return client


def update_client(
    session: Session,
    jurisdictions: Jurisdictions,
    client: Client,
    changes: Mapping[str, Any],
    *,
    actor: str,
    request_id: str | None = None,
) -> Client:
    before = snapshot(client)
    with session.no_autoflush:
        _apply(session, jurisdictions, client, changes)
    after = snapshot(client)
    if after != before:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="client.update",
            entity="client",
            entity_id=client.id,
            changes=audit.diff(before, after),
            request_id=request_id,
        )
    return client


def set_archived(
    session: Session,
    jurisdictions: Jurisdictions,
    client: Client,
    archived: bool,
    *,
    actor: str,
    request_id: str | None = None,
) -> Client:
    """Archive (hide from new work) or restore a client; restoring re-checks VAT duplicates."""
    if (client.archived_at is not None) == archived:
        return client
    before = snapshot(client)
    client.archived_at = utcnow() if archived else None
    if not archived:
        with session.no_autoflush:
            _apply(session, jurisdictions, client, {})
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="client.archive" if archived else "client.restore",
        entity="client",
        entity_id=client.id,
        changes=audit.diff(before, snapshot(client)),
        request_id=request_id,
    )
    return client


def list_clients(
    session: Session,
    *,
    archived: bool | None = False,
    country: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Client], int]:
    query = select(Client)
    if archived is not None:
        query = query.where(
            Client.archived_at.is_not(None) if archived else Client.archived_at.is_(None)
        )
    if country is not None:
        query = query.where(Client.country == country)
    if search:
        pattern = (
            "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                func.lower(Client.name).like(pattern, escape="\\"),
                func.lower(Client.vat_number).like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Client.id).limit(limit).offset(offset)).all()
    return list(page), total
