"""``coopnode payslip``: the stable CLI contract, on Toyland (a made-up country installed for the
test as a plugin distribution), without a configuration file or a database."""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.payroll.model import Payslip, PayslipLine, Period
from tests.plugins.payroll_cli import Run, payslip_runner

TOY = Path(__file__).resolve().parents[1] / "plugins" / "payroll" / "toy_country"
RESULT_FIELDS = {
    "country",
    "period",
    "currency",
    "gross",
    "employee_contributions",
    "employer_contributions",
    "income_tax_withheld",
    "net_before_tax",
    "net_pay",
    "employer_cost",
    "lines",
}
LINE_FIELDS = {
    "code",
    "label",
    "base",
    "employee_rate",
    "employee_amount",
    "employer_rate",
    "employer_amount",
}


def install_toy(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make Toyland importable and 'installed': a dist-info with a ``coopnode`` entry point."""
    info = path / "coop_toy_payroll-0.0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: coop-toy-payroll\nVersion: 0.0.0\n"
    )
    (info / "entry_points.txt").write_text("[coopnode]\nzz = coop_toy_payroll\n")
    monkeypatch.syspath_prepend(str(TOY))
    monkeypatch.syspath_prepend(str(path))


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``coopnode payslip …`` in-process, with Toyland installed besides the built-in countries."""
    install_toy(tmp_path / "site", monkeypatch)
    return payslip_runner(tmp_path, monkeypatch, capsys)


def toy_payslip(gross: str, period: str = "2026-03", **params: Any) -> dict[str, Any]:
    from coop_toy_payroll import payroll

    return payroll().payslip(Period.parse(period), Decimal(gross), params).as_dict()


# -- one payslip ----------------------------------------------------------------------------


def test_json_is_the_payslip_as_dict_without_config_or_database(run: Run) -> None:
    code, out, err = run(
        "--country", "ZZ", "--period", "2026-03", "--gross", "2000.00", "--format", "json"
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result == toy_payslip("2000.00")
    assert set(result) >= RESULT_FIELDS
    assert all(set(line) >= LINE_FIELDS for line in result["lines"])
    assert result["net_pay"] == "1720.00" and result["employer_cost"] == "2425.00"
    assert all(isinstance(result[f], str) for f in RESULT_FIELDS - {"lines"})


def test_params_are_given_as_name_value(run: Run) -> None:
    code, out, _ = run(
        "--country", "zz", "--period", "2026-08", "--gross", "3000",
        "--param", "category=manager", "--param", "headcount=20", "--param", "at_rate=0.70",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result == toy_payslip(
        "3000.00", "2026-08", category="manager", headcount=20, at_rate="0.70"
    )
    assert result["gross"] == "3000.00"  # given as 3000, shown in cents
    assert result["params"] == {
        "category": "manager",
        "headcount": 20,
        "at_rate": "0.70",
        "withholding": True,
    }


def test_employer_cost_solves_for_the_gross(run: Run) -> None:
    code, out, _ = run(
        "--country", "ZZ", "--period", "2026-03", "--employer-cost", "2425.00", "--format", "json"
    )
    assert code == 0
    assert json.loads(out) == toy_payslip("2000.00")


def test_text_is_a_readable_payslip(run: Run) -> None:
    code, out, _ = run("--country", "ZZ", "--period", "2026-03", "--gross", "2000.00")
    assert code == 0
    assert out.startswith("Payslip ZZ 2026-03 (EUR)\n")
    assert "Social security" in out and "Training levy" in out
    for label, amount in [("Net pay", "1720.00"), ("Employer cost", "2425.00")]:
        assert any(line.startswith(label) and line.endswith(amount) for line in out.splitlines())


def test_output_file(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "slip.json"
    args = ("--country", "ZZ", "--period", "2026-03", "--gross", "2000.00", "--format", "json")
    code, out, _ = run(*args, "--output", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["net_pay"] == "1720.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX", "--gross", "1"], "unknown country 'XX' (installed: AT, BE, "),
        (["--period", "2024-12", "--gross", "1"], "known from 2025-01-01 to 2026-12-31"),
        (["--period", "2026-13", "--gross", "1"], "not a pay period: 2026-13"),
        (["--period", "March", "--gross", "1"], "a period is written YYYY-MM, not 'March'"),
        (["--gross", "1", "--param", "nope=1"], "unknown param nope (known: at_rate, category,"),
        (
            ["--gross", "1", "--param", "headcount=many"],
            "param headcount: 'many' is not an integer",
        ),
        (["--gross", "1", "--param", "category=boss"], "param category: 'boss' is not one of"),
        (["--gross", "1", "--param", "at_rate=9"], "param at_rate: 9 is above 5.00"),
        (["--gross", "1", "--param", "category"], "--param 'category' is not NAME=VALUE"),
        (["--gross", "1", "--param", "a=1", "--param", "a=2"], "param a is given twice"),
        (["--gross", "12.345"], "gross 12.345 has more decimals than EUR (2)"),
        (["--gross", "-5"], "gross must be a positive amount, not -5"),
        (["--gross", "lots"], "gross must be an amount such as"),
        (["--employer-cost", "0"], "the employer cost must be positive"),
        ([], "give --gross or --employer-cost"),
        (["--gross", "1", "--employer-cost", "2"], "not allowed with argument"),
    ],
)
def test_refusals_are_one_line_and_exit_2(run: Run, args: list[str], message: str) -> None:
    given = ["--country", "ZZ", "--period", "2026-03"]
    given = [
        a
        for i, a in enumerate(given)
        if not ({a, given[i - 1]} & {"--country", "--period"} & set(args))
    ]
    code, out, err = run(*given, *args)
    assert code == 2
    assert out == ""
    assert message in err, err
    assert err.count("\n") == 1 or err.startswith("usage:"), err


class _WithoutPayroll:
    """A country whose plugin has no payroll yet (delegating everything else)."""

    country = "QQ"

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def payroll(self) -> None:
        return None


def test_a_country_without_payroll_is_refused(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from node.cli import payslip

    installed = payslip.installed_jurisdictions()
    monkeypatch.setattr(
        payslip,
        "installed_jurisdictions",
        lambda: {**installed, "QQ": _WithoutPayroll(installed["BE"])},
    )
    code, _out, err = run("--country", "QQ", "--period", "2026-03", "--gross", "1")
    assert code == 2
    assert err == "coopnode: QQ has no payroll computation yet\n"


# -- batches --------------------------------------------------------------------------------


def case(ident: Any, **fields: Any) -> str:
    return json.dumps({"id": ident, "country": "ZZ", "period": "2026-03", **fields})


def test_a_batch_gives_one_line_per_case_in_order(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(
        "\n".join(
            [
                case("a", gross="2000.00"),
                case(2, employer_cost="2425.00", params={}),
                "",
                case("c", gross=2000.5, params={"category": "manager", "at_rate": 0.7}),
            ]
        )
        + "\n"
    )
    code, out, err = run("--batch", str(source))
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2, "c"]
    assert list(lines[0]) == ["id", *toy_payslip("2000.00")]
    assert lines[0] == {"id": "a", **toy_payslip("2000.00")}
    assert lines[1] == {"id": 2, **toy_payslip("2000.00")}
    assert lines[2] == {"id": "c", **toy_payslip("2000.50", category="manager", at_rate="0.7")}


def test_bad_lines_give_an_error_object_each_and_exit_1(run: Run) -> None:
    lines = [
        case(1, gross="2000.00"),
        "{not json",
        "[1, 2]",
        case(4),
        case(5, gross="1", employer_cost="2"),
        case(6, gross="1", country="XX"),
        case(7, gross="1", period="2030-01"),
        case(8, gross="1", params={"headcount": "many"}),
        case(9, gross="1", params=[1]),
        case(10, gross="1", extra=True),
        case(11, gross="1.001"),
        case(12, gross=True),
        case(13, gross="1", period=202603),
        case(14, gross="2000.00"),
    ]
    code, out, err = run("--batch", "-", stdin="\n".join(lines))
    assert (code, err) == (1, "")
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(lines)
    errors = {r["id"]: r["error"] for r in results if "error" in r}
    assert set(errors) == {None, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert [r["id"] for r in results if "error" not in r] == [1, 14]
    assert results[1] == {"id": None, "error": results[1]["error"]}
    assert results[1]["error"].startswith("not a JSON line: ")
    assert results[2]["error"] == "a line must be a JSON object"
    assert errors[4] == errors[5] == "give exactly one of gross and employer_cost"
    assert errors[6].startswith("unknown country 'XX'")
    assert errors[7] == "ZZ payroll law is known from 2025-01-01 to 2026-12-31, not for 2030-01-01"
    assert errors[8] == "param headcount: 'many' is not an integer"
    assert errors[9] == "params must be a JSON object"
    assert errors[10] == "unknown field 'extra'"
    assert errors[11] == "gross 1.001 has more decimals than EUR (2)"
    assert errors[12].startswith("gross must be an amount")
    assert errors[13] == "a period is written YYYY-MM, not 202603"
    assert all("\n" not in message for message in errors.values())


def test_batch_output_file_and_workers_keep_the_order(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    cases = [
        case(i, gross=f"{1500 + i}.{i % 100:02d}", params={"headcount": 1 + i % 15})
        if i % 97
        else case(i, gross="oops")
        for i in range(1234)
    ]
    source.write_text("\n".join(cases) + "\n")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run("--batch", str(source), "--output", str(one)) == (1, "", "")
    assert run("--batch", str(source), "--output", str(two), "--jobs", "2") == (1, "", "")
    assert one.read_text() == two.read_text()
    results = [json.loads(line) for line in one.read_text().splitlines()]
    assert [r["id"] for r in results] == list(range(1234))
    assert sum("error" in r for r in results) == 13


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "ZZ"], "--country does not go with --batch"),
        (["--gross", "1"], "--gross does not go with --batch"),
        (["--param", "a=1"], "--param does not go with --batch"),
        (["--format", "text"], "--batch writes JSON lines"),
        (["--jobs", "-1"], "--jobs is a number of processes (0: one per CPU)"),
    ],
)
def test_batch_usage_errors_exit_2(run: Run, args: list[str], message: str) -> None:
    code, out, err = run("--batch", "-", *args, stdin="")
    assert (code, out) == (2, "")
    assert message in err


def test_an_unreadable_batch_file_exits_2(run: Run, tmp_path: Path) -> None:
    code, _out, err = run("--batch", str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert "No such file or directory" in err and "missing.jsonl" in err


def test_an_empty_batch_is_fine(run: Run) -> None:
    assert run("--batch", "-", "--format", "json", stdin="\n\n") == (0, "", "")


# -- the JSON writer ------------------------------------------------------------------------


def as_dict_json(slip: Payslip, ident: Any) -> str:
    return json.dumps({"id": ident, **slip.as_dict()}, ensure_ascii=False, separators=(",", ":"))


def test_the_fast_json_writer_writes_exactly_as_dict(run: Run) -> None:
    from node.cli.payslip import installed_jurisdictions, payslip_json

    odd = PayslipLine(
        'Quote " backslash \\ é\n\t\u2028',
        "Libellé « spécial » 😀",
        Decimal("12.3"),
        employee_rate=Decimal("1E+1"),
        employee_amount=Decimal("-0.00"),
        sources=("a.b", "é"),
    )
    slips = [
        Payslip(
            "ZZ",
            Period(2026, 1),
            "EUR",
            Decimal("100.00"),
            (odd, PayslipLine("plain", "Plain", Decimal(0))),
            income_tax_withheld=Decimal("1.50"),
            params={"rate": Decimal("0.70"), "n": 3, "flag": False, "none": None, "text": "é"},
            extra={"net_taxable": "91.20", "note": 'with "quotes"'},
        ),
        Payslip("ZZ", Period(2026, 1), "EUR", Decimal(0), ()),
    ]
    for jurisdiction in installed_jurisdictions().values():
        payroll = jurisdiction.payroll()
        if payroll is not None:
            period = max(payroll.law.covers_from, payroll.law.covers_until.replace(day=1))
            unit = Decimal(1).scaleb(-payroll.minor_unit)
            for gross in ("1234.56", "4321.00", "15000.00"):
                amount = Decimal(gross).quantize(unit, ROUND_DOWN)  # HUF: whole forints
                slips.append(payroll.payslip(Period.of(period), amount))
    assert any(line.code == "social_security" for slip in slips for line in slip.lines)  # Toyland
    for slip in slips:
        for ident in ("a", 7, None, ["x", {"y": 1}], "é\n"):
            assert payslip_json(slip, ident) == as_dict_json(slip, ident), slip.country


def test_the_fast_json_writer_leaves_subclasses_to_as_dict() -> None:
    from node.cli.payslip import payslip_json

    class Custom(Payslip):
        def as_dict(self) -> dict[str, Any]:
            return {**super().as_dict(), "custom": True}

    slip = Custom("ZZ", Period(2026, 1), "EUR", Decimal(1), ())
    assert json.loads(payslip_json(slip, 1))["custom"] is True
