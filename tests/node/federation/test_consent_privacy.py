"""A member's federation consents in their data export, and what erasing them does to consents:
open ones are revoked, every consent's pseudonym is forgotten, the record of each disclosure stays.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from node.audit.models import AuditEntry
from node.db.types import utcnow
from node.federation.attestation_models import MemberConsent
from node.runtime import Node
from tests.node.federation.test_attestations import (
    activate,
    answers,
    consent,
    home,
    receipt_body,
    refused,
    request,
)
from tests.node.member_helpers import Crew

__all__ = ["home"]  # the fixture


def test_the_export_lists_the_members_consents_and_their_audit(crew: Crew, home: Any) -> None:
    asker, member, headers, inbox = home
    activate(crew, member["id"])
    used = consent(crew, headers, fields=["member_since"])
    assert receipt_body(inbox.receive(request(asker, used["token"]), utcnow()))["outcome"] == (
        "accepted"
    )
    consent(crew, headers, purpose="cross_border_mission", fields=[])

    export = crew.client.get(f"/api/v1/members/{member['id']}/export", headers=headers)
    assert export.status_code == 200, export.text
    consents = export.json()["federation"]["consents"]
    assert [(c["purpose"], c["state"], c["fields"]) for c in consents] == [
        ("guest_membership", "used", ["member_since"]),
        ("cross_border_mission", "open", []),
    ]
    assert all(c["audience"] == asker.node_id and c["subject"] for c in consents)
    assert "token" not in consents[0]  # never kept, so never exported
    actions = {e["action"] for e in export.json()["audit"] if e["entity"] == "federation_consent"}
    assert actions == {"federation.consent.give", "federation.consent.use"}


def test_erasure_revokes_open_consents_and_forgets_their_pseudonyms(
    crew: Crew, home: Any, node: Node
) -> None:
    asker, member, headers, inbox = home
    activate(crew, member["id"])
    used = consent(crew, headers, fields=["display_name"])
    assert receipt_body(inbox.receive(request(asker, used["token"]), utcnow()))["outcome"] == (
        "accepted"
    )
    still_open = consent(crew, headers)
    with node.db.reading() as session:
        used_at = session.get_one(MemberConsent, used["id"]).used_at

    erased = crew.client.post(f"/api/v1/members/{member['id']}/erase", headers=crew.admin)
    assert erased.status_code == 200, erased.text

    with node.db.reading() as session:
        rows = {row.id: row for row in session.scalars(select(MemberConsent))}
        assert {row.subject for row in rows.values()} == {""}
        opened, spent = rows[still_open["id"]], rows[used["id"]]
        assert opened.revoked_at is not None
        assert (spent.revoked_at, spent.used_at) == (None, used_at)  # a disclosure that happened
        assert (spent.audience, spent.purpose, spent.fields) == (
            asker.node_id,
            "guest_membership",
            ["display_name"],
        )
        revoked = session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "federation.consent.revoke")
        ).all()
    assert revoked == [str(still_open["id"])]
    # The token the member handed out no longer leads anywhere, and nothing is answered.
    assert refused(inbox, request(asker, still_open["token"])) == "consent_unknown"
    assert len(answers(node)) == 1
