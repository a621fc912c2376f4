"""Reminders (dunning) of overdue invoices: which are due, recording each once, and its letter.

The schedule is ``invoices.reminder_days``: days after the due date of the first, second, third …
reminder (``[7, 21, 45]``); its last level is the final reminder. Level ``n`` of an invoice is due
on a day (:func:`next_level`) when

* the invoice is overdue that day (:mod:`node.invoices.overdue`: issued, not a credit note, not
  cancelled, something still open) by at least ``schedule[n-1]`` days;
* level ``n-1`` was sent (levels go one by one: an invoice found 50 days overdue gets its first
  reminder, not three letters at once);
* and at least ``schedule[n-1] − schedule[n-2]`` days have passed since level ``n-1`` was sent,
  so the client always has the time the schedule gives between two letters.

:func:`send_reminders` records every due reminder in the caller's transaction. Running it again
the same day records nothing new: ``(invoice_id, level)`` is unique, each invoice is locked while
its next level is decided again (two runs at once queue on it), and the spacing above holds the
next level back. A paid, credited or cancelled invoice is not overdue, so it gets none.

The node has no mail sender yet: a reminder is recorded (channel ``recorded``) and its letter
(:func:`letter_of`: subject, plain text and HTML) is rendered for staff to send. Clients carry no
language, so letters are written in the node's language (``node.language``) and keep it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from node import audit
from node.db import locked
from node.errors import ValidationProblem
from node.i18n import N_, translate
from node.invoices import snapshot
from node.invoices.models import Invoice
from node.invoices.overdue import OverdueInvoice, overdue_invoices
from node.invoices.reminder_models import InvoiceReminder, ReminderChannel
from node.money import from_minor

NO_SUCH_INVOICE = "No such invoice."
FUTURE = N_("A reminder cannot be dated in the future.")

SUBJECT_FIRST = N_("Reminder: invoice {number}")
SUBJECT_NEXT = N_("Reminder {level}: invoice {number}")
SUBJECT_FINAL = N_("Final reminder: invoice {number}")
GREETING = N_("Dear Sir or Madam,")
NOT_PAID = N_(
    "According to our records, invoice {number} of {issue_date}, due on {due_date}, has not "
    "been paid in full. {amount} is still open."
)
PLEASE_PAY = N_(
    "Please pay this amount to the account {iban} with the structured reference {reference}, "
    "so that your payment is matched to the invoice."
)
FIRST_TIME = N_("This may simply have escaped your attention.")
AGAIN = N_("We have already reminded you of this invoice.")
LAST_TIME = N_(
    "This is our final reminder. Without payment, we will take further steps to collect the amount."
)
DISREGARD = N_("If you have paid in the meantime, please disregard this letter.")
CLOSING = N_("Kind regards,")
LABELS = (
    N_("Invoice"),
    N_("Issue date"),
    N_("Due date"),
    N_("Amount open"),
    N_("Structured reference"),
    N_("Account (IBAN)"),
)

templates = Environment(
    loader=PackageLoader("node.invoices", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


# -- the rule (pure) ---------------------------------------------------------------------------


def next_level(
    schedule: Sequence[int],
    days_overdue: int,
    last: tuple[int, date] | None,
    as_of: date,
) -> int | None:
    """The reminder level due on ``as_of`` for an invoice ``days_overdue`` days overdue whose
    last reminder was ``last`` (``(level, sent_on)``, None if none); None when none is due."""
    level = 1 if last is None else last[0] + 1
    if days_overdue <= 0 or level > len(schedule) or days_overdue < schedule[level - 1]:
        return None
    if last is not None:
        gap = schedule[level - 1] - schedule[level - 2]
        if (as_of - last[1]).days < gap:
            return None
    return level


# -- due and recorded reminders ----------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send: the overdue invoice and the level it is at."""

    invoice: OverdueInvoice
    level: int
    final: bool


def reminders_of(session: Session, invoice_id: int) -> list[InvoiceReminder]:
    return list(
        session.scalars(
            select(InvoiceReminder)
            .where(InvoiceReminder.invoice_id == invoice_id)
            .order_by(InvoiceReminder.level)
        )
    )


def last_reminders(session: Session, invoice_ids: Iterable[int]) -> dict[int, InvoiceReminder]:
    """The highest level sent for each of ``invoice_ids`` that has any."""
    ids = list(invoice_ids)
    found: dict[int, InvoiceReminder] = {}
    if not ids:
        return found
    rows = session.scalars(
        select(InvoiceReminder)
        .where(InvoiceReminder.invoice_id.in_(ids))
        .order_by(InvoiceReminder.invoice_id, InvoiceReminder.level)
    )
    for row in rows:
        found[row.invoice_id] = row  # ordered by level: the last one wins
    return found


def _due(
    item: OverdueInvoice, last: InvoiceReminder | None, schedule: Sequence[int], as_of: date
) -> DueReminder | None:
    previous = None if last is None else (last.level, last.sent_on)
    level = next_level(schedule, item.days_overdue, previous, as_of)
    if level is None:
        return None
    return DueReminder(item, level, final=level == len(schedule))


def due_reminders(session: Session, as_of: date, schedule: Sequence[int]) -> list[DueReminder]:
    """The reminders due on ``as_of``, longest overdue first (nothing is recorded)."""
    overdue = overdue_invoices(session, as_of)
    last = last_reminders(session, [item.invoice_id for item in overdue])
    due = (_due(item, last.get(item.invoice_id), schedule, as_of) for item in overdue)
    return [reminder for reminder in due if reminder is not None]


def send_reminders(
    session: Session,
    as_of: date,
    actor: str,
    *,
    schedule: Sequence[int],
    language: str,
    today: date | None = None,
    request_id: str | None = None,
) -> list[InvoiceReminder]:
    """Record every reminder due on ``as_of``, each once; returns those recorded now.

    422 for a date after ``today``. Each invoice is locked and its next level decided again under
    the lock, so a payment or another run that got there first is seen.
    """
    if as_of > (today or date.today()):
        raise ValidationProblem.single("as_of", FUTURE, "future")
    recorded: list[InvoiceReminder] = []
    for candidate in due_reminders(session, as_of, schedule):
        invoice_id = candidate.invoice.invoice_id
        locked(session, Invoice, invoice_id, NO_SUCH_INVOICE)
        current = overdue_invoices(session, as_of, invoice_ids=[invoice_id])
        if not current:
            continue  # paid or credited meanwhile
        due = _due(
            current[0], last_reminders(session, [invoice_id]).get(invoice_id), schedule, as_of
        )
        if due is None:
            continue  # another run recorded it meanwhile
        item = due.invoice
        reminder = InvoiceReminder(
            invoice_id=invoice_id,
            level=due.level,
            final=due.final,
            sent_on=as_of,
            channel=ReminderChannel.RECORDED.value,
            language=language,
            days_overdue=item.days_overdue,
            open_minor=item.open_minor,
            currency=item.currency,
            created_by=actor,
        )
        session.add(reminder)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="invoice.remind",
            entity="invoice",
            entity_id=invoice_id,
            changes=audit.diff(
                {},
                {
                    "reminder_level": due.level,
                    "sent_on": as_of.isoformat(),
                    "open_minor": item.open_minor,
                    "channel": reminder.channel,
                },
            ),
            request_id=request_id,
        )
        recorded.append(reminder)
    return recorded


# -- the letter --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """A reminder letter, in ``language``; :meth:`text` and :meth:`html` render it."""

    language: str
    sender: tuple[str, ...]  # name, then address lines
    recipient: tuple[str, ...]
    date: str
    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]  # (label, value)
    closing: str

    def text(self) -> str:
        width = max(len(label) for label, _ in self.facts)
        blocks = [
            "\n".join(self.sender),
            "\n".join(self.recipient),
            self.date,
            self.subject,
            self.greeting,
            *self.paragraphs,
            "\n".join(f"{label + ':':<{width + 1}} {value}" for label, value in self.facts),
            "\n".join([self.closing, self.sender[0]]),
        ]
        return "\n\n".join(blocks) + "\n"

    def html(self) -> str:
        return templates.get_template("reminder.html").render(letter=self)


def _money(minor: int, currency: str, language: str) -> str:
    return format_currency(from_minor(minor, currency), currency, locale=language)


def _date(day: date, language: str) -> str:
    return format_date(day, "long", locale=language)


def _address(party: Any) -> tuple[str, ...]:
    address = party.address
    lines = [party.name, address.street, address.additional_street]
    lines += [f"{address.postal_code} {address.city}".strip(), address.country]
    return tuple(line for line in lines if line)


def letter_of(reminder: InvoiceReminder, invoice: Invoice) -> Letter:
    """The letter of ``reminder``, from the invoice as issued and what the reminder recorded."""
    assert invoice.document is not None and invoice.id == reminder.invoice_id
    document = snapshot.from_json(invoice.document)
    language = reminder.language

    def t(message: str, **values: Any) -> str:
        return translate(message, language).format(**values)

    number = document.number
    due_date = document.due_date or document.issue_date
    amount = _money(reminder.open_minor, reminder.currency, language)
    if reminder.final:
        subject, tone = t(SUBJECT_FINAL, number=number), t(LAST_TIME)
    elif reminder.level == 1:
        subject, tone = t(SUBJECT_FIRST, number=number), t(FIRST_TIME)
    else:
        subject, tone = t(SUBJECT_NEXT, level=reminder.level, number=number), t(AGAIN)
    iban = document.seller.iban
    values = (
        number,
        _date(document.issue_date, language),
        _date(due_date, language),
        amount,
        document.payment_reference,
        iban,
    )
    return Letter(
        language=language,
        sender=_address(document.seller),
        recipient=_address(document.buyer),
        date=_date(reminder.sent_on, language),
        subject=subject,
        greeting=t(GREETING),
        paragraphs=(
            t(NOT_PAID, number=number, issue_date=values[1], due_date=values[2], amount=amount),
            *(() if reminder.final else (tone,)),
            t(PLEASE_PAY, iban=iban, reference=document.payment_reference),
            *((tone,) if reminder.final else ()),
            t(DISREGARD),
        ),
        facts=tuple((t(label), value) for label, value in zip(LABELS, values, strict=True)),
        closing=t(CLOSING),
    )


def present(reminder: InvoiceReminder, invoice: Invoice) -> dict[str, Any]:
    letter = letter_of(reminder, invoice)
    open_amount: Decimal = from_minor(reminder.open_minor, reminder.currency)
    return {
        "id": reminder.id,
        "invoice_id": reminder.invoice_id,
        "number": invoice.number,
        "level": reminder.level,
        "final": reminder.final,
        "sent_on": reminder.sent_on,
        "channel": reminder.channel,
        "days_overdue": reminder.days_overdue,
        "outstanding": open_amount,
        "currency": reminder.currency,
        "created_at": reminder.created_at,
        "created_by": reminder.created_by,
        "letter": {
            "language": letter.language,
            "subject": letter.subject,
            "text": letter.text(),
            "html": letter.html(),
        },
    }
