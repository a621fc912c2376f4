"""Translations of user-facing messages: gettext catalogs, English source text, FR/NL/DE to start.

Marking strings in the source (``pybabel extract`` and the catalog test find them):

* ``_("…")`` translates at once into the current language (:func:`use_language` sets it, e.g.
  for one request or one rendered page; English otherwise).
* ``ngettext("one file", "{count} files", count)`` is ``_()`` with plural forms (the catalog's
  ``Plural-Forms`` rule picks the form; format the result yourself).
* ``N_("…")`` only marks a string and returns it unchanged. Use it where no language is known
  yet: class attributes and module constants evaluated at import time. The English text travels
  as data and is translated where it is shown, with :func:`translate`.
* Problem titles (``title = "Not found"`` in a class body, as in :mod:`node.errors`) need no
  marker: :func:`extract_python` collects them, and :mod:`node.web.problems` translates them
  into the negotiated language of each response.
* Page templates (``node/web/templates``) use ``{{ _("…") }}`` and ``{% trans %}…{% endtrans %}``
  (Jinja2's i18n extension with ``trimmed`` whitespace, wired to :func:`gettext` and
  :func:`ngettext` in :mod:`node.web.pages`); the ``jinja2`` extractor of ``babel.cfg`` finds
  them. Variables in ``trans`` blocks become ``%(name)s`` placeholders in the msgid.
* Messages built by code we do not own, such as the configuration errors of :mod:`node.config`,
  are listed here as templates (:data:`CONFIG_MESSAGES`); :func:`translate_formatted` matches the
  finished English sentence against them and fills the translated template.

Catalogs are the ``.po`` files in ``node/locale/<lang>/LC_MESSAGES/coopnode.po``, parsed with
babel's ``read_po`` at first use and cached per language. No compiled ``.mo`` is built or
committed: the ``.po`` is the single artefact translators edit and reviewers diff, there is no
build step to forget (a stale ``.mo`` would silently serve old text), and parsing a few hundred
messages once per process takes milliseconds. Fuzzy and empty entries fall back to English.

Updating the catalogs after changing marked strings (then translate the new, empty entries;
``tests/node/test_i18n.py`` names any that are missing)::

    pybabel extract -F node/locale/babel.cfg -o node/locale/coopnode.pot -w 100 \
        --add-location=file --project=coopnode --copyright-holder="coopnode contributors" node
    pybabel update -i node/locale/coopnode.pot -d node/locale -D coopnode -w 100 --no-fuzzy-matching
"""

from __future__ import annotations

import gettext as _gettext_module
import logging
import re
import string
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import IO, Any

from node.config import SUPPORTED_LANGUAGES
from node.errors import ConfigError

DEFAULT_LANGUAGE = "en"
DOMAIN = "coopnode"
LOCALE_DIR = Path(__file__).with_name("locale")
log = logging.getLogger("coopnode.i18n")

current_language: ContextVar[str] = ContextVar("coopnode_language", default=DEFAULT_LANGUAGE)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the best supported language from an ``Accept-Language`` header (RFC 9110 §12.5.4).

    Region tags count for their language (``fr-BE`` → ``fr``), ``q=0`` means "not this one", ties
    keep the client's order, and ``*`` or nothing supported gives ``default``.
    """
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.lower().split("-")[0]))
    for _quality, _position, language in sorted(weighted):
        if language == "*":
            return default
        if language in SUPPORTED_LANGUAGES:
            return language
    return default


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read_catalog(language: str) -> Any:
    """The babel ``Catalog`` of ``language``, or None (English, unsupported, or file missing)."""
    if language == DEFAULT_LANGUAGE or language not in SUPPORTED_LANGUAGES:
        return None
    from babel.messages.pofile import read_po

    path = catalog_path(language)
    if not path.is_file():  # a packaging mistake must not turn every error page into a crash
        log.warning("translation catalog %s is missing; answering in English", path)
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def _usable(message: Any) -> bool:
    return bool(message.id) and not message.fuzzy


@cache
def catalog(language: str) -> Mapping[str, str]:
    """``{English msgid: translation}`` for ``language``: translated, non-fuzzy entries only."""
    messages = _read_catalog(language)
    if messages is None:
        return {}
    return {
        message.id: message.string
        for message in messages
        if _usable(message)
        and isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.string
    }


@cache
def plural_catalog(language: str) -> tuple[Mapping[str, tuple[str, ...]], Callable[[int], int]]:
    """``({English singular: (form, form …)}, rule)`` for ``language``'s plural entries.

    ``rule(n)`` is the index of the form for ``n`` (the ``Plural-Forms`` expression of the
    catalog). Entries with an empty form are left out, so they fall back to English.
    """
    messages = _read_catalog(language)
    if messages is None:
        return {}, _english_plural
    forms = {
        message.id[0]: tuple(message.string)
        for message in messages
        if _usable(message)
        and isinstance(message.id, tuple)
        and isinstance(message.string, tuple)
        and all(message.string)
    }
    return forms, _gettext_module.c2py(messages.plural_expr)


def _english_plural(count: int) -> int:
    return 0 if count == 1 else 1


def _base_language(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def translate(message: str, language: str) -> str:
    """Translate ``message`` into ``language``; English source text when no translation exists."""
    return catalog(_base_language(language)).get(message, message)


def gettext(message: str) -> str:
    """Translate ``message`` into the current language (see :func:`use_language`)."""
    return translate(message, current_language.get())


def translate_plural(singular: str, plural: str, count: int, language: str) -> str:
    """The form of ``singular``/``plural`` for ``count`` in ``language`` (English if missing)."""
    forms, rule = plural_catalog(_base_language(language))
    translated = forms.get(singular)
    if translated is None:
        return singular if _english_plural(count) == 0 else plural
    return translated[min(rule(count), len(translated) - 1)]


def ngettext(singular: str, plural: str, count: int) -> str:
    """:func:`gettext` with plural forms: the right form for ``count`` in the current language."""
    return translate_plural(singular, plural, count, current_language.get())


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for translation later; return it unchanged (gettext_noop)."""
    return message


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Make ``language`` the current language for ``_()`` within the block."""
    token = current_language.set(_base_language(language))
    try:
        yield current_language.get()
    finally:
        current_language.reset(token)


# The phrases of ConfigError (node.config, node.runtime, node.crypto) as translatable templates.
# A test feeds bad values to every setting and fails if a phrase is missing here.
CONFIG_MESSAGES = (
    N_("must be a string"),
    N_("must not be empty"),
    N_("must be an integer"),
    N_("must be between {low} and {high}"),
    N_("must be true or false"),
    N_("must be a list of strings (or a comma-separated string)"),
    N_("must be a list of whole days (or a comma-separated string)"),
    N_("must be in increasing order"),
    N_('must be a decimal string such as "30.00", not a float'),
    N_('must be a decimal number such as "30.00"'),
    N_("must be a positive amount"),
    N_('must be a decimal string such as "6.5", not a float'),
    N_('must be a percentage such as "6.5"'),
    N_("must be a percentage between 0 and 100"),
    N_('must be a table of rates such as "EUR/SEK" = "11.0952" (or EUR/SEK=11.0952,…)'),
    N_("invalid IBAN ({reason})"),
    N_("must not exceed contribution.rate ({rate})"),
    N_("{value} is not an ISO 3166-1 alpha-2 country code"),
    N_("{value} is not an ISO 4217 currency code"),
    N_("must be one of {choices}"),
    N_("must be an absolute http(s) URL"),
    N_("must use https (plain http only for loopback addresses)"),
    N_("must not have a query or fragment"),
    N_("invalid VAT number ({reason})"),
    N_("must be at least 32 characters (use `coopnode init` to generate one)"),
    N_("not valid TOML ({reason})"),
    N_("must be a [table]"),
    N_("unknown setting"),
    N_("missing (set it in {path} or {variable})"),
    N_("no plugin provides {country} (installed: {known})"),
    N_("{currency} is not the currency of {country} ({expected})"),
    N_("must be a VAT number of {country}"),
    N_("must be a Fernet key (run `coopnode init` to make one)"),
)


def _template_pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P<{name}>.+?)")
    return re.compile("".join(parts), re.DOTALL)


@cache
def _templates(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = catalog(language)
    return tuple((_template_pattern(msgid), entries[msgid]) for msgid in entries if "{" in msgid)


def translate_formatted(text: str, language: str) -> str:
    """Translate an English sentence that was already formatted from a catalogued template.

    ``"must be between 1 and 60"`` matches ``"must be between {low} and {high}"``; the values are
    put into the translated template. Text matching no entry is returned unchanged.
    """
    language = _base_language(language)
    exact = catalog(language).get(text)
    if exact is not None:
        return exact
    for pattern, translation in _templates(language):
        match = pattern.fullmatch(text)
        if match:
            return translation.format(**match.groupdict())
    return text


def translate_config_error(error: ConfigError, language: str) -> str:
    """The one-line message of ``error`` (``config: key: problem``) with the problem translated."""
    return f"config: {error.key}: {translate_formatted(error.problem, language)}"


def extract_python(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor: the usual ``_()``/``N_()`` calls plus class-level ``title = "…"``.

    Problem titles are English data translated at render time; collecting them here keeps
    :mod:`node.errors` free of markers while a new title still lands in the template.
    """
    import ast
    import io

    from babel.messages.extract import extract_python as babel_extract_python

    source = fileobj.read()
    yield from babel_extract_python(io.BytesIO(source), keywords, comment_tags, options)  # type: ignore[arg-type]
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if (
                isinstance(statement, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "title" for t in statement.targets)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                yield statement.lineno, "N_", statement.value.value, []
