"""Self-billed invoices: the B2B service a contributor's co-op supplies to a chain's lead co-op.

When the lead node allocates a share to another node (:mod:`node.chains.allocation`), the amount
it owes that node is documented by an invoice the lead co-op (the customer) issues on behalf of
the contributor's co-op (the supplier): a *self-billed* invoice (VAT Directive 2006/112/EC
art. 224; the two co-ops agree to it when they peer and take part in chains).

* **Number.** :func:`next_number` takes the next number of a gapless series per node and year
  (``SB-2026-000001``), apart from the client invoices' series, in the allocation's own
  transaction: a failed allocation gives its number back.
* **Parties.** The supplier is the peer co-op as recorded in :class:`SelfBillingSupplier` (name,
  address, VAT number, company id; the peer's country), the customer is this node as it named
  itself on the chain's client invoice.
* **VAT** (:func:`vat_treatment`). Between co-ops of two member states the service is taxed
  where the customer is (art. 44) and the customer accounts for the VAT (art. 196): category
  ``AE`` at 0 %, ``VATEX-EU-AE`` and the supplier country's reverse-charge mention, as on client
  invoices. When either co-op is outside the EU, the supply is outside the scope of the
  supplier's EU VAT: category ``O``, ``VATEX-EU-O``, no VAT numbers (BR-O-02). Two co-ops of
  one country would need domestic VAT on top of the clearing amount, which settlement does not
  carry: refused.
* **Document.** One line "Services in value chain …" for the allocation's amount (what the lead
  owes the contributor's node, the clearing item), so the invoice total equals the allocation
  to the cent; the buyer reference is the allocation id both nodes settle. Payment terms point
  at the clearing account instead of a bank account.
* **UBL** (:func:`to_xml`). The writer of client invoices (:func:`node.invoicing.ubl.to_ubl`)
  with the identifiers of Peppol BIS Self-Billing 3.0: Peppol BIS Billing 3.0 allows only
  commercial type codes under its profile (PEPPOL-EN16931-P0100 has no 389), so a self-billed
  invoice (UNTDID 1001 code 389) travels under the self-billing customization and profile, and
  every other BIS Billing rule applies as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from node import audit
from node.chains.models import Chain, ChainAllocation, ChainRole, Direction
from node.chains.self_billing_models import SelfBillingCounter, SelfBillingSupplier
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation.models import Peer
from node.invoices import numbering
from node.invoices.models import Invoice
from node.invoices.service import issued_document
from node.invoicing import ubl
from node.invoicing.document import (
    Address,
    Document,
    DocumentKind,
    ElectronicAddress,
    InvoiceError,
    Line,
    Party,
    Rounding,
    TaxCategory,
    VatCode,
)
from node.invoicing.vat import EU_MEMBER_STATES, REVERSE_CHARGE_REASON_CODE
from node.money import from_minor, minor_exponent
from plugins.jurisdiction import InvalidIdentifier, Jurisdiction, Situation

SERIES = "SB"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0"
SELF_BILLED_INVOICE = "389"  # UNTDID 1001: self-billed invoice
SELF_BILLING = ubl.Specification(CUSTOMIZATION_ID, PROFILE_ID, SELF_BILLED_INVOICE)
OUT_OF_SCOPE_REASON_CODE = "VATEX-EU-O"
OUT_OF_SCOPE_REASON = "Not subject to VAT"
REVERSE_CHARGE_REASON = "Reverse charge"
UNIT = "C62"  # UN/ECE rec. 20: one (the service as a whole)
PAYMENT_TERMS = (
    "Settled through the clearing account between the two co-ops (settlement statement)."
)
MISSING = "No such allocation in this chain."

# The mention a self-billed invoice must carry, in the language versions of VAT Directive
# 2006/112/EC art. 226(10a) (inserted by Directive 2010/45/EU art. 1(22), applicable since
# 2013-01-01: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32010L0045).
SELF_BILLING_MENTION = {
    "en": "Self-billing",
    "fr": "Autofacturation",
    "de": "Gutschrift",
    "nl": "Factuur uitgereikt door afnemer",
    "it": "Autofatturazione",
    "es": "Facturación por el destinatario",
    "sv": "Självfakturering",
    "hu": "Önszámlázás",
}


# -- numbering -------------------------------------------------------------------------------


def next_number(session: Session, on: date) -> str:
    """The next self-billed invoice number of ``on``'s year, gapless within the caller's
    transaction: the counter row is created if missing (``ON CONFLICT DO NOTHING``, so two
    first issuers do not collide), then incremented by one ``UPDATE … RETURNING``, which holds
    the row's lock until the transaction ends (PostgreSQL; SQLite writers are serial)."""
    year = on.year
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SelfBillingCounter)
        .values(fiscal_year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["fiscal_year"])
    )
    sequence = session.execute(
        update(SelfBillingCounter)
        .where(SelfBillingCounter.fiscal_year == year)
        .values(last_number=SelfBillingCounter.last_number + 1)
        .returning(SelfBillingCounter.last_number)
    ).scalar_one()
    if sequence >= 10**numbering.SEQUENCE_DIGITS:
        raise Conflict(f"The self-billed invoice numbering of {year} is exhausted.")
    return f"{SERIES}-{numbering.format_number(year, sequence)}"


# -- the supplier's details ------------------------------------------------------------------


def _peer(session: Session, peer_id: int) -> Peer:
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise NotFound("No such peer.")
    return peer


def _checked_vat_number(jurisdiction: Jurisdiction | None, country: str, value: str) -> str:
    """The VAT number in its normal form: checked by the country's jurisdiction when this node
    has it, by python-stdnum for another member state, kept as given outside the EU."""
    value = value.strip()
    if not value:
        return ""
    try:
        if jurisdiction is not None:
            return jurisdiction.validate_vat_number(value)
        if country in EU_MEMBER_STATES:
            return str(eu_vat.validate(value))
    except InvalidIdentifier as error:
        raise ValidationProblem.single("vat_number", error.reason) from None
    except ValidationError as error:
        raise ValidationProblem.single("vat_number", f"{value}: {error}") from None
    return value


def record_supplier(
    session: Session,
    jurisdictions: Mapping[str, Jurisdiction],
    peer_id: int,
    body: Mapping[str, Any],
    *,
    actor: str,
    request_id: str | None = None,
) -> tuple[Peer, SelfBillingSupplier]:
    """Record (or replace) what the self-billed invoices say of a peer co-op as the supplier."""
    peer = _peer(session, peer_id)
    vat_number = _checked_vat_number(
        jurisdictions.get(peer.country), peer.country, body.get("vat_number", "")
    )
    address, endpoint = body["address"], body.get("electronic_address") or {}
    values = {
        "name": body["name"].strip(),
        "vat_number": vat_number,
        "company_id": body.get("company_id", "").strip(),
        "street": address["street"].strip(),
        "postcode": address.get("postcode", "").strip(),
        "city": address["city"].strip(),
        "endpoint_scheme": endpoint.get("scheme", ""),
        "endpoint_id": endpoint.get("identifier", "").strip(),
    }
    row = _supplier_row(session, peer.id)
    before = {} if row is None else {key: getattr(row, key) for key in values}
    if row is None:
        row = SelfBillingSupplier(peer_id=peer.id)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by = utcnow(), actor[:120]
    session.flush()
    audit.record(
        session,
        actor=actor[:120],
        action="self_billing.supplier",
        entity="federation_peer",
        entity_id=peer.id,
        changes=audit.diff(before, values),
        request_id=request_id,
    )
    return peer, row


def _supplier_row(session: Session, peer_id: int) -> SelfBillingSupplier | None:
    query = select(SelfBillingSupplier).where(SelfBillingSupplier.peer_id == peer_id)
    return session.scalars(query).one_or_none()


def suppliers(session: Session) -> list[tuple[Peer, SelfBillingSupplier]]:
    query = select(Peer, SelfBillingSupplier).join(
        SelfBillingSupplier, SelfBillingSupplier.peer_id == Peer.id
    )
    return [(peer, row) for peer, row in session.execute(query.order_by(Peer.id))]


def supplier_view(peer: Peer, row: SelfBillingSupplier) -> dict[str, Any]:
    return {
        "peer_id": peer.id,
        "node": peer.node_id,
        "country": peer.country,
        "name": row.name,
        "vat_number": row.vat_number or None,
        "company_id": row.company_id or None,
        "address": {"street": row.street, "postcode": row.postcode, "city": row.city},
        "electronic_address": {"scheme": row.endpoint_scheme, "identifier": row.endpoint_id}
        if row.endpoint_scheme
        else None,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def _supplier_party(session: Session, node_id: str) -> Party:
    peer = session.scalars(select(Peer).where(Peer.node_id == node_id)).one_or_none()
    row = None if peer is None else _supplier_row(session, peer.id)
    if peer is None or row is None:
        raise Conflict(
            f"Record the supplier details of {node_id} first "
            "(PUT /api/v1/chains/self-billing/suppliers/{peer_id}).",
            node=node_id,
        )
    return Party(
        name=row.name,
        address=Address(row.street, row.city, row.postcode, peer.country),
        vat_number=row.vat_number,
        company_id=row.company_id,
        electronic_address=ElectronicAddress(row.endpoint_scheme, row.endpoint_id)
        if row.endpoint_scheme
        else None,
    )


def _lead_party(session: Session, chain: Chain) -> Party:
    """This node as it named itself on the chain's client invoice (no bank account: the
    customer is not paid)."""
    invoice = session.get(Invoice, chain.invoice_id)
    assert invoice is not None
    return replace(issued_document(invoice).seller, iban="")


# -- VAT -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VatTreatment:
    situation: Situation
    tax: TaxCategory
    mentions: tuple[str, ...]

    @property
    def keeps_vat_numbers(self) -> bool:
        return self.tax.code is not VatCode.OUT_OF_SCOPE


def vat_treatment(
    supplier_country: str, buyer_country: str, jurisdiction: Jurisdiction | None, on: date
) -> VatTreatment:
    """The VAT of a service between two co-ops (see the module), with the mentions of the
    supplier country's ``jurisdiction`` when this node has it (English otherwise)."""
    if supplier_country == buyer_country:
        raise Conflict(
            f"Both co-ops are in {supplier_country}: a self-billed invoice would carry domestic "
            "VAT, which the clearing amounts do not include."
        )
    language = jurisdiction.languages[0] if jurisdiction is not None else "en"
    self_billing = SELF_BILLING_MENTION.get(language, SELF_BILLING_MENTION["en"])
    if {supplier_country, buyer_country} <= EU_MEMBER_STATES:
        situation = Situation.INTRA_EU_REVERSE_CHARGE
        texts = tuple(
            mention.text
            for mention in (
                jurisdiction.invoice_mentions(on, situation, language) if jurisdiction else []
            )
        ) or (REVERSE_CHARGE_REASON,)
        tax = TaxCategory(VatCode.REVERSE_CHARGE, Decimal(0), texts[0], REVERSE_CHARGE_REASON_CODE)
        return VatTreatment(situation, tax, (self_billing, *texts))
    # Situation has no "out of scope" value; DOMESTIC is the one Document admits O lines under.
    tax = TaxCategory(VatCode.OUT_OF_SCOPE, None, OUT_OF_SCOPE_REASON, OUT_OF_SCOPE_REASON_CODE)
    return VatTreatment(Situation.DOMESTIC, tax, (self_billing,))


def _addressed(party: Party, keep_vat_number: bool) -> Party:
    """The party with its Peppol address fixed, then without its VAT number if it must not
    show (the address may derive from that number)."""
    try:
        endpoint = ubl.endpoint_of(party)
    except ubl.UblError as error:
        raise Conflict(str(error)) from None
    return replace(
        party, electronic_address=endpoint, vat_number=party.vat_number if keep_vat_number else ""
    )


# -- the document ----------------------------------------------------------------------------


def _allocation(
    session: Session, chain_id: int, allocation_uid: str
) -> tuple[Chain, ChainAllocation]:
    query = select(ChainAllocation).where(
        ChainAllocation.uid == allocation_uid, ChainAllocation.chain_id == chain_id
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFound(MISSING)
    chain = session.get(Chain, chain_id)
    assert chain is not None
    if chain.role != ChainRole.LEAD or row.direction != Direction.PAYABLE:
        raise Conflict(
            "Only an allocation the lead node made to another node has a self-billed invoice "
            "(issued by the lead node)."
        )
    assert row.self_billed_number is not None and row.self_billed_on is not None
    return chain, row


def document_of(
    session: Session,
    jurisdictions: Mapping[str, Jurisdiction],
    chain_id: int,
    allocation_uid: str,
) -> Document:
    """The self-billed invoice of one allocation of a chain this node leads."""
    chain, row = _allocation(session, chain_id, allocation_uid)
    assert row.peer_node is not None and row.self_billed_on is not None
    supplier = _supplier_party(session, row.peer_node)
    buyer = _lead_party(session, chain)
    treatment = vat_treatment(
        supplier.country, buyer.country, jurisdictions.get(supplier.country), row.self_billed_on
    )
    line = Line(
        id="1",
        description=f"Services in value chain {chain.description}",
        quantity=Decimal(1),
        unit_price=from_minor(row.amount_minor, row.currency),
        tax=treatment.tax,
        unit_code=UNIT,
    )
    seller = _addressed(supplier, treatment.keeps_vat_numbers)
    if not (seller.vat_number or seller.company_id):
        raise Conflict(
            f"Record the registration number of {row.peer_node}: a supplier without a VAT "
            "number on the document must be identified by it (BR-CO-26).",
            node=row.peer_node,
        )
    try:
        return Document(
            kind=DocumentKind.INVOICE,
            number=str(row.self_billed_number),
            issue_date=row.self_billed_on,
            currency=row.currency,
            seller=seller,
            buyer=_addressed(buyer, treatment.keeps_vat_numbers),
            lines=(line,),
            situation=treatment.situation,
            payment_terms=PAYMENT_TERMS,
            legal_mentions=treatment.mentions,
            buyer_reference=row.uid,
        )
    except InvoiceError as error:
        raise Conflict(f"No lawful self-billed invoice can be made: {error}") from None


def _rounding(currency: str) -> Rounding:
    """To the currency's minor unit: the allocation is in minor units already, so this never
    changes an amount (the jurisdiction's own rounding could, e.g. whole forints)."""
    unit = Decimal(1).scaleb(-minor_exponent(currency))
    return lambda amount: amount.quantize(unit, rounding=ROUND_HALF_UP)


def to_xml(document: Document) -> bytes:
    """The document as a UBL 2.1 self-billed invoice (Peppol BIS Self-Billing 3.0)."""
    if document.kind is not DocumentKind.INVOICE:
        raise ValueError("only invoices are self-billed here")
    try:
        return ubl.to_ubl(document, _rounding(document.currency), SELF_BILLING)
    except ubl.UblError as error:
        raise Conflict(f"No Peppol e-invoice can be made of this document: {error}") from None
