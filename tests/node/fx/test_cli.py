"""``coopnode fx import | rates | convert``: output, one-line errors and exit codes (0 done,
1 refused, 2 bad input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from node.cli.main import main
from node.config import Settings
from node.db import Database
from tests.node.fx.conftest import DATA


@pytest.fixture
def fx(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """``coopnode`` on the test database: ``fx(*argv) -> (exit code, stdout, stderr)``."""
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    monkeypatch.delenv("COOPNODE_FX_RATES", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_import_twice_then_rates(fx: Any) -> None:
    file = str(DATA / "eurofxref-hist-90d.xml")
    code, out, _ = fx("fx", "import", file)
    assert code == 0
    assert out.strip() == (
        "eurofxref-hist-90d.xml: 16 rates of 4 day(s) (2026-11-20 … 2026-11-25): "
        "16 added, 0 already stored"
    )
    code, out, _ = fx("fx", "import", file)
    assert code == 0 and "0 added, 16 already stored" in out
    code, out, _ = fx("fx", "rates", "--on", "2026-11-22")
    assert code == 0
    assert out.splitlines() == [
        "rates in force on 2026-11-22",
        "configured (fx.rates): none",
        "ECB reference rates of 2026-11-20:",
        "  EUR/HUF  408.73",
        "  EUR/JPY  162.71",
        "  EUR/SEK  11.4985",
        "  EUR/USD  1.0544",
    ]


def test_rates_without_imports_say_what_to_do(fx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPNODE_FX_RATES", "EUR/SEK=11.0952")
    code, out, _ = fx("fx", "rates", "--on", "2026-11-25")
    assert code == 0
    assert "  EUR/SEK  11.0952" in out
    assert "none within 5 days (none imported); import one with `coopnode fx import FILE`" in out


def test_convert_with_ecb_and_configured_rates(fx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fx("fx", "import", str(DATA / "eurofxref-daily.xml"))
    code, out, _ = fx("fx", "convert", "1000.00", "eur", "SEK", "--on", "2026-11-27")
    assert code == 0
    assert out.strip() == "1000.00 EUR = 11534.00 SEK (rate EUR/SEK 11.5340, ecb 2026-11-25)"
    code, out, _ = fx("fx", "convert", "100", "SEK", "HUF", "--on", "2026-11-25")
    assert code == 0 and "(rate SEK/HUF 35.59476331, ecb 2026-11-25)" in out
    monkeypatch.setenv("COOPNODE_FX_RATES", "EUR/SEK=11.0952")
    code, out, _ = fx("fx", "convert", "10.00", "SEK", "EUR", "--on", "2026-11-25")
    assert code == 0
    assert out.strip() == (
        "10.00 SEK = 0.90 EUR (rate SEK/EUR 0.09012906482, configured 2026-11-25)"
    )


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("fx", "convert", "10.001", "EUR", "SEK"), 2, "AMOUNT: 10.001 has more decimals"),
        (("fx", "convert", "ten", "EUR", "SEK"), 2, "AMOUNT: 'ten' is not a decimal amount"),
        (("fx", "convert", "10", "EURO", "SEK"), 2, "FROM: 'EURO' is not an ISO 4217"),
        (("fx", "convert", "10", "EUR", "ABC"), 2, "TO: 'ABC' is not an ISO 4217"),
        (("fx", "import", "/nonexistent/eurofxref.xml"), 2, "file: Cannot read"),
        (("fx", "import", str(DATA / "README.md")), 2, "file: not an ECB reference-rate file"),
        (
            ("fx", "convert", "10", "EUR", "SEK", "--on", "2026-11-25"),
            1,
            "No EUR/SEK rate for 2026-11-25",
        ),
    ],
)
def test_errors_are_one_line_with_their_exit_code(
    fx: Any, argv: tuple[str, ...], code: int, message: str
) -> None:
    status, out, err = fx(*argv)
    assert status == code
    assert out == ""
    assert err.startswith(f"coopnode: {message}")
    assert err.count("\n") == 1


def test_a_bad_date_is_a_usage_error(fx: Any) -> None:
    with pytest.raises(SystemExit) as caught:
        fx("fx", "rates", "--on", "25/11/2026")
    assert caught.value.code == 2


def test_a_contradicting_file_is_refused_with_exit_1(fx: Any, tmp_path: Path) -> None:
    fx("fx", "import", str(DATA / "eurofxref-daily.xml"))
    changed = tmp_path / "eurofxref-daily.xml"
    changed.write_bytes((DATA / "eurofxref-daily.xml").read_bytes().replace(b"1.0479", b"1.0480"))
    status, _, err = fx("fx", "import", str(changed))
    assert status == 1
    assert "EUR/USD 1.0480 on 2026-11-25, but 1.0479 is stored" in err
