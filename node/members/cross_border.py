"""A member's cross-border records in their export, and what their erasure removes of them.

The records: postings to another country (:class:`~node.postings.models.MemberPosting`), hosting
requests this node sent for the member (:class:`~node.hosting.models.HostingRequest`), missions
this node hosts with the member as its guest (:class:`~node.hosting.models.HostedMission`), and
the member's shares in value chains (:class:`~node.chains.models.ChainContributor`).

Export lists each as the API shows it (a chain only with the member's own share and allocations:
the other contributors are other people).

Erasure keeps what shows where, when, under which law and for how much the member worked —
dates, countries, peer nodes, clients, hours and pay rates, shares, states, the host's answer —
beside the ledger, the invoices (self-billed ones included) and the payroll records, which the
law makes the co-op keep (GDPR art. 17(3)(b); see :mod:`node.members.privacy`). It removes:

* the pseudonyms that link a record to the member at the other node (a posting's
  ``member_ref``, a hosting's ``home_member_ref`` and, at home, the host's ``guest_ref``);
* the A1 reference, the place of work, free-text descriptions of the work, and the pay
  estimate made when the posting was declared;
* the guest's name and email kept on a hosted mission, and the member's name in a chain's
  contributor row and in its stored proposal (replaced by the erased member's pseudonym);
* the summaries reported home after a hosted mission, and what may still be reported
  (``share_back`` becomes empty, so a later summary with figures is refused at home and none is
  sent by the host).

The peers keep their own copies: erasure at this node cannot reach them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.chains.views import allocation_view, contributor_view
from node.hosting import home as hosting_home
from node.hosting import host as hosting_host
from node.hosting import service as hosting
from node.hosting.models import HostedMission, HostingRequest
from node.postings import service as postings
from node.postings.models import MemberPosting


def _postings(session: Session, member_id: int) -> list[MemberPosting]:
    query = select(MemberPosting).where(MemberPosting.member_id == member_id)
    return list(session.scalars(query.order_by(MemberPosting.id)))


def _requests(session: Session, member_id: int) -> list[HostingRequest]:
    query = select(HostingRequest).where(HostingRequest.member_id == member_id)
    return list(session.scalars(query.order_by(HostingRequest.id)))


def _hosted(session: Session, member_id: int) -> list[HostedMission]:
    query = select(HostedMission).where(HostedMission.member_id == member_id)
    return list(session.scalars(query.order_by(HostedMission.id)))


def _contributions(session: Session, member_id: int) -> list[ChainContributor]:
    query = select(ChainContributor).where(ChainContributor.member_id == member_id)
    return list(session.scalars(query.order_by(ChainContributor.id)))


def audited_records(session: Session, member_id: int) -> dict[str, list[str]]:
    """The member's own cross-border records by audit entity: their audit entries are about the
    member. (A value chain's entries are about every contributor and stay out.)"""
    return {
        postings.ENTITY: [str(row.id) for row in _postings(session, member_id)],
        hosting.ENTITY_REQUEST: [str(row.id) for row in _requests(session, member_id)],
        hosting.ENTITY_HOSTED: [str(row.id) for row in _hosted(session, member_id)],
    }


# -- export -------------------------------------------------------------------------------------


def _contribution_view(session: Session, row: ChainContributor) -> dict[str, Any]:
    chain = row.chain
    allocations = session.scalars(
        select(ChainAllocation)
        .where(ChainAllocation.contributor_id == row.id)
        .order_by(ChainAllocation.id)
    )
    return {
        "chain": {
            "uid": chain.uid,
            "role": chain.role,
            "lead": chain.lead_node,
            "state": chain.state,
            "description": chain.description,
            "client": {"name": chain.client_name, "country": chain.client_country},
            "currency": chain.currency,
            "invoice_number": chain.invoice_number,
        },
        "share": contributor_view(row, chain.currency),
        "allocations": [allocation_view(a, {row.id: row.member_ref}) for a in allocations],
    }


def export_cross_border(session: Session, member_id: int) -> dict[str, Any]:
    """The member's postings, hosting requests, hosted missions and value-chain shares."""
    return {
        "postings": postings.views(session, _postings(session, member_id)),
        "hosting_requests": [
            hosting_home.request_view(session, row) for row in _requests(session, member_id)
        ],
        "hosted_missions": [
            hosting_host.hosted_view(session, row) for row in _hosted(session, member_id)
        ],
        "value_chains": [
            _contribution_view(session, row) for row in _contributions(session, member_id)
        ],
    }


# -- erasure ------------------------------------------------------------------------------------


def _plain_mission(mission: dict[str, Any]) -> dict[str, Any]:
    """The mission without its description and place of work (dates, country, client stay)."""
    kept = {key: value for key, value in mission.items() if key != "place_of_work"}
    return {**kept, "description": ""}


def _erase_posting(row: MemberPosting) -> None:
    row.member_ref = row.a1_reference = ""
    row.place_address = row.place_city = ""
    row.place_postal_code = row.activity = None
    row.home_pay = {}


def _erase_mission(row: HostingRequest | HostedMission) -> None:
    row.home_member_ref = ""
    row.mission = _plain_mission(row.mission)
    row.share_back, row.summary = [], None


def _erase_contribution(row: ChainContributor, pseudonym: str) -> None:
    chain: Chain = row.chain
    entries = chain.proposal.get("contributors", [])
    if any(_is(entry, row) for entry in entries):
        renamed = [{**e, "name": pseudonym} if _is(e, row) else e for e in entries]
        chain.proposal = {**chain.proposal, "contributors": renamed}
    row.name = pseudonym


def _is(entry: dict[str, Any], row: ChainContributor) -> bool:
    return entry.get("member_ref") == row.member_ref and entry.get("name") == row.name


def erase_cross_border(session: Session, member_id: int, pseudonym: str) -> dict[str, int]:
    """Remove the personal data of the member's cross-border records that the books do not
    need (see the module docstring); how many records of each kind were touched."""
    posted, requested = _postings(session, member_id), _requests(session, member_id)
    hosted, contributed = _hosted(session, member_id), _contributions(session, member_id)
    for posting in posted:
        _erase_posting(posting)
    for request in requested:
        _erase_mission(request)
        request.guest_ref = None
    for mission in hosted:
        _erase_mission(mission)
        mission.member_name = mission.member_email = None
    for contributor in contributed:
        _erase_contribution(contributor, pseudonym)
    session.flush()
    return {
        "postings": len(posted),
        "hosting_requests": len(requested),
        "hosted_missions": len(hosted),
        "value_chains": len(contributed),
    }
