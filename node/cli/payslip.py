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
import codecs
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
WRITE_SIZE = 1 << 16  # bytes of output written at a time
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


_UNITS = {2: Decimal("0.01"), 0: Decimal(1)}  # the smallest amount of a currency's minor unit
_AMOUNT_TYPES = (Decimal, int, str)


def _amount(name: str, value: Any, payroll: Payroll) -> Decimal:
    """A non-negative amount with no more decimals than the currency has, as a Decimal with
    exactly that many (so results read ``2500.00``)."""
    if isinstance(value, bool) or not isinstance(value, _AMOUNT_TYPES):
        raise PayrollError(f'{name} must be an amount such as "2500.00", not {value!r}')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayrollError(f'{name} must be an amount such as "2500.00", not {value!r}') from None
    if not amount.is_finite() or amount < 0:
        raise PayrollError(f"{name} must be a positive amount, not {value}")
    unit = _UNITS.get(payroll.minor_unit) or Decimal(1).scaleb(-payroll.minor_unit)
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


def process_line(calculator: Calculator, line: str) -> tuple[bytes, bool]:
    """One batch line → one output line (UTF-8, with its newline) and whether it failed."""
    ident: Any = None
    try:
        case = _DECODE(line)
        if not isinstance(case, dict):
            raise PayrollError("a line must be a JSON object")
        ident = case.get("id")
        if isinstance(ident, Decimal):  # a fractional number: JSON cannot write Decimal back
            ident = str(ident)
        if not FIELDS.issuperset(case):
            raise PayrollError(f"unknown field {sorted(case.keys() - FIELDS)[0]!r}")
        gross, cost = case.get("gross"), case.get("employer_cost")
        if (gross is None) == (cost is None):
            raise PayrollError("give exactly one of gross and employer_cost")
        params = case.get("params") or {}
        if not isinstance(params, dict):
            raise PayrollError("params must be a JSON object")
        slip = calculator.payslip(
            case.get("country"), case.get("period"), _params_text(params), gross, cost
        )
        text = _render(slip, ident, "\n", True).encode("latin-1")
    except json.JSONDecodeError as exc:
        return _error(None, f"not a JSON line: {exc}"), True
    except PayrollError as exc:
        return _error(ident, _one_line(exc)), True
    except Exception as exc:  # a bug of the country's code must not stop the whole batch
        return _error(ident, f"{type(exc).__name__}: {_one_line(exc)}"), True
    return text, False


def _error(ident: Any, message: str) -> bytes:
    return (_ENCODE({"id": ident, "error": message}) + "\n").encode("utf-8")


# -- writing results: Payslip.as_dict as compact JSON, without building the dictionaries -------
#
# A batch writes UTF-8. Most of a payslip's text never changes (keys, codes, labels, sources),
# and its labels ("Sécurité sociale – …") make Python hold it two bytes a character, which the
# UTF-8 encoder then walks: so the batch builds the text from fragments held already encoded,
# each byte as one character (UTF-8 decoded as Latin-1: "transcoded"), and the result encodes
# as Latin-1, a plain copy, into exactly the UTF-8 bytes.

_text = json.encoder.encode_basestring  # a JSON string literal (C), as the encoder writes it


def _utf8(text: str) -> str:
    """``text`` transcoded: its UTF-8 bytes, each as one character."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


# What a line writes around its three amounts, as text then transcoded (then its rates, code,
# label and sources), by the identity of its rates and sources: the entries hold them, so that
# no other object takes their id meanwhile. Lines of a country's profile share these objects:
# most find theirs at the first look, by their sources alone.
_LineText = tuple[tuple[str, str, str, str], tuple[str, str, str, str], Any, Any, str, str, Any]
_line_texts: dict[tuple[object, ...], _LineText] = {}
_line_texts_by_sources: dict[int, _LineText] = {}


def _line_text(line: PayslipLine) -> _LineText | None:
    """A line's text around its amounts; None unless its code, label and sources are text."""
    code, label, sources = line.code, line.label, line.sources
    if not (type(code) is str and type(label) is str and type(sources) is tuple):
        return None
    employee_rate, employer_rate = line.employee_rate, line.employer_rate
    key = (code, label, id(employee_rate), id(employer_rate), id(sources))
    found = _line_texts.get(key)
    if found is None:
        if not all(type(source) is str for source in sources):
            return None
        text = (
            f'"code":{_text(code)},"label":{_text(label)},"base":"',
            f'","employee_rate":{_ENCODE(_rate_text(employee_rate))},"employee_amount":"',
            f'","employer_rate":{_ENCODE(_rate_text(employer_rate))},"employer_amount":"',
            f'","sources":{_ENCODE(list(sources))}}}',
        )
        transcoded = (_utf8(text[0]), _utf8(text[1]), _utf8(text[2]), _utf8(text[3]))
        found = (text, transcoded, employee_rate, employer_rate, code, label, sources)
        if len(_line_texts) >= 10_000:  # rates made for each payslip: keep memory bounded
            _line_texts.clear()
            _line_texts_by_sources.clear()
        _line_texts[key] = found
    _line_texts_by_sources.setdefault(id(sources), found)
    return found


def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else str(rate)


_PLAIN = (bool, int, str)  # params written as they are; others as text (as_dict)
_IMMUTABLE = frozenset({bool, int, str, Decimal, type(None)})
# Params as JSON, text then transcoded, by the identity of their names and values (which the
# entry holds): payslips of the same profile share them.
_params_texts: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[str, str, object, object]] = {}


def _params_json(params: Mapping[str, Any], utf8: bool) -> str:
    names, values = tuple(params), tuple(params.values())
    key = None
    if type(params) is dict and _IMMUTABLE.issuperset(map(type, values)):
        key = (tuple(map(id, names)), tuple(map(id, values)))
        found = _params_texts.get(key)
        if found is not None:
            return found[1] if utf8 else found[0]
    text = _ENCODE({k: v if isinstance(v, _PLAIN) else str(v) for k, v in params.items()})
    if key is not None:
        if len(_params_texts) >= 1000:
            _params_texts.clear()
        _params_texts[key] = (text, _utf8(text), names, values)
    return _utf8(text) if utf8 else text


def _extra_json(extra: Mapping[str, str]) -> str:
    try:  # text names and values, as the encoder writes them (a str subclass too)
        return "{" + ",".join([f"{_text(k)}:{_text(v)}" for k, v in extra.items()]) + "}"
    except TypeError:  # anything else: the encoder's way
        return _ENCODE(dict(extra))


_period: tuple[Any, str] = (None, "")  # the last period written and its text


def payslip_json(slip: Payslip, ident: Any) -> str:
    """``{"id": ident, **slip.as_dict()}`` as compact JSON: the same text the encoder writes
    (a test holds them equal), several times faster. Subclasses, and lines whose code, label
    or sources are not text, go through ``as_dict``."""
    return _render(slip, ident, "", False)


def _render(slip: Payslip, ident: Any, end: str, utf8: bool) -> str:
    """:func:`payslip_json` then ``end``, transcoded if ``utf8`` (see above)."""
    if type(slip) is not Payslip:
        return _as_dict(slip, ident, end, utf8)
    out = [""]  # the payslip's fields, once the lines are written
    employee = employer = ZERO  # the totals, as Payslip sums them (adding ZERO changes nothing)
    base: Any = None
    base_text = ""
    by_sources = _line_texts_by_sources
    separator = "{"
    form = 1 if utf8 else 0
    for line in slip.lines:
        if type(line) is not PayslipLine:
            return _as_dict(slip, ident, end, utf8)
        found = by_sources.get(id(line.sources))
        if (
            found is None
            or found[2] is not line.employee_rate
            or found[3] is not line.employer_rate
            or found[4] != line.code
            or found[5] != line.label
        ):
            try:
                found = _line_text(line)
            except TypeError:  # a code or label that is no key: the encoder writes it
                found = None
            if found is None:
                return _as_dict(slip, ident, end, utf8)
        text = found[form]
        if line.base is not base:  # lines often share their base
            base = line.base
            base_text = str(base)
        employee_amount = line.employee_amount
        if employee_amount is ZERO:
            employee_text = "0"
        else:
            employee += employee_amount
            employee_text = str(employee_amount)
        employer_amount = line.employer_amount
        if employer_amount is ZERO:
            employer_text = "0"
        else:
            employer += employer_amount
            employer_text = str(employer_amount)
        out.append(
            f"{separator}{text[0]}{base_text}{text[1]}{employee_text}"
            f"{text[2]}{employer_text}{text[3]}"
        )
        separator = ",{"
    net = slip.gross - employee
    global _period
    period, period_text = _period
    if slip.period is not period:
        period, period_text = _period = (slip.period, str(slip.period))
    head = (
        f'{{"id":{_text(ident) if type(ident) is str else _ENCODE(ident)},'
        f'"country":{_text(slip.country)},"period":"{period_text}",'
        f'"currency":{_text(slip.currency)},"gross":"{slip.gross!s}",'
        f'"employee_contributions":"{employee!s}","employer_contributions":"{employer!s}",'
        f'"income_tax_withheld":"{slip.income_tax_withheld!s}","net_before_tax":"{net!s}",'
        f'"net_pay":"{net - slip.income_tax_withheld!s}",'
        f'"employer_cost":"{slip.gross + employer!s}","params":'
    )
    extra = _extra_json(slip.extra)
    if utf8:
        head, extra = _utf8(head), _utf8(extra)
    out[0] = f'{head}{_params_json(slip.params, utf8)},"extra":{extra},"lines":['
    out.append("]}" + end)
    return "".join(out)


def _as_dict(slip: Payslip, ident: Any, end: str, utf8: bool) -> str:
    text = _ENCODE({"id": ident, **slip.as_dict()}) + end
    return _utf8(text) if utf8 else text


def process_chunk(lines: list[str]) -> tuple[bytes, int]:
    """Lines → their output (UTF-8, newline-terminated) and the count of failures."""
    calculator = _calculator or _worker_calculator()
    out: list[bytes] = []
    failed = 0
    for line in lines:
        if not line.strip():
            continue
        text, bad = process_line(calculator, line)
        out.append(text)
        failed += bad
    return b"".join(out), failed


def _worker_calculator() -> Calculator:
    global _calculator
    _calculator = Calculator(installed_jurisdictions())
    return _calculator


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(lines)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_batch(
    calculator: Calculator, lines: Iterable[str], write: Callable[[bytes], Any], jobs: int = 1
) -> int:
    """Write the output of every line (UTF-8, some 64 kB at a time); return how many failed. With ``jobs`` > 1, chunks of lines go to worker processes (forked where
    possible, so they share the loaded plugins) and come back in input order."""
    global _calculator
    _calculator = calculator
    failed = 0
    # The collector leaves what is loaded so far (modules, plugins, laws) alone during the
    # batch, and forked workers neither scan nor copy it.
    gc.freeze()
    try:
        if jobs <= 1:
            pending: list[bytes] = []
            size = 0
            for line in lines:
                if line.strip():
                    text, bad = process_line(calculator, line)
                    pending.append(text)
                    size += len(text)
                    failed += bad
                    if size >= WRITE_SIZE:
                        write(b"".join(pending))
                        pending.clear()
                        size = 0
            if pending:
                write(b"".join(pending))
            return failed
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
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
            write = _writer(stack, args.output)
        except OSError as exc:
            fail(f"payslip: {exc.strerror}: {exc.filename}", EXIT_USAGE)
        calculator = Calculator(installed_jurisdictions())
        failed = run_batch(calculator, source, write, jobs)
        if args.output is None:
            sys.stdout.flush()
    return EXIT_FAILURE if failed else EXIT_OK


def _writer(stack: ExitStack, output: Path | None) -> Callable[[bytes], Any]:
    """Where UTF-8 output goes: the file, else standard output — as bytes where lines end
    with ``\n`` anyway (not on Windows) and standard output is UTF-8, else as text."""
    binary = os.linesep == "\n"
    if output is not None:
        if binary:
            return stack.enter_context(output.open("wb")).write
        text = stack.enter_context(output.open("w", encoding="utf-8"))
        return lambda data: text.write(data.decode("utf-8"))
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    encoding = getattr(stdout, "encoding", None)
    if binary and buffer is not None and encoding and codecs.lookup(encoding).name == "utf-8":
        stdout.flush()  # what it holds as text goes first
        return buffer.write  # type: ignore[no-any-return]
    return lambda data: stdout.write(data.decode("utf-8"))


COMMANDS = [
    Command(
        "payslip",
        "Compute payslips from a country's payroll law (one, or a batch of JSON lines).",
        _configure,
        run_payslip,
    )
]
