"""``coopnode payslip``: payslips from a country's payroll law, one at a time or in batches.

Pure computation: no configuration file and no database are needed, only the jurisdictions of
the installed plugins (plus the configuration's ``plugins.modules`` when a configuration loads)::

    coopnode payslip --country FR --period 2026-03 --gross 2500.00 \\
        --param category=cadre --param headcount=20 --param at_rate=0.70 --format json
    coopnode payslip --country FR --period 2026-03 --employer-cost 3600.00   # solves the gross
    coopnode payslip --batch cases.jsonl --output results.jsonl --jobs 2

The result is :meth:`plugins.payroll.model.Payslip.as_dict` (amounts as decimal strings). A batch
line is ``{"id", "country", "period", "gross" | "employer_cost", "params"}``; each gives one
output line, in input order: the result with its ``id`` first, or ``{"id", "error"}`` with a
one-line message. Exit codes: 0 done; 1 some batch line failed; 2 a usage error, an unknown
country, a period outside the country's law or bad params (single payslip).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from node.cli.context import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail
from node.errors import ConfigError
from node.extensions import Command
from plugins.payroll.model import (
    ZERO,
    PayrollError,
    PayrollNotSupported,
    Payslip,
    PayslipLine,
    Period,
)

if TYPE_CHECKING:
    from plugins.jurisdiction import Jurisdiction
    from plugins.payroll.contract import Payroll

FIELDS = {"id", "country", "period", "gross", "employer_cost", "params"}
CHUNK = 500  # batch lines per task of a worker process
# Built once: json.loads / json.dumps with options build a new decoder / encoder per call.
_DECODE = json.JSONDecoder(parse_float=Decimal).decode  # exact amounts, never floats
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def installed_jurisdictions() -> dict[str, Jurisdiction]:
    """The jurisdictions of the plugins, without a database: entry points, plus the
    configuration's ``plugins.modules`` / ``plugins.disabled`` when a configuration loads."""
    from node.config import load_settings
    from node.pluginhost import PluginHost, load_plugins

    try:
        settings = load_settings()
    except ConfigError:
        settings = None
    if settings is None:
        host = PluginHost()
        host.load()
    else:
        host = load_plugins(settings)
    # Plugins get settings=None without a configuration, as coop_register_commands does.
    return host.jurisdictions(settings)  # type: ignore[arg-type]


class Calculator:
    """Payslips by country code, with the payroll objects and parsed periods cached."""

    def __init__(self, jurisdictions: Mapping[str, Jurisdiction]) -> None:
        self.jurisdictions = jurisdictions
        self._payrolls: dict[str, Payroll] = {}
        self._periods: dict[str, Period] = {}

    def payroll(self, country: Any) -> Payroll:
        found = self._payrolls.get(country)
        if found is not None:
            return found
        if not isinstance(country, str):
            raise PayrollError(f"country must be a country code, not {country!r}")
        jurisdiction = self.jurisdictions.get(country.upper())
        if jurisdiction is None:
            known = ", ".join(sorted(self.jurisdictions)) or "none"
            raise PayrollError(f"unknown country {country!r} (installed: {known})")
        payroll = jurisdiction.payroll()
        if payroll is None:
            raise PayrollNotSupported(f"{jurisdiction.country} has no payroll computation yet")
        self._payrolls[country] = payroll
        return payroll

    def period(self, text: Any) -> Period:
        found = self._periods.get(text)
        if found is None:
            if not isinstance(text, str):
                raise PayrollError(f"a period is written YYYY-MM, not {text!r}")
            found = self._periods[text] = Period.parse(text)
        return found

    def payslip(
        self,
        country: Any,
        period: Any,
        params: Mapping[str, Any],
        gross: Decimal | None = None,
        employer_cost: Decimal | None = None,
    ) -> Payslip:
        """The payslip of ``gross``, or the one whose employer cost is ``employer_cost``."""
        payroll = self.payroll(country)
        when = self.period(period)
        if gross is not None:
            return payroll.payslip(when, _amount("gross", gross, payroll), params)
        assert employer_cost is not None
        cost = _amount("employer_cost", employer_cost, payroll)
        return payroll.gross_for_employer_cost(when, cost, params)


def _amount(name: str, value: Any, payroll: Payroll) -> Decimal:
    """A non-negative amount with no more decimals than the currency has, as a Decimal with
    exactly that many (so results read ``2500.00``)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise PayrollError(f'{name} must be an amount such as "2500.00", not {value!r}')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayrollError(f'{name} must be an amount such as "2500.00", not {value!r}') from None
    if not amount.is_finite() or amount < 0:
        raise PayrollError(f"{name} must be a positive amount, not {value}")
    unit = Decimal(1).scaleb(-payroll.minor_unit)
    rounded = amount.quantize(unit)
    if rounded != amount:
        raise PayrollError(
            f"{name} {value} has more decimals than {payroll.currency} ({payroll.minor_unit})"
        )
    return rounded


def _params_text(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON numbers read as Decimal go to the payroll as text, as the CLI's ``--param`` does."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


# -- one payslip ----------------------------------------------------------------------------


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        'exit codes: 0 done; 1 a batch line failed (it gets {"id", "error"}); 2 usage error, '
        "unknown country, period outside the law or bad params"
    )
    parser.add_argument("--country", metavar="CC", help="ISO 3166-1 code, e.g. FR")
    parser.add_argument("--period", metavar="YYYY-MM", help="the month of pay")
    amounts = parser.add_mutually_exclusive_group()
    amounts.add_argument("--gross", metavar="AMOUNT", help="the gross pay of the period")
    amounts.add_argument(
        "--employer-cost", metavar="AMOUNT", help="solve for the gross of this employer cost"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a payroll param of the country (repeatable; see docs/payroll-params/)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), help="one payslip: text (default) or json"
    )
    parser.add_argument(
        "--batch",
        metavar="FILE",
        help='JSON lines {"id", "country", "period", "gross" | "employer_cost", "params"} '
        "(- for stdin); writes one JSON result per line",
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="batch: worker processes (0: one per CPU; default 1)",
    )


def run_payslip(args: argparse.Namespace) -> int:
    if args.batch is not None:
        return _run_batch(args)
    for option in ("country", "period"):
        if getattr(args, option) is None:
            fail(f"payslip: --{option} is required (or --batch FILE)", EXIT_USAGE)
    if args.gross is None and args.employer_cost is None:
        fail("payslip: give --gross or --employer-cost", EXIT_USAGE)
    params: dict[str, str] = {}
    for item in args.param:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            fail(f"payslip: --param {item!r} is not NAME=VALUE", EXIT_USAGE)
        if name.strip() in params:
            fail(f"payslip: param {name.strip()} is given twice", EXIT_USAGE)
        params[name.strip()] = value.strip()
    calculator = Calculator(installed_jurisdictions())
    try:
        slip = calculator.payslip(
            args.country, args.period, params, gross=args.gross, employer_cost=args.employer_cost
        )
    except PayrollError as exc:  # unknown country, period outside the law, bad params
        fail(_one_line(exc), EXIT_USAGE)
    if args.format == "json":
        text = json.dumps(slip.as_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = format_text(slip, calculator.payroll(args.country).minor_unit)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return EXIT_OK


def format_text(slip: Payslip, minor_unit: int = 2) -> str:
    """A payslip people read: the lines, then the totals (amounts shown in minor units)."""
    unit = Decimal(1).scaleb(-minor_unit)

    def money(amount: Decimal) -> str:
        return str(amount.quantize(unit) if amount.is_finite() else amount)

    params = ", ".join(f"{k}={_shown(v)}" for k, v in slip.params.items())
    out = [f"Payslip {slip.country} {slip.period} ({slip.currency})"]
    if params:
        out.append(f"params: {params}")
    width = max([len(line.label) for line in slip.lines] + [24])
    header = (
        f"{'':{width}}  {'base':>10}  {'rate':>7}  {'employee':>10}  {'rate':>7}  {'employer':>10}"
    )
    out += ["", header, "-" * len(header)]
    for line in slip.lines:
        out.append(
            f"{line.label:{width}}  {money(line.base):>10}  {_rate(line.employee_rate)}  "
            f"{money(line.employee_amount):>10}  {_rate(line.employer_rate)}  "
            f"{money(line.employer_amount):>10}"
        )
    total = f"{'Total contributions':{width}}  {'':>10}  {'':>7}  "
    out += ["-" * len(header)]
    out.append(
        f"{total}{money(slip.employee_contributions):>10}  {'':>7}  "
        f"{money(slip.employer_contributions):>10}"
    )
    out.append("")
    for label, amount in (
        ("Gross pay", slip.gross),
        ("Employee contributions", -slip.employee_contributions),
        ("Net before tax", slip.net_before_tax),
        ("Income tax withheld", -slip.income_tax_withheld),
        ("Net pay", slip.net_pay),
        ("Employer contributions", slip.employer_contributions),
        ("Employer cost", slip.employer_cost),
    ):
        out.append(f"{label:{width}}  {money(amount):>10}")
    out += [f"{name:{width}}  {value:>10}" for name, value in slip.extra.items()]
    return "\n".join(out) + "\n"


def _rate(rate: Decimal | None) -> str:
    return f"{'':>7}" if rate is None else f"{f'{rate}%':>7}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


# -- batches --------------------------------------------------------------------------------

_calculator: Calculator | None = None  # a worker process's, inherited or built once


def process_line(calculator: Calculator, line: str) -> tuple[str, bool]:
    """One batch line → one output line (without newline) and whether it failed."""
    ident: Any = None
    try:
        case = _DECODE(line)
        if not isinstance(case, dict):
            raise PayrollError("a line must be a JSON object")
        ident = case.get("id")
        if isinstance(ident, Decimal):  # a fractional number: JSON cannot write Decimal back
            ident = str(ident)
        unknown = case.keys() - FIELDS
        if unknown:
            raise PayrollError(f"unknown field {sorted(unknown)[0]!r}")
        gross, cost = case.get("gross"), case.get("employer_cost")
        if (gross is None) == (cost is None):
            raise PayrollError("give exactly one of gross and employer_cost")
        params = case.get("params") or {}
        if not isinstance(params, dict):
            raise PayrollError("params must be a JSON object")
        slip = calculator.payslip(
            case.get("country"), case.get("period"), _params_text(params), gross, cost
        )
        text = payslip_json(slip, ident)
    except json.JSONDecodeError as exc:
        return _error(None, f"not a JSON line: {exc}"), True
    except PayrollError as exc:
        return _error(ident, _one_line(exc)), True
    except Exception as exc:  # a bug of the country's code must not stop the whole batch
        return _error(ident, f"{type(exc).__name__}: {_one_line(exc)}"), True
    return text, False


def _error(ident: Any, message: str) -> str:
    return _ENCODE({"id": ident, "error": message})


# -- writing results: Payslip.as_dict as compact JSON, without building the dictionaries -------

_text = json.encoder.encode_basestring  # a JSON string literal (C), as the encoder writes it
_texts: dict[str, str] = {}  # codes and labels, written once
_lists: dict[tuple[str, ...], str] = {}  # line sources


def payslip_json(slip: Payslip, ident: Any) -> str:
    """``{"id": ident, **slip.as_dict()}`` as compact JSON: the same text the encoder writes
    (a test holds them equal), about twice as fast. Subclasses go through ``as_dict``."""
    lines = slip.lines
    if type(slip) is not Payslip or any(type(line) is not PayslipLine for line in lines):
        return _ENCODE({"id": ident, **slip.as_dict()})
    employee = sum((line.employee_amount for line in lines), ZERO)
    employer = sum((line.employer_amount for line in lines), ZERO)
    net = slip.gross - employee
    params = {k: v if isinstance(v, bool | int | str) else str(v) for k, v in slip.params.items()}
    out = [
        f'{{"id":{_ENCODE(ident)},"country":{_text(slip.country)},"period":"{slip.period}",'
        f'"currency":{_text(slip.currency)},"gross":"{slip.gross!s}",'
        f'"employee_contributions":"{employee!s}","employer_contributions":"{employer!s}",'
        f'"income_tax_withheld":"{slip.income_tax_withheld!s}","net_before_tax":"{net!s}",'
        f'"net_pay":"{net - slip.income_tax_withheld!s}",'
        f'"employer_cost":"{slip.gross + employer!s}","params":{_ENCODE(params)},'
        f'"extra":{_ENCODE(dict(slip.extra))},"lines":['
    ]
    for index, line in enumerate(lines):
        code, label, sources = _texts.get(line.code), _texts.get(line.label), None
        if code is None:
            code = _texts[line.code] = _text(line.code)
        if label is None:
            label = _texts[line.label] = _text(line.label)
        try:
            sources = _lists.get(line.sources)
            if sources is None:
                sources = _lists[line.sources] = _ENCODE(list(line.sources))
        except TypeError:  # not a tuple of text: let the encoder say what it makes of it
            sources = _ENCODE(list(line.sources))
        employee_rate = "null" if line.employee_rate is None else f'"{line.employee_rate!s}"'
        employer_rate = "null" if line.employer_rate is None else f'"{line.employer_rate!s}"'
        out.append(
            f'{"," if index else ""}{{"code":{code},"label":{label},"base":"{line.base!s}",'
            f'"employee_rate":{employee_rate},"employee_amount":"{line.employee_amount!s}",'
            f'"employer_rate":{employer_rate},"employer_amount":"{line.employer_amount!s}",'
            f'"sources":{sources}}}'
        )
    out.append("]}")
    return "".join(out)


def process_chunk(lines: list[str]) -> tuple[str, int]:
    """Lines → their output (newline-terminated) and the count of failures."""
    calculator = _calculator or _worker_calculator()
    out: list[str] = []
    failed = 0
    for line in lines:
        if not line.strip():
            continue
        text, bad = process_line(calculator, line)
        out.append(text)
        failed += bad
    out.append("")
    return "\n".join(out) if len(out) > 1 else "", failed


def _worker_calculator() -> Calculator:
    global _calculator
    _calculator = Calculator(installed_jurisdictions())
    return _calculator


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(lines)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_batch(
    calculator: Calculator, lines: Iterable[str], write: Callable[[str], Any], jobs: int = 1
) -> int:
    """Write the output of every line; return how many failed. With ``jobs`` > 1, chunks of
    lines go to worker processes (forked where possible, so they share the loaded plugins)
    and come back in input order."""
    global _calculator
    _calculator = calculator
    failed = 0
    if jobs <= 1:
        for line in lines:
            if line.strip():
                text, bad = process_line(calculator, line)
                write(text + "\n")
                failed += bad
        return failed
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    gc.freeze()  # forked workers then neither scan nor copy the loaded plugins' objects
    try:
        with context.Pool(jobs) as pool:
            for chunk_text, chunk_failed in pool.imap(process_chunk, _chunks(lines, CHUNK)):
                write(chunk_text)
                failed += chunk_failed
    finally:
        gc.unfreeze()
    return failed


def _run_batch(args: argparse.Namespace) -> int:
    given = [f"--{o}" for o in ("country", "period", "gross", "employer_cost") if getattr(args, o)]
    if given or args.param:
        option = (given or ["--param"])[0].replace("_", "-")
        fail(f"payslip: {option} does not go with --batch (each line says it)", EXIT_USAGE)
    if args.format == "text":
        fail("payslip: --batch writes JSON lines; --format text is for one payslip", EXIT_USAGE)
    if args.jobs < 0:
        fail("payslip: --jobs is a number of processes (0: one per CPU)", EXIT_USAGE)
    jobs = args.jobs or os.cpu_count() or 1
    with ExitStack() as stack:
        source: IO[str]
        try:
            if args.batch == "-":
                source = sys.stdin
            else:
                source = stack.enter_context(open(args.batch, encoding="utf-8"))
            target: IO[str] = sys.stdout
            if args.output is not None:
                target = stack.enter_context(args.output.open("w", encoding="utf-8"))
        except OSError as exc:
            fail(f"payslip: {exc.strerror}: {exc.filename}", EXIT_USAGE)
        calculator = Calculator(installed_jurisdictions())
        failed = run_batch(calculator, source, target.write, jobs)
        target.flush()
    return EXIT_FAILURE if failed else EXIT_OK


COMMANDS = [
    Command(
        "payslip",
        "Compute payslips from a country's payroll law (one, or a batch of JSON lines).",
        _configure,
        run_payslip,
    )
]
