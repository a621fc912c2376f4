"""``/api/v1/admin/fx``: the exchange rates in force on a day, and importing an ECB file.

The same as ``coopnode fx rates`` and ``coopnode fx import``. The file is sent as it was
downloaded from the ECB — the raw body (XML, CSV or ZIP media type) or a multipart form with a
``file`` field. A file that is not an ECB reference-rate file is 422, one that contradicts a
stored rate 409; both change nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from node.db.types import utcnow
from node.errors import ValidationProblem
from node.fx import service
from node.payouts.uploads import XML_TYPES, Upload, upload_route
from node.web.api import ADMIN, STAFF, Call, api_route
from node.web.validation import DATE, obj

TAG = "fx"
RATES_QUERY = obj({"on": DATE})
#: Raw bodies accepted besides a multipart form: the media types the ECB files come as.
FILE_TYPES = (*XML_TYPES, "text/csv", "application/zip", "application/x-zip-compressed")


def file_bytes(upload: Upload) -> bytes:
    """The uploaded ECB file: the raw body or the multipart ``file`` field."""
    if upload.raw is not None:
        return upload.raw
    uploaded = upload.files.get("file")
    if uploaded is None:
        raise ValidationProblem.single("file", "Attach the ECB reference-rate file.", "required")
    return uploaded.data


@api_route(
    "GET",
    "/api/v1/admin/fx/rates",
    summary="Exchange rates in force on a day (default today): configured and ECB rates.",
    roles=STAFF,
    tag=TAG,
    query=RATES_QUERY,
)
def rates_in_force(call: Call) -> dict[str, Any]:
    day = date.fromisoformat(call.query["on"]) if "on" in call.query else utcnow().date()
    return service.rates_in_force(call.session, call.settings, day)


@upload_route(
    "POST",
    "/api/v1/admin/fx/imports",
    summary="Import an ECB reference-rate file (XML, CSV or ZIP as published); idempotent.",
    roles=ADMIN,
    tag=TAG,
    fields=obj({}),
    files=("file",),
    raw_types=FILE_TYPES,
)
def import_rates(call: Call) -> dict[str, Any]:
    summary = service.import_file(
        call.session, file_bytes(call.body), actor=call.actor, request_id=call.request_id
    )
    return summary.as_dict()


ROUTES = [rates_in_force, import_rates]
