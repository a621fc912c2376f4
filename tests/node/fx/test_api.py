"""``/api/v1/admin/fx``: staff see the rates in force, admins import ECB files (raw or multipart);
a bad file is 422 and a contradicting one 409, both changing nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from starlette.testclient import TestClient

from node.errors import PROBLEM_BASE
from tests.node.fx.conftest import DATA

RATES, IMPORTS = "/api/v1/admin/fx/rates", "/api/v1/admin/fx/imports"


def raw(headers: dict[str, str], media_type: str) -> dict[str, str]:
    return {**headers, "Content-Type": media_type}


def test_admin_imports_a_raw_xml_body_and_staff_see_the_rates(
    client: TestClient, login_as: Any
) -> None:
    body = (DATA / "eurofxref-hist-90d.xml").read_bytes()
    answer = client.post(IMPORTS, content=body, headers=raw(login_as("admin"), "application/xml"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "layout": "xml",
        "first_day": "2026-11-20",
        "last_day": "2026-11-25",
        "days": 4,
        "rates": 16,
        "added": 16,
        "unchanged": 0,
    }
    shown = client.get(RATES, params={"on": "2026-11-29"}, headers=login_as("staff"))
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert view["ecb"]["day"] == "2026-11-25" and view["latest_ecb_day"] == "2026-11-25"
    sek = next(rate for rate in view["ecb"]["rates"] if rate["quote"] == "SEK")
    assert sek == {
        "base": "EUR",
        "quote": "SEK",
        "rate": "11.5340",
        "date": "2026-11-25",
        "source": "ecb",
    }
    assert view["configured"] == [] and view["max_age_days"] == 5


def test_a_zip_as_a_multipart_file_and_a_csv_body(client: TestClient, login_as: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(DATA / "eurofxref-hist.csv", "eurofxref-hist.csv")
    files = {"file": ("eurofxref-hist.zip", buffer.getvalue(), "application/zip")}
    answer = client.post(IMPORTS, files=files, headers=login_as("admin"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["layout"] == "zip/csv" and answer.json()["added"] == 21
    csv = (DATA / "eurofxref.csv").read_bytes()
    again = client.post(IMPORTS, content=csv, headers=raw(login_as("admin"), "text/csv"))
    assert again.status_code == 200, again.text
    assert (again.json()["added"], again.json()["unchanged"]) == (0, 4)


def test_bad_and_contradicting_files_change_nothing(client: TestClient, login_as: Any) -> None:
    admin = login_as("admin")
    bad = client.post(IMPORTS, content=b"<html/>", headers=raw(admin, "text/xml"))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "file"
    missing = client.post(IMPORTS, files={"other": ("x.csv", b"", "text/csv")}, headers=admin)
    assert missing.status_code == 422
    daily = (DATA / "eurofxref-daily.xml").read_bytes()
    assert client.post(IMPORTS, content=daily, headers=raw(admin, "application/xml")).is_success
    changed = daily.replace(b"'410.55'", b"'410.56'")
    conflict = client.post(IMPORTS, content=changed, headers=raw(admin, "application/xml"))
    assert conflict.status_code == 409
    assert conflict.json()["type"] == PROBLEM_BASE + "conflict"
    assert "nothing was imported" in conflict.json()["detail"]
    wrong_type = client.post(IMPORTS, content=daily, headers=raw(admin, "application/pdf"))
    assert wrong_type.status_code == 415


def test_the_date_is_checked_and_staff_may_not_import(client: TestClient, login_as: Any) -> None:
    bad_day = client.get(RATES, params={"on": "2026-13-01"}, headers=login_as("staff"))
    assert bad_day.status_code == 422
    daily = (DATA / "eurofxref-daily.xml").read_bytes()
    staff = client.post(IMPORTS, content=daily, headers=raw(login_as("staff"), "application/xml"))
    assert staff.status_code == 403
    member = client.get(RATES, headers=login_as("member"))
    assert member.status_code == 403
