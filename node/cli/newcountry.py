"""``coopnode new-country``: start a country plugin as its own installable package.

Renders the template in ``node/cli/country_template/`` (``string.Template``: ``${name}`` in file
names and contents) into a new folder: a ``pyproject.toml`` registering the plugin in the
``coopnode`` entry-point group, the package with a :class:`~plugins.jurisdiction.Jurisdiction`
(a minimal ``facts.toml``) and a payroll skeleton (a dated law file, one reference case), and
``tests/`` running the payroll conformance kit. Name, currency and languages default to what
Unicode CLDR says of the country; every legal value is a marked placeholder.
Step by step: ``docs/writing-a-country-plugin.md``.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from types import ModuleType
from typing import cast

from node import __version__
from node.cli.context import EXIT_OK, fail, say
from node.extensions import Command

TEMPLATE = "country_template"
SUFFIX = ".tmpl"


@dataclass(frozen=True)
class CountrySpec:
    """What the template is rendered with."""

    code: str
    name: str
    currency: str
    languages: tuple[str, ...]
    year: int

    @property
    def package(self) -> str:
        return f"coopnode_{self.code.lower()}"

    def variables(self) -> dict[str, str]:
        from babel.numbers import get_currency_precision

        import plugins

        languages = ", ".join(f'"{language}"' for language in self.languages)
        return {
            "code": self.code,
            "code_lower": self.code.lower(),
            "name": self.name,
            "class_name": _class_name(self.name, self.code),
            "package": self.package,
            "distribution": self.package.replace("_", "-"),
            "currency": self.currency,
            "minor_unit": str(get_currency_precision(self.currency)),
            "languages": f"[{languages}]",
            "year": str(self.year),
            "next_year": str(self.year + 1),
            "hook_api": str(plugins.HOOK_API_VERSION),
            "coopnode_version": __version__,
            "vat_identifier": _vat_identifier(self.code),
        }


def country_spec(
    code: str,
    name: str | None = None,
    currency: str | None = None,
    languages: tuple[str, ...] = (),
    year: int | None = None,
) -> CountrySpec:
    """The spec of ``code``, the rest defaulting to CLDR's data; ``ValueError`` with one line
    when the code, currency or a language is not a known ISO code."""
    from babel import Locale
    from babel.languages import get_official_languages
    from babel.numbers import get_territory_currencies, is_currency

    english = Locale("en")
    code = code.strip().upper()
    if len(code) != 2 or not code.isalpha() or code not in english.territories:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    if currency is None:
        found = get_territory_currencies(code, date.today())
        if not found:
            raise ValueError(f"CLDR knows no currency of {code}: give --currency")
        currency = found[0]
    currency = currency.upper()
    if not is_currency(currency):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
    if not languages:
        spoken = [tag for tag in get_official_languages(code) if tag in english.languages]
        languages = tuple(tag for tag in spoken if len(tag) == 2) or ("en",)
    for language in languages:
        if len(language) != 2 or language not in english.languages:
            raise ValueError(f"{language!r} is not an ISO 639-1 language code")
    name = (name or english.territories[code]).strip()
    if not name or any(c in name for c in '"\\\n'):
        raise ValueError(f"{name!r} cannot be a country name here")
    return CountrySpec(code, name, currency, tuple(languages), year or date.today().year)


def render_country(spec: CountrySpec, target: Path) -> list[Path]:
    """Write the plugin for ``spec`` into ``target`` (absent or empty); the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} exists and is not an empty folder")
    variables = spec.variables()
    written = []
    for source, relative in _template_files(files("node.cli").joinpath(TEMPLATE), ()):
        path = target.joinpath(*(Template(part).substitute(variables) for part in relative))
        path = path.with_name(path.name.removesuffix(SUFFIX))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text("utf-8")).substitute(variables), "utf-8")
        written.append(path)
    return sorted(written)


def _template_files(
    folder: Traversable, at: tuple[str, ...]
) -> list[tuple[Traversable, tuple[str, ...]]]:
    found = []
    for entry in folder.iterdir():
        if entry.is_dir():
            found += _template_files(entry, (*at, entry.name))
        elif entry.name.endswith(SUFFIX):
            found.append((entry, (*at, entry.name)))
    return found


def _class_name(name: str, code: str) -> str:
    from text_unidecode import unidecode

    words = re.findall(r"[A-Za-z0-9]+", unidecode(name))
    candidate = "".join(word[:1].upper() + word[1:] for word in words)
    return candidate if candidate.isidentifier() else f"Country{code}"


def _vat_identifier(code: str) -> str:
    """The ``[identifiers.vat_number]`` body: python-stdnum's VAT module of the country when
    it has one, else a reason."""
    from stdnum.util import get_cc_module

    found = get_cc_module(code.lower(), "vat")
    if found is None:
        return 'name = "VAT number"\nunsupported = "python-stdnum has no module for it"'
    module = cast(ModuleType, found)
    title = ((module.__doc__ or "").splitlines() or ["VAT number"])[0].rstrip(".")
    title = title.replace("\\", "").replace('"', "'")
    return f'name = "{title}"\nstdnum = ["{module.__name__.removeprefix("stdnum.")}"]'


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code", required=True, help="ISO 3166-1 alpha-2 code, e.g. PT")
    parser.add_argument("--name", help="the country's English name (default: CLDR's)")
    parser.add_argument("--currency", help="ISO 4217 code (default: CLDR's for the country)")
    parser.add_argument(
        "--languages",
        help="official languages, ISO 639-1, comma-separated (default: CLDR's)",
    )
    parser.add_argument(
        "--year", type=int, help="the year of the first law file (default: this one)"
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="where to write the plugin (default: ./coopnode-<code>; must be absent or empty)",
    )


def run_new_country(args: argparse.Namespace) -> int:
    languages = tuple(filter(None, (args.languages or "").replace(" ", "").split(",")))
    try:
        spec = country_spec(args.code, args.name, args.currency, languages, args.year)
    except ValueError as exc:
        fail(f"new-country: {exc}", 2)
    target = args.folder or Path(spec.package.replace("_", "-"))
    try:
        written = render_country(spec, target)
    except FileExistsError as exc:
        fail(f"new-country: {exc}", 2)
    say(f"wrote the {spec.name} ({spec.code}) plugin into {target}:")
    for path in written:
        say(f"  {path.relative_to(target)}")
    say(
        "next: replace every PLACEHOLDER with the law and its official source, then "
        f"`pip install -e '{target}[test]'` and run `pytest {target}` "
        "(docs/writing-a-country-plugin.md)"
    )
    return EXIT_OK


COMMANDS = [
    Command(
        "new-country",
        "Start a country plugin (facts, payroll skeleton, conformance tests) as its own package.",
        _configure,
        run_new_country,
    )
]
