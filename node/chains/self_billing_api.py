"""Self-billed invoice endpoints (see :mod:`node.chains.self_billing`); routed with the chains'.

=================================================================================  =====  ==================
``GET /api/v1/chains/{id}/allocations/{allocation}/self-billed-invoice``           staff  the UBL document
``GET /api/v1/chains/self-billing/suppliers``                                      staff  the peers' details
``PUT /api/v1/chains/self-billing/suppliers/{peer_id}``                            admin  record a peer's
=================================================================================  =====  ==================

The document is the lead co-op's accounting record of a purchase from another co-op, so only
staff fetch it (members see their allocations, not the co-ops' invoices to each other).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from node.chains import self_billing
from node.web.api import ADMIN, STAFF, Call, api_route
from node.web.validation import STRING, obj

TAG = "chains"
XML = "application/xml"
SUPPLIERS = "/api/v1/chains/self-billing/suppliers"
DOCUMENT = "/api/v1/chains/{chain_id:int}/allocations/{allocation}/self-billed-invoice"
SHORT = {"type": "string", "maxLength": 40, "pattern": r"^[A-Za-z0-9 .\-/]*$"}
SUPPLIER = obj(
    {
        "name": {**STRING, "description": "The co-op's legal name."},
        "vat_number": {**SHORT, "maxLength": 20, "description": "With its country prefix."},
        "company_id": {**SHORT, "description": "The national registration number."},
        "address": obj(
            {
                "street": STRING,
                "postcode": {"type": "string", "maxLength": 20},
                "city": {"type": "string", "minLength": 1, "maxLength": 100},
            },
            required=("street", "city"),
        ),
        "electronic_address": obj(
            {
                "scheme": {"type": "string", "pattern": "^[0-9]{4}$"},
                "identifier": {"type": "string", "minLength": 1, "maxLength": 100},
            },
            required=("scheme", "identifier"),
        ),
    },
    required=("name", "address"),
)


@api_route(
    "GET",
    DOCUMENT,
    summary="The self-billed UBL invoice of an allocation to another node (lead node).",
    roles=STAFF,
    tag=TAG,
    media_type=XML,
)
def self_billed_invoice(call: Call) -> Response:
    document = self_billing.document_of(
        call.session, call.node.jurisdictions, call.path["chain_id"], call.path["allocation"]
    )
    return Response(
        self_billing.to_xml(document),
        media_type=XML,
        headers={"Content-Disposition": f'attachment; filename="{document.number}.xml"'},
    )


@api_route(
    "GET",
    SUPPLIERS,
    summary="Peer co-ops as the suppliers named on self-billed invoices.",
    roles=STAFF,
    tag=TAG,
)
def list_suppliers(call: Call) -> list[dict[str, Any]]:
    return [self_billing.supplier_view(*pair) for pair in self_billing.suppliers(call.session)]


@api_route(
    "PUT",
    SUPPLIERS + "/{peer_id:int}",
    summary="Record what self-billed invoices say of a peer co-op as the supplier.",
    roles=ADMIN,
    tag=TAG,
    body=SUPPLIER,
)
def put_supplier(call: Call) -> dict[str, Any]:
    peer, row = self_billing.record_supplier(
        call.session,
        call.node.jurisdictions,
        call.path["peer_id"],
        call.body,
        actor=call.actor,
        request_id=call.request_id,
    )
    return self_billing.supplier_view(peer, row)


ROUTES = [self_billed_invoice, list_suppliers, put_supplier]
