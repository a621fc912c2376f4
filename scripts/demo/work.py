"""The three kinds of cross-border work of the demo, each as its co-ops' staff and members do
it through the API (docs/postings.md, docs/hosting.md, docs/chains.md).

Each returns the payslips it led to and says in one line what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from scripts.demo.nodes import Api, DemoError, Node, wait_for
from scripts.demo.people import (
    BIRTH_DATE,
    Payslip,
    Person,
    add_member,
    add_member_with_login,
    book_turnover,
    pay,
)

Say = Callable[[str], None]

# Example identifiers, valid by their country's rules (python-stdnum), of nobody.
ANA = Person("Ana Peeters", "ana@coop-be.example", "BE", "nl", "BE68539007547034", "85073000160")
AN = Person("An Claes", "an@coop-be.example", "BE", "fr", "BE68539007547034", "85073000259")
LUC = Person("Luc Martin", "luc@coop-fr.example", "FR", "fr", "FR1420041010050500013M02606",
             "295109912611193")  # fmt: skip
CHLOE = Person("Chloé Dubois", "chloe@coop-fr.example", "FR", "fr", "FR1420041010050500013M02606",
               "292057512345668")  # fmt: skip
JANA = Person("Jana Schmidt", "jana@coop-de.example", "DE", "de", "DE89370400440532013000",
              "36574261809")  # fmt: skip
CLIENT = {
    "kind": "company",
    "name": "Atelier Nord SA",
    "country": "BE",
    "vat_number": "BE0202239951",
    "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
}
BE_BANK_ACCOUNT = "BE71096123456769"  # the Belgian co-op's: clients pay in, payouts leave
CHAIN_AMOUNT = "6000.00"
SHARES = {"BE": "50", "FR": "30", "DE": "20"}
SALARY_BUDGET = {"BE": "2500.00", "FR": "1500.00", "DE": "1000.00"}  # within each share
SELLER_ADDRESS = {"street": "Rue de la Loi 16", "postcode": "1000", "city": "Bruxelles"}
CHAINS = "/api/v1/chains"


def posting(be: Node, fr: Node, admins: dict[str, Api], say: Say) -> Payslip:
    """A Belgian member works in Lille for three months, posted by Belgium (A1): France answers
    with its requirements; Belgium's law computes the pay."""
    fr.coopnode(
        "postings",
        "host",
        "--contact-name=Accueil détachement",
        "--contact-email=accueil@coop-fr.example",
        "--service=coworking=Desk in the Lille co-working space",
    )
    home = admins["BE"]
    ana = add_member(home, ANA)
    home.call("PATCH", f"/api/v1/members/{ana}/payroll-profile", {"birth_date": BIRTH_DATE})
    today = date.today()
    body = {
        "member_id": ana,
        "host_node": fr.url,
        "a1_reference": "BE-A1-2026-000123",
        "start": (today + timedelta(days=7)).isoformat(),
        "end": (today + timedelta(days=97)).isoformat(),
        "client": {"name": "Théâtre du Nord", "country": "FR"},
        "place_of_work": {"address": "4 place du Général de Gaulle", "city": "Lille"},
        "hours_per_week": "35",
        "hourly_gross": "18.50",
        "activity": "Sound engineering",
    }
    posted = home.post("/api/v1/postings", body, expect=201)

    def answered() -> dict[str, Any] | None:
        found = home.get(f"/api/v1/postings/{posted['id']}")
        return dict(found) if found["state"] == "answered" else None

    shown = wait_for("FR answering BE's posting notice", answered)
    answer, pay_home = shown["answer"], shown["home_pay"]
    met = "met" if answer["meets_minimum_wage"] else "NOT met"
    say(
        f"posting: {ANA.name} (BE) posted to FR; FR answers: "
        f"{answer['requirements']['declaration'].split(':')[0]}, minimum wage {met}, "
        f"contact {answer['local_contact']['name']}"
    )
    if not pay_home.get("computed"):
        raise DemoError(f"posting: BE computed no pay: {pay_home.get('reason')}")
    return Payslip(
        ANA.name,
        pay_home["country"],
        "posted to FR: the first month",
        pay_home["period"],
        pay_home["gross"],
        pay_home["net_pay"],
        pay_home["employer_cost"],
        pay_home["currency"],
    )


def _request_in(api: Api, request_id: int, state: str) -> dict[str, Any] | None:
    found = api.get(f"/api/v1/hosting/requests/{request_id}")
    return dict(found) if found["state"] == state else None


def hosting(fr: Node, de: Node, admins: dict[str, Api], say: Say) -> Payslip:
    """A French member consents; France asks Germany to employ her; Germany accepts, pays her
    under German law and reports home only what she agreed to share."""
    home, host = admins["FR"], admins["DE"]
    chloe = add_member_with_login(home, CHLOE)
    member = fr.sign_in(CHLOE.email)
    consent = {"audience": de.url, "purpose": "guest_membership", "fields": []}
    token = member.post("/api/v1/federation/consents", consent, expect=201)["token"]
    today = date.today()
    mission = {
        "start": today.isoformat(),
        "end": (today + timedelta(days=20)).isoformat(),
        "description": "Stage lighting, Schauspielhaus Köln",
        "country": "DE",
    }
    body = {
        "member_id": chloe,
        "host": de.url,
        "consent": token,
        "mission": mission,
        "share_back": ["days_worked", "payslips"],
    }
    asked = home.post("/api/v1/hosting/requests", body, expect=201)

    def arrived() -> dict[str, Any] | None:
        mine = [h for h in host.get("/api/v1/hosting/hosted") if h["hosting"] == asked["hosting"]]
        return dict(mine[0]) if mine else None

    hosted = wait_for("DE receiving FR's hosting request", arrived)
    accepted = host.post(f"/api/v1/hosting/hosted/{hosted['id']}/accept")
    login = accepted["guest_login"]
    guest = de.sign_in(login["email"], password=login["password"])
    guest.call("PATCH", f"/api/v1/members/{accepted['member_id']}", {"iban": CHLOE.iban})
    book_turnover(host, accepted["activity_id"], "3000.00", "EUR", f"hosting-{hosted['id']}")
    slip = pay(
        de,
        host,
        (accepted["member_id"], CHLOE.name),
        accepted["activity_id"],
        "2500.00",
        "guest of DE, hosted for FR",
        declarer=guest,
    )
    wait_for("FR receiving DE's answer", lambda: _request_in(home, asked["id"], "accepted"))
    host.post(f"/api/v1/hosting/hosted/{hosted['id']}/complete", {})
    done = wait_for(
        "FR receiving DE's completion", lambda: _request_in(home, asked["id"], "completed")
    )
    shared = ", ".join(f"{k} {v}" for k, v in sorted(done["summary"].items()))
    say(f"hosting: {CHLOE.name} (FR) employed by DE as a guest; DE reports home: {shared}")
    return slip


def _chain_at(api: Api, uid: str, state: str | None = None) -> dict[str, Any] | None:
    for chain in api.get(CHAINS):
        if chain["uid"] == uid and (state is None or chain["state"] == state):
            return dict(chain)
    return None


def _accept(api: Api, chain: dict[str, Any]) -> dict[str, Any]:
    """This node's member consents (today) and the node accepts for them."""
    (mine,) = [c for c in chain["contributors"] if c["local"]]
    return dict(api.post(f"{CHAINS}/{chain['id']}/contributors/{mine['id']}/accept", {}))


def _allocated(api: Api, uid: str) -> dict[str, Any] | None:
    """This node's contributor once their whole share has been allocated here."""
    chain = _chain_at(api, uid)
    if chain is None:
        return None
    (mine,) = [c for c in chain["contributors"] if c["local"]]
    return dict(mine) if mine["allocated"] == mine["full_share"] else None


def _proposal(client_id: int, members: dict[str, int], nodes: dict[str, Node]) -> dict[str, Any]:
    contributors: list[dict[str, Any]] = [
        {"member_ref": str(members["BE"]), "share": {"kind": "percent", "value": SHARES["BE"]}}
    ]
    for code, person in (("FR", LUC), ("DE", JANA)):
        contributors.append(
            {
                "node": nodes[code].url,
                "member_ref": str(members[code]),
                "name": person.name,
                "share": {"kind": "percent", "value": SHARES[code]},
            }
        )
    return {
        "client_id": client_id,
        "description": "Website and launch event for Atelier Nord",
        "amount": CHAIN_AMOUNT,
        "contributors": contributors,
        "fee_policy": {"kind": "each_node"},
        "guarantee": "on_payment",
        "default_policy": "contributors_bear_pro_rata",
    }


def chain(nodes: dict[str, Node], admins: dict[str, Api], say: Say) -> list[Payslip]:
    """Belgium leads a chain with a member of each co-op; the client pays; each node credits
    its member's activity (France and Germany through the clearing accounts) and pays them
    under its own law."""
    lead = admins["BE"]
    people = {"BE": AN, "FR": LUC, "DE": JANA}
    members = {code: add_member(admins[code], person) for code, person in people.items()}
    client_id = lead.post("/api/v1/clients", CLIENT, expect=201)["id"]
    proposed = lead.post(CHAINS, _proposal(client_id, members, nodes), expect=201)
    uid = proposed["uid"]
    for code in ("FR", "DE"):
        there = wait_for(
            f"{code} receiving the chain proposal", partial(_chain_at, admins[code], uid)
        )
        _accept(admins[code], there)
    _accept(lead, proposed)
    wait_for("BE seeing every acceptance", lambda: _chain_at(lead, uid, "accepted"))
    body = {
        "idempotency_key": f"chain-{uid}",
        "bank_iban": BE_BANK_ACCOUNT,
        "seller_address": SELLER_ADDRESS,
    }
    invoiced = lead.post(f"{CHAINS}/{proposed['id']}/invoice", body)
    invoice = lead.get(f"/api/v1/invoices/{invoiced['invoice']['id']}")
    payment = {
        "amount": str(invoice["gross"]),
        "received_on": date.today().isoformat(),
        "idempotency_key": f"client-payment-{uid}",
    }
    lead.post(f"/api/v1/invoices/{invoice['id']}/payments", payment, expect=201)
    shares = ", ".join(f"{c} {SHARES[c]}%" for c in SHARES)
    say(
        f"value chain: {CHAIN_AMOUNT} EUR for {CLIENT['name']} ({shares}); "
        f"invoice {invoiced['invoice']['number']} paid ({invoice['gross']} with VAT)"
    )
    slips = []
    for code, person in people.items():
        mine = wait_for(f"{code} receiving its allocation", partial(_allocated, admins[code], uid))
        slips.append(
            pay(
                nodes[code],
                admins[code],
                (members[code], person.name),
                mine["activity_id"],
                SALARY_BUDGET[code],
                "value chain share",
            )
        )
    say("value chain: shares allocated at BE, FR and DE (FR's and DE's on clearing accounts)")
    return slips
