"""Payslip documents: the printable page and the PDF, in the member's language."""

from __future__ import annotations

import io

from pypdf import PdfReader

from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew
from tests.node.payroll.payroll_helpers import ask_salary, contract, worker


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def payslip(crew: Crew, language: str | None = None) -> tuple[int, dict[str, str]]:
    profile = {"language": language} if language else {}
    activity_id, _member, headers = worker(crew, **profile)
    contract_id = contract(crew, activity_id, headers)
    response = ask_salary(crew, contract_id, "1000.00", headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["payslip"]["id"]), headers


def test_the_page_and_the_pdf_speak_the_members_language(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    payslip_id, headers = payslip(crew)  # the member writes French (member_body)
    page = crew.client.get(f"/api/v1/payroll/payslips/{payslip_id}/html", headers=headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "fr"
    html = page.text
    assert '<html lang="fr">' in html
    assert "Bulletin de paie — mars 2026" in html
    assert "Net à payer" in html and "626,40" in html
    assert "Théâtre de Namur" in html and "Social security" in html
    pdf = crew.client.get(f"/api/v1/payroll/payslips/{payslip_id}/pdf", headers=headers)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert "Net à payer" in text and "626,40" in text
    assert "Bulletin de paie" in text and "Salaire brut" in text


def test_the_profile_language_wins(crew: Crew, node: Node, toy: Payroll) -> None:
    payslip_id, headers = payslip(crew, "de")
    text = pdf_text(
        crew.client.get(f"/api/v1/payroll/payslips/{payslip_id}/pdf", headers=headers).content
    )
    assert "Lohnabrechnung" in text and "Auszahlungsbetrag" in text and "626,40" in text
    english_id, english = payslip(crew, "en")
    page = crew.client.get(f"/api/v1/payroll/payslips/{english_id}/html", headers=english).text
    assert "Payslip — March 2026" in page and "Net pay" in page and "€626.40" in page
    dutch_id, dutch = payslip(crew, "nl")
    page = crew.client.get(f"/api/v1/payroll/payslips/{dutch_id}/html", headers=dutch).text
    assert "Loonbrief" in page and "Netto te betalen" in page


def test_documents_are_the_members_own(crew: Crew, node: Node, toy: Payroll) -> None:
    payslip_id, _headers = payslip(crew)
    _activity, _other, stranger = worker(crew)
    for suffix in ("", "/html", "/pdf"):
        response = crew.client.get(
            f"/api/v1/payroll/payslips/{payslip_id}{suffix}", headers=stranger
        )
        assert response.status_code == 404 and response.json()["detail"] == "No such payslip."
        staff = crew.client.get(
            f"/api/v1/payroll/payslips/{payslip_id}{suffix}", headers=crew.staff
        )
        assert staff.status_code == 200
