"""Every account the node opens has a number in the Belgian PCMN and the French PCG.

The accounts are read from the code itself — every ``AccountSpec(...)`` outside the ledger
package — so an account added later without a number in the charts fails here. Keys built at run
time get an example (``EXAMPLES``); a new kind of expression fails until it has one. Pure tests.
"""

from __future__ import annotations

import ast
import importlib
import re
from datetime import date
from pathlib import Path

import pytest

from plugins.facts import FactsFileError, load_facts
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction

REPO = Path(__file__).resolve().parents[2]
CHARTS = {"be": "PCMN", "fr": "PCG"}
WITHOUT_CHART = ["de", "nl", "es", "it", "at", "se", "hu"]
# Keys computed at run time -> a key they produce (the budget key is ``activity:{id}:budget``).
EXAMPLES = {
    "activity.budget_key": "activity:12:budget",
    "_key(peer, 'payable')": "clearing:https://coop-fr.example:8443:payable",
    "_key(peer, 'receivable')": "clearing:https://coop-fr.example:8443:receivable",
}


def jurisdiction(cc: str) -> Jurisdiction:
    (found,) = importlib.import_module(f"plugins.{cc}").coop_register_jurisdictions()
    return found


def _key_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.arg == "key"), None)


def _example(expression: ast.expr) -> str:
    """The key an ``AccountSpec`` argument stands for (placeholders filled with ``7``)."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return expression.value
    if isinstance(expression, ast.JoinedStr):
        parts = [
            part.value if isinstance(part, ast.Constant) else "7" for part in expression.values
        ]
        return "".join(str(part) for part in parts)
    source = ast.unparse(expression)
    if source not in EXAMPLES:
        pytest.fail(f"add an example key for AccountSpec({source}, …) to EXAMPLES")
    return EXAMPLES[source]


def opened_accounts() -> dict[str, str]:
    """Every account key the node's services open -> where (``path:line``)."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "node").rglob("*.py")):
        if "ledger" in path.relative_to(REPO / "node").parts[:1]:
            continue  # the ledger defines AccountSpec; manual accounts come from requests
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = node.func.id if isinstance(node.func, ast.Name) else name
            argument = _key_argument(node) if name == "AccountSpec" else None
            if argument is not None:
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                found.setdefault(_example(argument), where)
    return found


def test_the_scan_finds_the_accounts_we_know() -> None:
    keys = set(opened_accounts())
    assert {
        "bank",
        "receivables:clients",
        "vat:payable",
        "revenue:contribution",
        "fund:guarantee",
        "activity:12:budget",
        "payouts:pending",
        "clients:credit_balances",
        "clients:unallocated",
        "members:share_capital_receivable",
        "members:shares_to_repay",
        "equity:share_capital:7",
        "clearing:https://coop-fr.example:8443:payable",
        "clearing:https://coop-fr.example:8443:receivable",
        "fx:exchange",
    } <= keys


@pytest.mark.parametrize("cc", sorted(CHARTS))
def test_every_account_the_node_opens_has_a_number(cc: str) -> None:
    j = jurisdiction(cc)
    missing = {
        f"{key} ({where})"
        for key, where in opened_accounts().items()
        if j.chart_account(key) is None
    }
    assert not missing, f"{cc.upper()} {CHARTS[cc]} has no number for: {sorted(missing)}"


@pytest.mark.parametrize(
    ("cc", "key", "number", "auxiliary"),
    [
        ("be", "bank", "550", ""),
        ("be", "receivables:clients", "400", ""),
        ("be", "vat:payable", "451", ""),
        ("be", "revenue:contribution", "700", ""),
        ("be", "payouts:pending", "455", ""),
        ("be", "clients:unallocated", "499", ""),
        ("be", "members:share_capital_receivable", "410", ""),
        ("be", "equity:share_capital:B", "100", ""),
        ("be", "activity:12:budget", "4890", "ACT12"),
        ("fr", "bank", "512", ""),
        ("fr", "receivables:clients", "411", ""),
        ("fr", "vat:payable", "44571", ""),
        ("fr", "revenue:contribution", "706", ""),
        ("fr", "payouts:pending", "421", ""),
        ("fr", "clients:credit_balances", "419", ""),
        ("fr", "clients:unallocated", "471", ""),
        ("fr", "members:share_capital_receivable", "4562", ""),
        ("fr", "members:shares_to_repay", "4567", ""),
        ("fr", "equity:share_capital:A", "1013", ""),
        ("fr", "activity:3:budget", "4671", "ACT3"),
        # ** stands for a node id, colons and all
        ("be", "clearing:https://coop-fr.example:payable", "4401", ""),
        ("be", "clearing:http://127.0.0.1:8000:receivable", "4001", ""),
        ("fr", "clearing:https://coop-be.example:receivable", "4111", ""),
        ("fr", "fx:exchange", "580", ""),
    ],
)
def test_numbers(cc: str, key: str, number: str, auxiliary: str) -> None:
    found = jurisdiction(cc).chart_account(key, date(2026, 1, 1))
    assert found is not None
    assert (found.chart, found.number, found.auxiliary) == (CHARTS[cc], number, auxiliary)
    assert found.label and found.source.startswith("https://") and found.reference


@pytest.mark.parametrize("cc", sorted(CHARTS))
def test_unknown_keys_and_dates_before_the_chart_have_no_number(cc: str) -> None:
    j = jurisdiction(cc)
    assert j.chart_name == CHARTS[cc]
    assert j.chart_account("petty:cash") is None
    assert j.chart_account("activity:12:budget:extra") is None  # * is one segment
    assert j.chart_account("activity::budget") is None
    assert j.chart_account("clearing:payable") is None  # ** is at least one segment
    assert j.chart_account("bank", date(2000, 1, 1)) is None  # before the recorded chart


@pytest.mark.parametrize("cc", WITHOUT_CHART)
def test_countries_without_a_chart_give_no_number(cc: str) -> None:
    j = jurisdiction(cc)
    assert j.chart_name is None
    assert j.chart_account("bank") is None


@pytest.mark.parametrize("cc", sorted(CHARTS))
def test_one_number_one_national_account(cc: str) -> None:
    """Two of our accounts never share a number under different labels (a FEC checker reads
    CompteNum and CompteLib together); a pattern's accounts share theirs on purpose."""
    facts = load_facts(REPO / "plugins" / cc / "facts.toml")
    assert facts.chart is not None
    numbers = [mapping.fact.value for mapping in facts.chart.mappings]
    assert len(numbers) == len(set(numbers))
    for fact in facts.chart_facts():
        assert fact.source.startswith("https://") and fact.reference and fact.note
        assert isinstance(fact.effective, date)


CHART_FILE = """
[country]
code = "BE"
name = "Testland"
currency = "EUR"
languages = ["nl"]

[identifiers.national_id]
name = "INSZ"
stdnum = ["be.ssn"]

[identifiers.company_id]
name = "KBO"
stdnum = ["be.vat"]

[identifiers.vat_number]
name = "btw"
stdnum = ["be.vat"]

[[vat.standard]]
value = 21
effective = 2020-01-01
source = "https://example.org/vat"

[mentions]

[chart]
name = "TC"
title = "Test chart"
effective = 2020-01-01
source = "https://example.org/chart"
reference = "Test chart"
"""


def chart_file(tmp_path: Path, accounts: str) -> Path:
    path = tmp_path / "facts.toml"
    path.write_text(CHART_FILE + accounts, encoding="utf-8")
    return path


def test_mappings_inherit_the_chart_dates_and_exact_keys_win(tmp_path: Path) -> None:
    accounts = """
[[chart.accounts]]
key = "activity:*:budget"
value = "489"
label = "Budgets"
auxiliary = "A"

[[chart.accounts]]
key = "activity:1:budget"
value = "4899"
label = "The first activity"
source = "https://example.org/special"
effective = 2021-01-01
until = 2021-12-31

[[chart.accounts]]
key = "*:*:budget"
value = "488"
label = "Any budget"
"""
    j = FactsJurisdiction(load_facts(chart_file(tmp_path, accounts)))
    special = j.chart_account("activity:1:budget", date(2021, 6, 1))
    assert special is not None
    assert (special.number, special.source, special.auxiliary) == (
        "4899",
        "https://example.org/special",
        "",
    )
    later = j.chart_account("activity:1:budget", date(2022, 1, 1))
    assert later is not None and (later.number, later.auxiliary) == ("489", "A1")
    other = j.chart_account("project:9:budget", date(2022, 1, 1))
    assert other is not None and other.number == "488"
    assert later.source == "https://example.org/chart" and later.reference == "Test chart"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('key = "Bank"\nvalue = "512"\nlabel = "x"', "chart.accounts[0].key"),
        ('key = "bank"\nvalue = 512\nlabel = "x"', "chart.accounts[0].value"),
        ('key = "bank"\nvalue = "05"\nlabel = "x"', "chart.accounts[0].value"),
        ('key = "bank"\nvalue = "512"', "chart.accounts[0].label"),
        ('key = "bank"\nvalue = "512"\nlabel = "x"\nauxiliary = "B"', "auxiliary"),
        ('key = "bank"\nvalue = "512"\nlabel = "x"\ncolour = "red"', "unknown key(s) colour"),
        ('key = "a:**:b:**"\nvalue = "512"\nlabel = "x"', "chart.accounts[0].key"),
        ('key = "bank"\nvalue = "512"\nlabel = "x"\nsource = "http://x"', "https://"),
    ],
)
def test_bad_chart_entries_are_refused(tmp_path: Path, entry: str, problem: str) -> None:
    with pytest.raises(FactsFileError, match=re.escape(problem)):
        load_facts(chart_file(tmp_path, f"\n[[chart.accounts]]\n{entry}\n"))


def test_overlapping_mappings_of_one_key_are_refused(tmp_path: Path) -> None:
    twice = '\n[[chart.accounts]]\nkey = "bank"\nvalue = "512"\nlabel = "x"\n' * 2
    with pytest.raises(FactsFileError, match=re.escape("chart.bank: periods overlap")):
        load_facts(chart_file(tmp_path, twice))


def test_a_chart_without_accounts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactsFileError, match=re.escape("chart.accounts: missing")):
        load_facts(chart_file(tmp_path, ""))
