"""HTTP API of the ledger, for the co-op's staff and accountants.

Manual entries are how an accountant books what no business event does (opening balances,
corrections): they pass the same balance and idempotency rules as every automatic entry, and a
posted entry is only ever cancelled by a reversal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from node.errors import FieldError, NotFound, ValidationProblem
from node.ledger import national, reports, service
from node.ledger.chart import Chart
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import Account, JournalEntry
from node.money import MoneyError, from_minor, to_minor
from node.web.api import ADMIN, STAFF, Call, api_route
from node.web.validation import CURRENCY, DATE, DECIMAL, obj

TAG = "ledger"
KEY = {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]+$"}
POSTING = obj(
    {
        "account": {"type": "string", "minLength": 1, "maxLength": 120},
        "currency": CURRENCY,
        "debit": DECIMAL,
        "credit": DECIMAL,
    },
    required=("account", "currency"),
)
POSTING["oneOf"] = [{"required": ["debit"]}, {"required": ["credit"]}]
MANUAL_ENTRY = obj(
    {
        "occurred_on": DATE,
        "description": {"type": "string", "minLength": 1, "maxLength": 500},
        "idempotency_key": KEY,
        "postings": {"type": "array", "items": POSTING, "minItems": 2, "maxItems": 500},
    },
    required=("occurred_on", "description", "idempotency_key", "postings"),
)
REVERSAL = obj({"on": DATE, "idempotency_key": KEY}, required=("on", "idempotency_key"))
PERIOD = obj({"from": DATE, "to": DATE})
NATIONAL_PERIOD = obj({"start": DATE, "end": DATE}, required=("start", "end"))


def present_entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "sequence": entry.sequence,
        "kind": entry.kind,
        "occurred_on": entry.occurred_on,
        "recorded_at": entry.recorded_at,
        "description": entry.description,
        "idempotency_key": entry.idempotency_key,
        "reverses_entry_id": entry.reverses_entry_id,
        "actor": entry.actor,
        "hash": entry.hash,
        "postings": [
            {
                "account": p.account.key,
                "currency": p.currency,
                "amount": from_minor(p.amount_minor, p.currency),
            }
            for p in entry.postings
        ],
    }


def _posting_lines(postings: list[dict[str, str]]) -> tuple[PostingLine, ...]:
    lines, errors = [], []
    for index, posting in enumerate(postings):
        side = "debit" if "debit" in posting else "credit"
        try:
            minor = to_minor(Decimal(posting[side]), posting["currency"])
        except MoneyError as exc:
            errors.append(FieldError(f"postings.{index}.{side}", str(exc), "precision"))
            continue
        if minor <= 0:
            errors.append(FieldError(f"postings.{index}.{side}", "Must be positive.", "sign"))
            continue
        lines.append(
            PostingLine(
                posting["account"], posting["currency"], minor if side == "debit" else -minor
            )
        )
    if errors:
        raise ValidationProblem(errors)
    return tuple(lines)


@api_route(
    "POST",
    "/api/v1/ledger/entries",
    summary="Post a manual journal entry.",
    roles=STAFF,
    tag=TAG,
    body=MANUAL_ENTRY,
    status=201,
)
def post_manual_entry(call: Call) -> dict[str, Any]:
    draft = EntryDraft(
        kind="manual",
        occurred_on=date.fromisoformat(call.body["occurred_on"]),
        idempotency_key=call.body["idempotency_key"],
        description=call.body["description"],
        postings=_posting_lines(call.body["postings"]),
    )
    return present_entry(service.post(call.session, draft, actor=call.actor))


@api_route(
    "GET",
    "/api/v1/ledger/entries/{entry_id:int}",
    summary="One journal entry.",
    roles=STAFF,
    tag=TAG,
)
def get_entry(call: Call) -> dict[str, Any]:
    entry = call.session.get(JournalEntry, call.path["entry_id"])
    if entry is None:
        raise NotFound("No such journal entry.")
    return present_entry(entry)


@api_route(
    "POST",
    "/api/v1/ledger/entries/{entry_id:int}/reverse",
    summary="Cancel an entry by posting its exact opposite.",
    roles=STAFF,
    tag=TAG,
    body=REVERSAL,
    status=201,
)
def reverse_entry(call: Call) -> dict[str, Any]:
    entry = service.reverse(
        call.session,
        call.path["entry_id"],
        on=date.fromisoformat(call.body["on"]),
        idempotency_key=call.body["idempotency_key"],
        actor=call.actor,
    )
    return present_entry(entry)


ACCOUNT = obj(
    {
        "key": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "^[a-z0-9_.:-]+$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "type": {"type": "string", "enum": [t.value for t in AccountType]},
        "currency": CURRENCY,
        "chart_number": {"type": "string", "minLength": 1, "maxLength": 20},
    },
    required=("key", "name", "type", "currency"),
)


def present_account(session: Session, account: Account, chart: Chart) -> dict[str, Any]:
    return {
        "id": account.id,
        "key": account.key,
        "name": account.name,
        "type": account.type,
        "currency": account.currency,
        **chart.fields(account),
        "balance": from_minor(service.balance_minor(session, account), account.currency),
    }


def _chart(call: Call, on: date | None = None) -> Chart:
    """The node's chart of accounts (its own country's), for numbering the accounts shown."""
    return Chart(call.node.jurisdiction, on)


def _day(call: Call, name: str) -> date | None:
    return date.fromisoformat(call.query[name]) if name in call.query else None


@api_route(
    "POST",
    "/api/v1/ledger/accounts",
    summary="Open an account (idempotent by key and currency).",
    roles=STAFF,
    tag=TAG,
    body=ACCOUNT,
    status=201,
)
def open_account(call: Call) -> dict[str, Any]:
    body = call.body
    spec = service.AccountSpec(
        body["key"], body["name"], AccountType(body["type"]), body.get("chart_number")
    )
    account = service.ensure_account(call.session, spec, body["currency"])
    return present_account(call.session, account, _chart(call))


@api_route(
    "GET", "/api/v1/ledger/accounts", summary="Accounts with their balances.", roles=STAFF, tag=TAG
)
def list_accounts(call: Call) -> list[dict[str, Any]]:
    accounts = call.session.scalars(select(Account).order_by(Account.currency, Account.key))
    chart = _chart(call)
    return [present_account(call.session, a, chart) for a in accounts]


@api_route(
    "GET",
    "/api/v1/ledger/accounts/{account_id:int}/statement",
    summary="An account's postings with running balance.",
    roles=STAFF,
    tag=TAG,
    query=PERIOD,
)
def account_statement(call: Call) -> dict[str, Any]:
    account = call.session.get(Account, call.path["account_id"])
    if account is None:
        raise NotFound("No such account.")
    start, end = _day(call, "from"), _day(call, "to")
    chart = _chart(call, end)
    return reports.account_statement(call.session, account, start=start, end=end, chart=chart)


@api_route(
    "GET",
    "/api/v1/ledger/trial-balance",
    summary="Debits and credits per account.",
    roles=STAFF,
    tag=TAG,
    query=obj({"until": DATE}),
)
def trial_balance(call: Call) -> dict[str, Any]:
    until = _day(call, "until")
    return reports.trial_balance(call.session, until=until, chart=_chart(call, until))


@api_route(
    "GET",
    "/api/v1/ledger/journal.csv",
    summary="The journal as CSV, one row per posting.",
    roles=STAFF,
    tag=TAG,
    media_type="text/csv",
)
def journal_csv(call: Call) -> Response:
    return Response(
        reports.journal_csv(call.session, _chart(call)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal.csv"'},
    )


@api_route(
    "GET",
    "/api/v1/ledger/journal/national",
    summary="The journal of a period in the country's national format (France: FEC).",
    roles=STAFF,
    tag=TAG,
    query=NATIONAL_PERIOD,
    media_type="text/plain",
)
def journal_national(call: Call) -> Response:
    exported = national.national_export(
        call.session,
        call.node.jurisdiction,
        call.settings,
        start=date.fromisoformat(call.query["start"]),
        end=date.fromisoformat(call.query["end"]),
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@api_route(
    "GET",
    "/api/v1/ledger/verify",
    summary="Check the hash chain and every entry's balance.",
    roles=ADMIN,
    tag=TAG,
)
def verify(call: Call) -> dict[str, Any]:
    problems = service.verify_chain(call.session)
    return {"ok": not problems, "problems": [p.__dict__ for p in problems]}


ROUTES = [
    open_account,
    post_manual_entry,
    get_entry,
    reverse_entry,
    list_accounts,
    account_statement,
    trial_balance,
    journal_csv,
    journal_national,
    verify,
]
