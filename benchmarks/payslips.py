"""Payslip benchmark: ``coopnode payslip --batch`` beside OpenFisca-France, same employees.

Run: ``.venv/bin/python benchmarks/payslips.py [--count 100000] [--jobs 1]``. What it prints:

* node: 100,000 French monthly payslips with all their lines, through ``coopnode payslip
  --batch`` as a whole process (start-up, reading the cases, computing, writing JSON lines);
* baseline: OpenFisca-France computing the same employees' net salary, employer cost and each
  contribution line in one vectorised simulation, also as a whole process writing its results
  (``benchmarks/openfisca_payslips.py``), in the same run. Target: the node at most as slow.
* a single payslip in-process, France and Belgium, p50 / p99 (target: under 1 ms).

OpenFisca is never a dependency of the node: the benchmark installs it once into its own
virtualenv (``benchmarks/.openfisca-venv``, git-ignored; ``--openfisca-python`` to use another
interpreter that has it). The cases are the same grid for both: gross from the minimum wage to
four times the social-security ceiling, cadre and non-cadre, headcounts 5/20/60/300, AT/MP
rates 0.70/1.30/2.50, period 2026-03.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OPENFISCA_VENV = HERE / ".openfisca-venv"
OPENFISCA_FRANCE = "OpenFisca-France==176.1.8"
PERIOD = "2026-03"
SMIC, PSS = Decimal("1823.03"), Decimal("4005.00")


def cases(count: int) -> list[dict[str, object]]:
    """``count`` employees spread over the grid (deterministic)."""
    span = 4 * PSS - SMIC
    found = []
    for index in range(count):
        gross = (SMIC + span * index / max(count - 1, 1)).quantize(Decimal("0.01"))
        params = {
            "category": "cadre" if index % 2 else "non_cadre",
            "headcount": (5, 20, 60, 300)[index // 2 % 4],
            "at_rate": ("0.70", "1.30", "2.50")[index // 8 % 3],
        }
        found.append(
            {
                "id": f"e{index}",
                "country": "FR",
                "period": PERIOD,
                "gross": str(gross),
                "params": params,
            }
        )
    return found


def whole_process(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 (our own commands)
    return time.perf_counter() - started


def openfisca_python(given: str | None) -> str:
    if given:
        return given
    python = OPENFISCA_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {OPENFISCA_FRANCE} into {OPENFISCA_VENV} (once) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OPENFISCA_VENV)], check=True)  # noqa: S603
        install = [str(python), "-m", "pip", "install", "-q", OPENFISCA_FRANCE]
        subprocess.run(install, check=True)  # noqa: S603 (a pinned package from PyPI)
    return str(python)


def in_process_latency() -> dict[str, tuple[float, float]]:
    """p50 and p99 in milliseconds of one payslip, France and Belgium, after a warm-up."""
    from plugins.payroll.model import Period

    sys.path.insert(0, str(ROOT))
    from plugins.be import Belgium
    from plugins.fr import France

    period = Period.parse(PERIOD)
    found = {}
    for name, jurisdiction, params in (
        ("FR", France.for_package("plugins.fr"), {"category": "cadre", "headcount": 20}),
        ("BE", Belgium.for_package("plugins.be"), {}),
    ):
        payroll = jurisdiction.payroll()
        assert payroll is not None
        grosses = [Decimal(2000 + 7 * i) for i in range(1000)]
        for gross in grosses:  # warm the per-period caches
            payroll.payslip(period, gross, params)
        times = []
        for gross in grosses * 5:
            started = time.perf_counter()
            payroll.payslip(period, gross, params)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        found[name] = (statistics.median(times), times[int(len(times) * 0.99)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1, help="coopnode payslip --jobs")
    parser.add_argument("--openfisca-python", help="an interpreter with OpenFisca-France")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        case_file = work / "cases.jsonl"
        case_file.write_text("".join(json.dumps(c) + "\n" for c in cases(args.count)))
        node_out, openfisca_out = work / "node.jsonl", work / "openfisca.csv"
        coopnode = str(Path(sys.executable).with_name("coopnode"))
        node_seconds = whole_process(
            [
                coopnode,
                "payslip",
                "--batch",
                str(case_file),
                "--output",
                str(node_out),
                "--jobs",
                str(args.jobs),
            ]
        )
        python = openfisca_python(args.openfisca_python)
        baseline = whole_process(
            [python, str(HERE / "openfisca_payslips.py"), str(case_file), str(openfisca_out)]
        )
        lines = sum(len(json.loads(row)["lines"]) for row in node_out.open())
    print(f"payslips                      {args.count:>10,}  (France, {PERIOD}, {lines:,} lines)")
    print(
        f"coopnode payslip --batch      {node_seconds:>10.2f} s  ({args.count / node_seconds:,.0f}/s, --jobs {args.jobs})"
    )
    print(f"baseline: OpenFisca-France    {baseline:>10.2f} s  ({args.count / baseline:,.0f}/s)")
    verdict = "met" if node_seconds <= baseline else "NOT met"
    print(
        f"ratio node / OpenFisca        {node_seconds / baseline:>10.2f}   (target ≤ 1: {verdict})"
    )
    for country, (p50, p99) in in_process_latency().items():
        met = "met" if p99 < 1 else "NOT met"
        print(
            f"single payslip {country} in-process  p50 {p50:.3f} ms  p99 {p99:.3f} ms  (target < 1 ms: {met})"
        )


if __name__ == "__main__":
    main()
