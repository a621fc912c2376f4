"""Posting tables: postings this node sends, notices it receives, and what it offers as a host.

* :class:`MemberPosting` — at the member's home node: a member of this node works in another country
  under this node's law (A1 certificate). The ``posting-notice/1`` went to the host country's node
  (an active peer); its ``posting-answer/1`` is stored as received (``answer``).
* :class:`PostingNotice` — at the host node: a notice a peer sent about one of its members, and the
  answer this node sent back.
* :class:`HostProfile` — at the host node, one row: the local contact named in answers and the
  services offered to visiting members (also advertised in the node's descriptor). Set by an admin.

Hours are decimal text (exact on every engine), money is minor units beside its currency, as
everywhere in the node.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class PostingState(StrEnum):
    """``notified``: the notice is on its way or delivered, no answer yet; ``answered``: the host
    node's answer is stored. (A refusal or a dead letter shows in the view, from the outbox.)"""

    NOTIFIED = "notified"
    ANSWERED = "answered"


class MemberPosting(Base):
    __tablename__ = "member_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the posting id, the conversation
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    host_node: Mapped[str] = mapped_column(String(300))
    host_country: Mapped[str] = mapped_column(String(2))
    # What the host node knows the member by: stable per member and host node, never a national id.
    member_ref: Mapped[str] = mapped_column(String(128))
    a1_reference: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    client_name: Mapped[str] = mapped_column(String(200))
    client_country: Mapped[str] = mapped_column(String(2))
    place_address: Mapped[str] = mapped_column(String(500))
    place_postal_code: Mapped[str | None] = mapped_column(String(20))
    place_city: Mapped[str] = mapped_column(String(200))
    hours_per_week: Mapped[str] = mapped_column(String(12))
    hourly_gross_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    activity: Mapped[str | None] = mapped_column(String(500))
    # The pay under this node's law for the first month (node.postings.home_pay).
    home_pay: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), index=True)
    notice_jti: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostingNotice(Base):
    __tablename__ = "posting_notices"
    __table_args__ = (
        UniqueConstraint("home_node", "posting_uuid", name="uq_posting_notices_home_node_posting"),
        Index("ix_posting_notices_home_node_member_ref", "home_node", "member_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    home_node: Mapped[str] = mapped_column(String(300))
    posting_uuid: Mapped[str] = mapped_column(String(36))
    member_ref: Mapped[str] = mapped_column(String(128))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    notice_jti: Mapped[str] = mapped_column(String(128))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HostProfile(Base):
    __tablename__ = "posting_host_profile"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: one profile per node
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    services: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
