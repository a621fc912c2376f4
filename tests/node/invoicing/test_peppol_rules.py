"""The Peppol BIS Billing 3.0 business rules hold on every document the node generates.

The rules are OpenPEPPOL's Schematron files (``CEN-EN16931-UBL.sch``, the EN 16931 rules, and
``PEPPOL-EN16931-UBL.sch``) from the shared standards folder. They are XSLT 2 based, which
lxml cannot run, so :class:`Rules` below is a small Schematron evaluator on elementpath's
XPath 2.0: it reads each rule's ``context``, ``let`` variables and ``assert`` ``test``
*verbatim* from the files (and the rule files' own ``xsl:function`` helpers such as
``u:slack`` or ``u:mod97-0208``), applies them with Schematron's first-matching-rule semantics
and reports the asserts that fail. No rule is re-typed here, so a test cannot drift from the
official rule text.

Three kinds of tests:

* every assertion of both files (fatal and warning) holds on every generated document;
* the same on OpenPEPPOL's example documents, which proves the evaluator accepts valid input;
* one test per rule that applies to our documents, named after the rule id: it holds where it
  applies (and it must apply somewhere), it holds on the examples, and it fails on a copy of a
  generated document broken on purpose, which proves the check can fail.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import elementpath
import pytest
from elementpath import XPath2Parser, XPathContext
from lxml import etree

from tests.node.invoicing.test_document import SAMPLES
from tests.node.invoicing.test_ubl_schema import EXAMPLES, NS, sample_xml

SCH = "{http://purl.oclc.org/dsdl/schematron}"
XSL = "{http://www.w3.org/1999/XSL/Transform}"
RULE_FILES = ("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch")


# -- a Schematron evaluator on XPath 2.0 ------------------------------------------------------


@dataclass(frozen=True)
class Assertion:
    id: str
    flag: str
    test: str
    message: str
    pattern: int
    rule: int


@dataclass(frozen=True)
class Rule:
    context: str
    lets: tuple[tuple[str, str], ...]


class Outcome(NamedTuple):
    applied: int  # context nodes the rule fired on
    failures: list[str]  # where the assertion is false


def _lets(element: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple((let.get("name"), let.get("value")) for let in element.findall(f"{SCH}let"))


def _selection(context: str) -> str:
    """An XPath selecting what a Schematron rule context (an XSLT pattern) matches: relative
    alternatives match anywhere, so they become ``//…``."""
    parts, depth, current = [], 0, ""
    for char in context:
        depth += (char in "[(") - (char in "])")
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return " | ".join(p if p.startswith(("/", "(")) else f"//{p}" for p in parts)


class RuleFile:
    """One Schematron file: namespaces, global variables, patterns, assertions, functions."""

    def __init__(self, path: Path) -> None:
        root = etree.parse(str(path)).getroot()
        self.namespaces = {ns.get("prefix"): ns.get("uri") for ns in root.iter(f"{SCH}ns")}
        self.parser = XPath2Parser(namespaces=self.namespaces)
        self.lets = _lets(root)
        self.patterns: list[tuple[tuple[tuple[str, str], ...], list[Rule]]] = []
        self.assertions: dict[str, Assertion] = {}
        self._tokens: dict[str, Any] = {}
        self._blank = elementpath.get_node_tree(etree.Element("blank"))
        for p, pattern in enumerate(root.findall(f"{SCH}pattern")):
            rules = []
            for r, rule in enumerate(pattern.findall(f"{SCH}rule")):
                rules.append(Rule(rule.get("context"), _lets(rule)))
                for test in rule.findall(f"{SCH}assert"):
                    message = " ".join("".join(test.itertext()).split())
                    flag = test.get("flag") or rule.get("flag") or "fatal"
                    assert test.get("id") not in self.assertions, test.get("id")
                    self.assertions[test.get("id")] = Assertion(
                        test.get("id"), flag, test.get("test"), message, p, r
                    )
            self.patterns.append((_lets(pattern), rules))
        for function in root.iter(f"{XSL}function"):
            self._define(function)

    def token(self, expression: str) -> Any:
        if expression not in self._tokens:
            self._tokens[expression] = self.parser.parse(expression)
        return self._tokens[expression]

    def _define(self, function: etree._Element) -> None:
        """Register an ``xsl:function`` made of variables and one result (all but
        ``u:checkSEOrgnr``, which uses ``xsl:choose`` and serves Swedish numbers only)."""
        body = [child for child in function if child.tag != f"{XSL}param"]
        if any(c.tag not in {f"{XSL}variable", f"{XSL}value-of", f"{XSL}sequence"} for c in body):
            return
        params = [param.get("name") for param in function.findall(f"{XSL}param")]

        def call(*args: Any) -> Any:
            variables = dict(zip(params, args, strict=True))
            result = None
            for child in body:
                select = child.get("select")
                if select is None:
                    value: Any = child.text or ""
                else:
                    context = XPathContext(self._blank, variables=variables)
                    value = self.token(select).evaluate(context)
                if child.tag == f"{XSL}variable":
                    variables[child.get("name")] = value
                else:
                    result = value
            return result

        prefix, name = function.get("name").split(":")
        self.parser.external_function(call, name=name, prefix=prefix)


class Run:
    """One rule file applied to one document; rule contexts are matched once per pattern."""

    def __init__(self, rules: RuleFile, document: etree._ElementTree) -> None:
        self.rules = rules
        self.tree = elementpath.get_node_tree(document, namespaces=rules.namespaces)
        self.variables: dict[str, Any] = {}
        for name, value in rules.lets:
            self.variables[name] = self.evaluate(value, self.tree, self.variables)
        self._patterns: dict[int, tuple[dict[str, Any], list[list[Any]]]] = {}

    def evaluate(self, expression: str, item: Any, variables: dict[str, Any]) -> Any:
        context = XPathContext(self.tree, item=item, variables=variables)
        return self.rules.token(expression).evaluate(context)

    def pattern(self, index: int) -> tuple[dict[str, Any], list[list[Any]]]:
        """Variables and, per rule, the nodes it fires on: a node goes to the first rule of the
        pattern whose context matches it, as in Schematron."""
        if index not in self._patterns:
            lets, rules = self.rules.patterns[index]
            variables = dict(self.variables)
            for name, value in lets:
                variables[name] = self.evaluate(value, self.tree, variables)
            claimed: set[int] = set()
            matches = []
            for rule in rules:
                found = self.evaluate(_selection(rule.context), self.tree, variables)
                mine = [
                    n
                    for n in (found if isinstance(found, list) else [found])
                    if id(n) not in claimed
                ]
                claimed.update(id(node) for node in mine)
                matches.append(mine)
            self._patterns[index] = (variables, matches)
        return self._patterns[index]

    def check(self, assertion: Assertion) -> Outcome:
        variables, matches = self.pattern(assertion.pattern)
        rule = self.rules.patterns[assertion.pattern][1][assertion.rule]
        failures = []
        for node in matches[assertion.rule]:
            local = dict(variables)
            for name, value in rule.lets:
                local[name] = self.evaluate(value, node, local)
            if not self.evaluate(f"boolean(({assertion.test}))", node, local):
                failures.append(re.sub(r"Q\{[^}]*\}", "", getattr(node, "path", "?")))
        return Outcome(len(matches[assertion.rule]), failures)


Source = str | etree._ElementTree  # a sample name, an example file name, or a document


class Rules:
    """Both BIS rule files, with evaluations of the unmodified documents cached."""

    def __init__(self, standards: Path) -> None:
        folder = standards / "peppol-bis-billing-3"
        self.examples = folder / "examples"
        self.files = [RuleFile(folder / "rules" / name) for name in RULE_FILES]
        self.index = {a.id: (f, a) for f in self.files for a in f.assertions.values()}
        self._runs: dict[tuple[int, str], Run] = {}

    def tree(self, source: str) -> etree._ElementTree:
        if source in SAMPLES:
            return etree.ElementTree(etree.fromstring(sample_xml(source)))
        return etree.parse(str(self.examples / source))

    def _run(self, rule_file: RuleFile, source: Source) -> Run:
        if not isinstance(source, str):
            return Run(rule_file, source)
        key = (id(rule_file), source)
        if key not in self._runs:
            self._runs[key] = Run(rule_file, self.tree(source))
        return self._runs[key]

    def check(self, rule_id: str, source: Source) -> Outcome:
        rule_file, assertion = self.index[rule_id]
        return self._run(rule_file, source).check(assertion)

    def message(self, rule_id: str) -> str:
        return self.index[rule_id][1].message

    def failures(self, source: Source) -> list[str]:
        """Every assertion of both files that fails (or cannot be evaluated) on ``source``."""
        found = []
        for rule_id, (_, assertion) in self.index.items():
            try:
                failures = self.check(rule_id, source).failures
            except elementpath.ElementPathError as error:
                failures = [f"cannot evaluate: {error}"]
            found += [f"{rule_id} ({assertion.flag}) at {where}" for where in failures]
        return found


@functools.cache
def _rules(standards: Path) -> Rules:
    return Rules(standards)


@pytest.fixture
def rules(standards_dir: Path) -> Rules:
    return _rules(standards_dir)


# -- whole documents --------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_generated_document_passes_every_bis_rule(rules: Rules, name: str) -> None:
    """Every assertion of both rule files, fatal errors and warnings alike, holds."""
    assert rules.failures(name) == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_openpeppol_example_passes_every_bis_rule(rules: Rules, name: str) -> None:
    """The evaluator accepts OpenPEPPOL's own valid documents."""
    assert rules.failures(name) == []


def test_a_broken_document_fails_the_rules_it_breaks(rules: Rules) -> None:
    tree = rules.tree("be_domestic")
    shift(f"{TOTALS}/cbc:PayableAmount", "1")(tree.getroot())
    failed = {failure.split()[0] for failure in rules.failures(tree)}
    assert failed == {"BR-CO-16"}


# -- breaking documents on purpose ------------------------------------------------------------

Breaker = Callable[[etree._Element], None]
SUPPLIER = "/*/cac:AccountingSupplierParty/cac:Party"
CUSTOMER = "/*/cac:AccountingCustomerParty/cac:Party"
TOTALS = "/*/cac:LegalMonetaryTotal"
LINE = "/*/cac:InvoiceLine[1]"
SUBTOTAL = "/*/cac:TaxTotal/cac:TaxSubtotal"
S_SUBTOTAL = f"{SUBTOTAL}[cac:TaxCategory/cbc:ID = 'S'][1]"
AE_SUBTOTAL = f"{SUBTOTAL}[cac:TaxCategory/cbc:ID = 'AE']"
G_SUBTOTAL = f"{SUBTOTAL}[cac:TaxCategory/cbc:ID = 'G']"


def nodes(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path, namespaces=NS)
    assert found, f"nothing at {path}"
    return list(found)


def remove(*paths: str) -> Breaker:
    def breaker(root: etree._Element) -> None:
        for path in paths:
            for node in nodes(root, path):
                node.getparent().remove(node)

    return breaker


def set_text(path: str, value: str) -> Breaker:
    def breaker(root: etree._Element) -> None:
        nodes(root, path)[0].text = value

    return breaker


def shift(path: str, delta: str) -> Breaker:
    """Add ``delta`` to an amount, as a miscalculating generator would."""

    def breaker(root: etree._Element) -> None:
        node = nodes(root, path)[0]
        node.text = f"{Decimal(node.text) + Decimal(delta):.2f}"

    return breaker


def set_attribute(path: str, name: str, value: str | None) -> Breaker:
    def breaker(root: etree._Element) -> None:
        node = nodes(root, path)[0]
        if value is None:
            del node.attrib[name]
        else:
            node.set(name, value)

    return breaker


def duplicate(path: str) -> Breaker:
    def breaker(root: etree._Element) -> None:
        node = nodes(root, path)[0]
        node.addnext(copy.deepcopy(node))

    return breaker


def insert_after(path: str, xml: str) -> Breaker:
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())

    def breaker(root: etree._Element) -> None:
        fragment = etree.fromstring(f"<wrap {declarations}>{xml}</wrap>")
        anchor = nodes(root, path)[0]
        for child in reversed(list(fragment)):
            anchor.addnext(child)

    return breaker


def both(*breakers: Breaker) -> Breaker:
    def breaker(root: etree._Element) -> None:
        for each in breakers:
            each(root)

    return breaker


ALL = tuple(SAMPLES)
INVOICES = tuple(name for name in SAMPLES if name != "be_credit_note")
STANDARD_RATED = (
    "be_domestic",
    "be_multi_rate",
    "fr_domestic",
    "be_credit_note",
    "hu_huf",
    "de_domestic_2020",
)
REVERSE_CHARGE = ("be_de_reverse_charge",)
EXPORT = ("be_ch_export",)
CREDIT_NOTE = ("be_credit_note",)
WITH_NOTE = ("fr_domestic", "be_de_reverse_charge", "be_ch_export")
BELGIAN = ("be_domestic", "be_multi_rate", "be_de_reverse_charge", "be_ch_export", "be_credit_note")
GERMAN_DOMESTIC = ("de_domestic_2020",)


def by_rule(rows: list[tuple[Any, ...]]) -> list[Any]:
    """Parametrised cases named after their rule id (``test_…[BR-CO-15]``)."""
    return [pytest.param(*row, id=row[0]) for row in rows]


def verify(
    rules: Rules, rule_id: str, samples: Sequence[str], breaker: Breaker, *, fires: bool = True
) -> None:
    """``rule_id`` applies to and holds on ``samples``, holds on OpenPEPPOL's examples, and
    fails on ``samples[0]`` once ``breaker`` has damaged it. ``fires=False`` is for rules whose
    context is itself the fault (an empty element), which match nothing in a valid document."""
    applied = 0
    for name in samples:
        outcome = rules.check(rule_id, name)
        assert not outcome.failures, f"{name}: {rules.message(rule_id)} at {outcome.failures}"
        applied += outcome.applied
    assert applied or not fires, f"{rule_id} never fires on {samples}"
    for name in EXAMPLES:
        assert not rules.check(rule_id, name).failures, f"{rule_id} fails on example {name}"
    broken = rules.tree(samples[0])
    breaker(broken.getroot())
    assert rules.check(rule_id, broken).failures, f"{rule_id} did not catch the broken document"


# -- EN 16931 core rules (CEN-EN16931-UBL.sch) --------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "breaker"),
    by_rule(
        [
            ("BR-01", remove("/*/cbc:CustomizationID")),
            ("BR-02", set_text("/*/cbc:ID", " ")),
            ("BR-03", remove("/*/cbc:IssueDate")),
            ("BR-04", remove("/*/cbc:InvoiceTypeCode")),
            ("BR-05", remove("/*/cbc:DocumentCurrencyCode")),
            ("BR-06", remove(f"{SUPPLIER}/cac:PartyLegalEntity/cbc:RegistrationName")),
            ("BR-07", remove(f"{CUSTOMER}/cac:PartyLegalEntity/cbc:RegistrationName")),
            ("BR-08", remove(f"{SUPPLIER}/cac:PostalAddress")),
            ("BR-10", remove(f"{CUSTOMER}/cac:PostalAddress")),
            ("BR-16", remove("/*/cac:InvoiceLine")),
        ]
    ),
)
def test_BR_01_to_BR_16_document_level_mandatory_fields(
    rules: Rules, rule_id: str, breaker: Breaker
) -> None:
    """BR-01 specification identifier (BT-24), BR-02 invoice number (BT-1), BR-03 issue date
    (BT-2), BR-04 type code (BT-3), BR-05 currency (BT-5), BR-06 seller name (BT-27), BR-07
    buyer name (BT-44), BR-08 seller postal address (BG-5), BR-10 buyer postal address (BG-8),
    BR-16 at least one line (BG-25)."""
    verify(rules, rule_id, ALL, breaker)


def test_BR_09_seller_country_code(rules: Rules) -> None:
    """BR-09: The Seller postal address (BG-5) shall contain a Seller country code (BT-40)."""
    verify(rules, "BR-09", ALL, remove(f"{SUPPLIER}/cac:PostalAddress/cac:Country"))


def test_BR_11_buyer_country_code(rules: Rules) -> None:
    """BR-11: The Buyer postal address shall contain a Buyer country code (BT-55)."""
    verify(rules, "BR-11", ALL, remove(f"{CUSTOMER}/cac:PostalAddress/cac:Country"))


@pytest.mark.parametrize(
    ("rule_id", "element"),
    by_rule(
        [
            ("BR-12", "LineExtensionAmount"),
            ("BR-13", "TaxExclusiveAmount"),
            ("BR-14", "TaxInclusiveAmount"),
            ("BR-15", "PayableAmount"),
        ]
    ),
)
def test_BR_12_to_BR_15_document_totals_present(rules: Rules, rule_id: str, element: str) -> None:
    """BR-12 sum of line net amounts (BT-106), BR-13 total without VAT (BT-109), BR-14 total
    with VAT (BT-112), BR-15 amount due for payment (BT-115) shall be present."""
    verify(rules, rule_id, ALL, remove(f"{TOTALS}/cbc:{element}"))


@pytest.mark.parametrize(
    ("rule_id", "breaker"),
    by_rule(
        [
            ("BR-21", set_text(f"{LINE}/cbc:ID", " ")),
            ("BR-22", remove(f"{LINE}/cbc:InvoicedQuantity")),
            ("BR-23", set_attribute(f"{LINE}/cbc:InvoicedQuantity", "unitCode", None)),
            ("BR-24", remove(f"{LINE}/cbc:LineExtensionAmount")),
            ("BR-25", remove(f"{LINE}/cac:Item/cbc:Name")),
            ("BR-26", remove(f"{LINE}/cac:Price")),
            ("BR-27", set_text(f"{LINE}/cac:Price/cbc:PriceAmount", "-85")),
            ("BR-CO-04", remove(f"{LINE}/cac:Item/cac:ClassifiedTaxCategory")),
        ]
    ),
)
def test_BR_21_to_BR_27_and_BR_CO_04_line_fields(
    rules: Rules, rule_id: str, breaker: Breaker
) -> None:
    """Each line has an id (BR-21), a quantity (BR-22) with a unit (BR-23), a net amount
    (BR-24), an item name (BR-25), a net price (BR-26) that is not negative (BR-27) and a VAT
    category (BR-CO-04)."""
    verify(rules, rule_id, ALL, breaker)


def test_BR_CO_09_vat_identifier_country_prefix(rules: Rules) -> None:
    """BR-CO-09: The Seller VAT identifier (BT-31) … and the Buyer VAT identifier (BT-48) shall
    have a prefix in accordance with ISO 3166-1 alpha-2 (Greece may use EL)."""
    verify(
        rules,
        "BR-CO-09",
        ALL,
        set_text(f"{SUPPLIER}/cac:PartyTaxScheme/cbc:CompanyID", "XX0403019261"),
    )


def test_BR_CO_10_sum_of_line_net_amounts(rules: Rules) -> None:
    """BR-CO-10: Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131)."""
    verify(rules, "BR-CO-10", ALL, shift(f"{TOTALS}/cbc:LineExtensionAmount", "0.01"))


def test_BR_CO_13_invoice_total_without_vat(rules: Rules) -> None:
    """BR-CO-13: Invoice total amount without VAT (BT-109) = Σ line net amounts (BT-131) -
    allowances on document level (BT-107) + charges on document level (BT-108)."""
    verify(rules, "BR-CO-13", ALL, shift(f"{TOTALS}/cbc:TaxExclusiveAmount", "0.01"))


def test_BR_CO_14_invoice_total_vat(rules: Rules) -> None:
    """BR-CO-14: Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117)."""
    verify(rules, "BR-CO-14", ALL, shift("/*/cac:TaxTotal/cbc:TaxAmount", "0.01"))


def test_BR_CO_15_invoice_total_with_vat(rules: Rules) -> None:
    """BR-CO-15: Invoice total amount with VAT (BT-112) = Invoice total amount without VAT
    (BT-109) + Invoice total VAT amount (BT-110)."""
    verify(rules, "BR-CO-15", ALL, shift(f"{TOTALS}/cbc:TaxInclusiveAmount", "0.01"))


def test_BR_CO_16_amount_due_for_payment(rules: Rules) -> None:
    """BR-CO-16: Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) -
    Paid amount (BT-113) + Rounding amount (BT-114)."""
    verify(rules, "BR-CO-16", ALL, shift(f"{TOTALS}/cbc:PayableAmount", "-0.01"))


def test_BR_CO_17_vat_category_tax_amount(rules: Rules) -> None:
    """BR-CO-17: VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x
    (VAT category rate (BT-119) / 100), rounded to two decimals. The official test tolerates
    ±1; the exact, stricter equality is asserted by test_vat_is_rounded_once_per_category."""
    verify(rules, "BR-CO-17", ALL, shift(f"{SUBTOTAL}[1]/cbc:TaxAmount", "5"))


def test_BR_CO_18_at_least_one_vat_breakdown(rules: Rules) -> None:
    """BR-CO-18: An Invoice shall at least have one VAT breakdown group (BG-23)."""
    verify(rules, "BR-CO-18", ALL, remove(SUBTOTAL))


def test_BR_CO_25_due_date_or_payment_terms(rules: Rules) -> None:
    """BR-CO-25: In case the Amount due for payment (BT-115) is positive, either the Payment due
    date (BT-9) or the Payment terms (BT-20) shall be present."""
    verify(rules, "BR-CO-25", INVOICES, remove("/*/cbc:DueDate"))


def test_BR_CO_26_seller_identifier(rules: Rules) -> None:
    """BR-CO-26: the Seller identifier (BT-29), legal registration identifier (BT-30) and/or
    VAT identifier (BT-31) shall be present."""
    breaker = remove(
        f"{SUPPLIER}/cac:PartyTaxScheme", f"{SUPPLIER}/cac:PartyLegalEntity/cbc:CompanyID"
    )
    verify(rules, "BR-CO-26", ALL, breaker)


@pytest.mark.parametrize(
    ("rule_id", "breaker"),
    by_rule(
        [
            ("BR-45", remove(f"{SUBTOTAL}[1]/cbc:TaxableAmount")),
            ("BR-46", remove(f"{SUBTOTAL}[1]/cbc:TaxAmount")),
            ("BR-47", remove(f"{SUBTOTAL}[1]/cac:TaxCategory/cbc:ID")),
            ("BR-48", remove(f"{SUBTOTAL}[1]/cac:TaxCategory/cbc:Percent")),
        ]
    ),
)
def test_BR_45_to_BR_48_vat_breakdown_fields(rules: Rules, rule_id: str, breaker: Breaker) -> None:
    """Each VAT breakdown has a taxable amount (BR-45), a tax amount (BR-46), a category code
    (BR-47) and a rate unless not subject to VAT (BR-48)."""
    verify(rules, rule_id, ALL, breaker)


def test_BR_49_payment_means_type_code(rules: Rules) -> None:
    """BR-49: A Payment instruction (BG-16) shall specify the Payment means type code (BT-81)."""
    verify(rules, "BR-49", INVOICES, remove("/*/cac:PaymentMeans/cbc:PaymentMeansCode"))


def test_BR_50_payment_account_identifier(rules: Rules) -> None:
    """BR-50: A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17)
    information is provided in the Invoice."""
    verify(
        rules,
        "BR-50",
        INVOICES,
        set_text("/*/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", " "),
    )


def test_BR_55_preceding_invoice_reference(rules: Rules) -> None:
    """BR-55: Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice
    reference (BT-25)."""
    verify(
        rules,
        "BR-55",
        CREDIT_NOTE,
        remove("/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
    )


def test_BR_61_payment_account_for_credit_transfer(rules: Rules) -> None:
    """BR-61: If the Payment means type code (BT-81) means SEPA credit transfer, Local credit
    transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84)
    shall be present."""
    verify(rules, "BR-61", INVOICES, remove("/*/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"))


def test_BR_62_seller_electronic_address_scheme(rules: Rules) -> None:
    """BR-62: The Seller electronic address (BT-34) shall have a Scheme identifier."""
    verify(rules, "BR-62", ALL, set_attribute(f"{SUPPLIER}/cbc:EndpointID", "schemeID", None))


def test_BR_63_buyer_electronic_address_scheme(rules: Rules) -> None:
    """BR-63: The Buyer electronic address (BT-49) shall have a Scheme identifier."""
    verify(rules, "BR-63", ALL, set_attribute(f"{CUSTOMER}/cbc:EndpointID", "schemeID", None))


# -- VAT categories: standard rated (S) ----------------------------------------------------------


def test_BR_S_02_seller_vat_identifier(rules: Rules) -> None:
    """BR-S-02: An Invoice with a line "Standard rated" shall contain the Seller VAT Identifier
    (BT-31), the Seller tax registration identifier (BT-32) and/or the Seller tax
    representative VAT identifier (BT-63)."""
    verify(rules, "BR-S-02", STANDARD_RATED, remove(f"{SUPPLIER}/cac:PartyTaxScheme"))


def test_BR_S_05_standard_line_rate_above_zero(rules: Rules) -> None:
    """BR-S-05: In an Invoice line where the VAT category code is "Standard rated" the
    Invoiced item VAT rate (BT-152) shall be greater than zero."""
    verify(
        rules,
        "BR-S-05",
        STANDARD_RATED,
        set_text(f"{LINE}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "0"),
    )


def test_BR_S_08_standard_taxable_amount_per_rate(rules: Rules) -> None:
    """BR-S-08: For each different value of VAT category rate (BT-119) where the VAT category
    code is "Standard rated", the taxable amount (BT-116) shall equal the sum of the line net
    amounts (± allowances and charges) with that code and rate."""
    verify(rules, "BR-S-08", STANDARD_RATED, shift(f"{S_SUBTOTAL}/cbc:TaxableAmount", "5"))


def test_BR_S_09_standard_tax_amount(rules: Rules) -> None:
    """BR-S-09: The VAT category tax amount (BT-117) where the code is "Standard rated" shall
    equal the taxable amount (BT-116) multiplied by the rate (BT-119)."""
    verify(rules, "BR-S-09", STANDARD_RATED, shift(f"{S_SUBTOTAL}/cbc:TaxAmount", "5"))


def test_BR_S_10_standard_has_no_exemption_reason(rules: Rules) -> None:
    """BR-S-10: A VAT breakdown with VAT Category code "Standard rate" shall not have a VAT
    exemption reason code (BT-121) or VAT exemption reason text (BT-120)."""
    reason = "<cbc:TaxExemptionReason>Exempt</cbc:TaxExemptionReason>"
    verify(
        rules,
        "BR-S-10",
        STANDARD_RATED,
        insert_after(f"{S_SUBTOTAL}/cac:TaxCategory/cbc:Percent", reason),
    )


# -- VAT categories: reverse charge (AE) ---------------------------------------------------------


def test_BR_AE_01_one_reverse_charge_breakdown(rules: Rules) -> None:
    """BR-AE-01: An Invoice with a line, allowance or charge "Reverse charge" shall contain in
    the VAT Breakdown (BG-23) exactly one VAT category code (BT-118) "VAT reverse charge"."""
    verify(rules, "BR-AE-01", REVERSE_CHARGE, duplicate(AE_SUBTOTAL))


def test_BR_AE_02_seller_and_buyer_vat_identifiers(rules: Rules) -> None:
    """BR-AE-02: An Invoice with a line "Reverse charge" shall contain the Seller VAT
    Identifier (BT-31) … and the Buyer VAT identifier (BT-48) and/or the Buyer legal
    registration identifier (BT-47)."""
    verify(rules, "BR-AE-02", REVERSE_CHARGE, remove(f"{CUSTOMER}/cac:PartyTaxScheme"))


def test_BR_AE_03_reverse_charge_allowance_needs_vat_identifiers(rules: Rules) -> None:
    """BR-AE-03: An Invoice with a document level allowance "Reverse charge" shall contain the
    seller's and the buyer's VAT identifiers. The node issues no document-level allowances, so
    the rule holds by absence; the broken copy adds one and drops the buyer's VAT number."""
    allowance = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        "<cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>"
        '<cbc:Amount currencyID="EUR">10.00</cbc:Amount><cac:TaxCategory><cbc:ID>AE</cbc:ID>'
        "<cbc:Percent>0</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:TaxCategory></cac:AllowanceCharge>"
    )
    breaker = both(
        insert_after("/*/cac:PaymentMeans", allowance), remove(f"{CUSTOMER}/cac:PartyTaxScheme")
    )
    verify(rules, "BR-AE-03", REVERSE_CHARGE, breaker)


def test_BR_AE_05_reverse_charge_line_rate_zero(rules: Rules) -> None:
    """BR-AE-05: In an Invoice line where the VAT category code is "Reverse charge" the
    Invoiced item VAT rate (BT-152) shall be 0 (zero)."""
    verify(
        rules,
        "BR-AE-05",
        REVERSE_CHARGE,
        set_text(f"{LINE}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "21"),
    )


def test_BR_AE_08_reverse_charge_taxable_amount(rules: Rules) -> None:
    """BR-AE-08: In a VAT breakdown where the code is "Reverse charge" the taxable amount
    (BT-116) shall equal the sum of the reverse-charge line net amounts (± allowances and
    charges)."""
    verify(rules, "BR-AE-08", REVERSE_CHARGE, shift(f"{AE_SUBTOTAL}/cbc:TaxableAmount", "0.01"))


def test_BR_AE_09_reverse_charge_tax_amount_zero(rules: Rules) -> None:
    """BR-AE-09: The VAT category tax amount (BT-117) in a "Reverse charge" breakdown shall be
    0 (zero)."""
    verify(rules, "BR-AE-09", REVERSE_CHARGE, set_text(f"{AE_SUBTOTAL}/cbc:TaxAmount", "1.00"))


def test_BR_AE_10_reverse_charge_exemption_reason(rules: Rules) -> None:
    """BR-AE-10: A VAT breakdown with VAT Category code "Reverse charge" shall have a VAT
    exemption reason code (BT-121) meaning "Reverse charge" or the VAT exemption reason text
    (BT-120) "Reverse charge" (or the equivalent standard text in another language)."""
    category = f"{AE_SUBTOTAL}/cac:TaxCategory"
    breaker = remove(f"{category}/cbc:TaxExemptionReason", f"{category}/cbc:TaxExemptionReasonCode")
    verify(rules, "BR-AE-10", REVERSE_CHARGE, breaker)


# -- VAT categories: export outside the EU (G) ---------------------------------------------------


def test_BR_G_01_one_export_breakdown(rules: Rules) -> None:
    """BR-G-01: An Invoice with a line "Export outside the EU" shall contain in the VAT
    breakdown exactly one VAT category code (BT-118) equal with "Export outside the EU"."""
    verify(rules, "BR-G-01", EXPORT, duplicate(G_SUBTOTAL))


def test_BR_G_02_seller_vat_identifier(rules: Rules) -> None:
    """BR-G-02: An Invoice with a line "Export outside the EU" shall contain the Seller VAT
    Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63)."""
    verify(rules, "BR-G-02", EXPORT, remove(f"{SUPPLIER}/cac:PartyTaxScheme"))


def test_BR_G_05_export_line_rate_zero(rules: Rules) -> None:
    """BR-G-05: In an Invoice line where the code is "Export outside the EU" the Invoiced item
    VAT rate (BT-152) shall be 0 (zero)."""
    verify(
        rules,
        "BR-G-05",
        EXPORT,
        set_text(f"{LINE}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "21"),
    )


def test_BR_G_08_export_taxable_amount(rules: Rules) -> None:
    """BR-G-08: In a VAT breakdown where the code is "Export outside the EU" the taxable amount
    (BT-116) shall equal the sum of the export line net amounts (± allowances and charges)."""
    verify(rules, "BR-G-08", EXPORT, shift(f"{G_SUBTOTAL}/cbc:TaxableAmount", "0.01"))


def test_BR_G_09_export_tax_amount_zero(rules: Rules) -> None:
    """BR-G-09: The VAT category tax amount (BT-117) in an "Export outside the EU" breakdown
    shall be 0 (zero)."""
    verify(rules, "BR-G-09", EXPORT, set_text(f"{G_SUBTOTAL}/cbc:TaxAmount", "1.00"))


def test_BR_G_10_export_exemption_reason(rules: Rules) -> None:
    """BR-G-10: A VAT breakdown with the VAT Category code "Export outside the EU" shall have a
    VAT exemption reason code (BT-121) or reason text (BT-120)."""
    category = f"{G_SUBTOTAL}/cac:TaxCategory"
    breaker = remove(f"{category}/cbc:TaxExemptionReason", f"{category}/cbc:TaxExemptionReasonCode")
    verify(rules, "BR-G-10", EXPORT, breaker)


# -- decimals and code lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "path"),
    by_rule(
        [
            ("BR-DEC-09", f"{TOTALS}/cbc:LineExtensionAmount"),
            ("BR-DEC-12", f"{TOTALS}/cbc:TaxExclusiveAmount"),
            ("BR-DEC-14", f"{TOTALS}/cbc:TaxInclusiveAmount"),
            ("BR-DEC-18", f"{TOTALS}/cbc:PayableAmount"),
            ("BR-DEC-19", f"{SUBTOTAL}[1]/cbc:TaxableAmount"),
            ("BR-DEC-20", f"{SUBTOTAL}[1]/cbc:TaxAmount"),
            ("BR-DEC-23", f"{LINE}/cbc:LineExtensionAmount"),
            ("UBL-DT-01", "/*/cac:TaxTotal/cbc:TaxAmount"),
        ]
    ),
)
def test_BR_DEC_amounts_have_at_most_two_decimals(rules: Rules, rule_id: str, path: str) -> None:
    """BR-DEC-09/12/14/18/19/20/23 and UBL-DT-01: the allowed maximum number of decimals of the
    totals, VAT breakdown amounts and line net amounts is 2."""
    verify(rules, rule_id, ALL, set_text(path, "1.005"))


@pytest.mark.parametrize(
    ("rule_id", "samples", "breaker"),
    by_rule(
        [
            ("BR-CL-01", ALL, set_text("/*/cbc:InvoiceTypeCode", "999")),
            ("BR-CL-03", ALL, set_attribute(f"{TOTALS}/cbc:PayableAmount", "currencyID", "EURO")),
            ("BR-CL-04", ALL, set_text("/*/cbc:DocumentCurrencyCode", "EURO")),
            (
                "BR-CL-11",
                BELGIAN,
                set_attribute(f"{SUPPLIER}/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", "0092"),
            ),
            (
                "BR-CL-14",
                ALL,
                set_text(f"{CUSTOMER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "UK"),
            ),
            ("BR-CL-16", INVOICES, set_text("/*/cac:PaymentMeans/cbc:PaymentMeansCode", "99")),
            ("BR-CL-17", ALL, set_text(f"{SUBTOTAL}[1]/cac:TaxCategory/cbc:ID", "VAT")),
            ("BR-CL-18", ALL, set_text(f"{LINE}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "R")),
            (
                "BR-CL-22",
                REVERSE_CHARGE + EXPORT,
                set_text(
                    f"{SUBTOTAL}[1]/cac:TaxCategory/cbc:TaxExemptionReasonCode", "VATEX-EU-RC"
                ),
            ),
            ("BR-CL-23", ALL, set_attribute(f"{LINE}/cbc:InvoicedQuantity", "unitCode", "hours")),
            ("BR-CL-25", ALL, set_attribute(f"{SUPPLIER}/cbc:EndpointID", "schemeID", "BE:EN")),
        ]
    ),
)
def test_BR_CL_code_lists(
    rules: Rules, rule_id: str, samples: Sequence[str], breaker: Breaker
) -> None:
    """The code lists the node emits: UNTDID 1001 document types (BR-CL-01), ISO 4217
    currencies (BR-CL-03, BR-CL-04), ISO 6523 ICD legal-id schemes (BR-CL-11), ISO 3166
    countries (BR-CL-14), UNCL4461 payment means (BR-CL-16), UNCL5305 VAT categories
    (BR-CL-17, BR-CL-18), VATEX exemption reasons (BR-CL-22), UN/ECE rec. 20/21 units
    (BR-CL-23) and the EAS electronic address schemes (BR-CL-25)."""
    verify(rules, rule_id, samples, breaker)


# -- Peppol rules (PEPPOL-EN16931-UBL.sch) --------------------------------------------------------


def test_PEPPOL_EN16931_R001_business_process(rules: Rules) -> None:
    """PEPPOL-EN16931-R001: Business process MUST be provided."""
    verify(rules, "PEPPOL-EN16931-R001", ALL, remove("/*/cbc:ProfileID"))


def test_PEPPOL_EN16931_R002_one_note(rules: Rules) -> None:
    """PEPPOL-EN16931-R002: No more than one note is allowed on document level, unless both the
    buyer and seller are German organizations."""
    verify(rules, "PEPPOL-EN16931-R002", WITH_NOTE, duplicate("/*/cbc:Note"))


def test_PEPPOL_EN16931_R003_buyer_reference(rules: Rules) -> None:
    """PEPPOL-EN16931-R003: A buyer reference or purchase order reference MUST be provided."""
    verify(rules, "PEPPOL-EN16931-R003", ALL, remove("/*/cbc:BuyerReference"))


def test_PEPPOL_EN16931_R004_specification_identifier(rules: Rules) -> None:
    """PEPPOL-EN16931-R004: Specification identifier MUST have the value
    'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'."""
    verify(
        rules,
        "PEPPOL-EN16931-R004",
        ALL,
        set_text("/*/cbc:CustomizationID", "urn:cen.eu:en16931:2017"),
    )


def test_PEPPOL_EN16931_R007_business_process_format(rules: Rules) -> None:
    """PEPPOL-EN16931-R007: Business process MUST be in the format
    'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0'."""
    verify(rules, "PEPPOL-EN16931-R007", ALL, set_text("/*/cbc:ProfileID", "billing"))


def test_PEPPOL_EN16931_R008_no_empty_elements(rules: Rules) -> None:
    """PEPPOL-EN16931-R008: Document MUST not contain empty elements."""
    empty = insert_after("/*/cbc:DocumentCurrencyCode", "<cbc:AccountingCost/>")
    verify(rules, "PEPPOL-EN16931-R008", ALL, empty, fires=False)


def test_PEPPOL_EN16931_R010_buyer_electronic_address(rules: Rules) -> None:
    """PEPPOL-EN16931-R010: Buyer electronic address MUST be provided."""
    verify(rules, "PEPPOL-EN16931-R010", ALL, remove(f"{CUSTOMER}/cbc:EndpointID"))


def test_PEPPOL_EN16931_R020_seller_electronic_address(rules: Rules) -> None:
    """PEPPOL-EN16931-R020: Seller electronic address MUST be provided."""
    verify(rules, "PEPPOL-EN16931-R020", ALL, remove(f"{SUPPLIER}/cbc:EndpointID"))


def test_PEPPOL_EN16931_R051_one_currency(rules: Rules) -> None:
    """PEPPOL-EN16931-R051: All currencyID attributes must have the same value as the invoice
    currency code (BT-5), except for the invoice total VAT amount in accounting currency."""
    verify(
        rules,
        "PEPPOL-EN16931-R051",
        ALL,
        set_attribute(f"{LINE}/cbc:LineExtensionAmount", "currencyID", "USD"),
    )


def test_PEPPOL_EN16931_R053_one_tax_total_with_subtotals(rules: Rules) -> None:
    """PEPPOL-EN16931-R053: Only one tax total with tax subtotals MUST be provided."""
    verify(rules, "PEPPOL-EN16931-R053", ALL, duplicate("/*/cac:TaxTotal"))


def test_PEPPOL_EN16931_R054_no_tax_total_without_subtotals(rules: Rules) -> None:
    """PEPPOL-EN16931-R054: Only one tax total without tax subtotals MUST be provided when tax
    currency code is provided (and none otherwise)."""
    extra = '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount></cac:TaxTotal>'
    verify(rules, "PEPPOL-EN16931-R054", ALL, insert_after("/*/cac:TaxTotal", extra))


def test_PEPPOL_EN16931_R120_line_net_is_quantity_times_price(rules: Rules) -> None:
    """PEPPOL-EN16931-R120: Invoice line net amount MUST equal (Invoiced quantity * (Item net
    price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line
    allowance amount (within 0.02, the rule file's own ``u:slack``)."""
    verify(
        rules, "PEPPOL-EN16931-R120", ALL, set_text(f"{LINE}/cac:Price/cbc:PriceAmount", "84.99")
    )


def test_PEPPOL_EN16931_P0100_invoice_type_code(rules: Rules) -> None:
    """PEPPOL-EN16931-P0100: Invoice type code MUST be set according to the profile."""
    verify(rules, "PEPPOL-EN16931-P0100", INVOICES, set_text("/*/cbc:InvoiceTypeCode", "381"))


def test_PEPPOL_EN16931_P0101_credit_note_type_code(rules: Rules) -> None:
    """PEPPOL-EN16931-P0101: Credit note type code MUST be set according to the profile."""
    verify(rules, "PEPPOL-EN16931-P0101", CREDIT_NOTE, set_text("/*/cbc:CreditNoteTypeCode", "380"))


def test_PEPPOL_EN16931_P0104_and_P0107_exemption_codes_match_categories(rules: Rules) -> None:
    """PEPPOL-EN16931-P0104: Tax Category G MUST be used when exemption reason code is
    VATEX-EU-G. PEPPOL-EN16931-P0107: Tax Category AE MUST be used when exemption reason code
    is VATEX-EU-AE."""
    verify(
        rules, "PEPPOL-EN16931-P0104", EXPORT, set_text(f"{G_SUBTOTAL}/cac:TaxCategory/cbc:ID", "E")
    )
    verify(
        rules,
        "PEPPOL-EN16931-P0107",
        REVERSE_CHARGE,
        set_text(f"{AE_SUBTOTAL}/cac:TaxCategory/cbc:ID", "E"),
    )


def test_PEPPOL_EN16931_F001_date_format(rules: Rules) -> None:
    """PEPPOL-EN16931-F001: A date MUST be formatted YYYY-MM-DD."""
    verify(rules, "PEPPOL-EN16931-F001", ALL, set_text("/*/cbc:IssueDate", "2026-3-2"))


def test_PEPPOL_EN16931_CL007_currency_code(rules: Rules) -> None:
    """PEPPOL-EN16931-CL007: Currency code must be according to ISO 4217:2005."""
    verify(
        rules,
        "PEPPOL-EN16931-CL007",
        ALL,
        set_attribute(f"{TOTALS}/cbc:PayableAmount", "currencyID", "EURO"),
    )


def test_PEPPOL_EN16931_CL008_electronic_address_scheme(rules: Rules) -> None:
    """PEPPOL-EN16931-CL008: Electronic address identifier scheme must be from the codelist
    "Electronic Address Identifier Scheme" (Peppol's subset: e-mail, ``EM``, is not in it)."""
    verify(
        rules,
        "PEPPOL-EN16931-CL008",
        ALL,
        set_attribute(f"{CUSTOMER}/cbc:EndpointID", "schemeID", "EM"),
    )


def test_PEPPOL_COMMON_R043_belgian_enterprise_number(rules: Rules) -> None:
    """PEPPOL-COMMON-R043: Belgian enterprise number MUST be stated in the correct format
    (ten digits, mod 97 check, the rule file's own ``u:mod97-0208``)."""
    verify(
        rules, "PEPPOL-COMMON-R043", BELGIAN, set_text(f"{SUPPLIER}/cbc:EndpointID", "0403019262")
    )


# -- German XRechnung rules, for invoices between German parties ---------------------------------


@pytest.mark.parametrize(
    ("rule_id", "breaker"),
    by_rule(
        [
            ("DE-R-001", remove("/*/cac:PaymentMeans")),
            ("DE-R-002", remove(f"{SUPPLIER}/cac:Contact")),
            ("DE-R-005", remove(f"{SUPPLIER}/cac:Contact/cbc:Name")),
            ("DE-R-006", remove(f"{SUPPLIER}/cac:Contact/cbc:Telephone")),
            ("DE-R-007", remove(f"{SUPPLIER}/cac:Contact/cbc:ElectronicMail")),
            ("DE-R-015", remove("/*/cbc:BuyerReference")),
            ("DE-R-016", remove(f"{SUPPLIER}/cac:PartyTaxScheme")),
        ]
    ),
)
def test_DE_R_german_domestic_invoice(rules: Rules, rule_id: str, breaker: Breaker) -> None:
    """DE-R-001 payment instructions, DE-R-002 seller contact, DE-R-005/006/007 its name,
    telephone and e-mail, DE-R-015 buyer reference, DE-R-016 seller VAT identifier: the
    XRechnung rules BIS applies when seller and buyer are both German."""
    verify(rules, rule_id, GERMAN_DOMESTIC, breaker)
