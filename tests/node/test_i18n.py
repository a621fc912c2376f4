"""Translations: every marked string is translated in every catalog; languages are negotiated."""

from __future__ import annotations

import string
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from node import errors, i18n
from node.config import FIELDS, SUPPORTED_LANGUAGES, load_settings, starter_config
from node.crypto import Cipher
from node.errors import ConfigError
from node.i18n import (
    _,
    catalog,
    negotiate,
    translate,
    translate_config_error,
    translate_formatted,
    use_language,
)

NODE_DIR = Path(i18n.__file__).parent
LOCALE_DIR = NODE_DIR / "locale"
TRANSLATED = [language for language in SUPPORTED_LANGUAGES if language != "en"]


def extracted_messages() -> dict[str, str]:
    """``{msgid: "file:line"}`` for every string marked in node/, as ``pybabel extract`` sees it."""
    with (LOCALE_DIR / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(NODE_DIR), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def read_catalog(path: Path, language: str | None = None) -> Any:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain="coopnode")


def test_extraction_finds_problem_titles_and_marked_strings() -> None:
    found = extracted_messages()
    titles = {cls.title for cls in _subclasses(errors.Problem)} | {errors.Problem.title}
    assert titles <= set(found)
    assert set(i18n.CONFIG_MESSAGES) <= set(found)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_message_is_translated(language: str) -> None:
    entries = {m.id: m for m in read_catalog(LOCALE_DIR / language / "LC_MESSAGES" / "coopnode.po")}
    untranslated = [
        f"{where}: {msgid!r}"
        for msgid, where in sorted(extracted_messages().items(), key=lambda item: item[1])
        if msgid not in entries or not entries[msgid].string or entries[msgid].fuzzy
    ]
    assert not untranslated, (
        f"untranslated in {language} (run pybabel extract/update, see node/i18n.py):\n"
        + "\n".join(untranslated)
    )


def test_template_lists_every_extracted_message() -> None:
    template = {m.id for m in read_catalog(LOCALE_DIR / "coopnode.pot")}
    missing = sorted(set(extracted_messages()) - template)
    assert not missing, f"node/locale/coopnode.pot is stale; missing: {missing}"


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders(language: str) -> None:
    wrong = [
        msgid
        for msgid, translation in catalog(language).items()
        if _placeholders(msgid) != _placeholders(translation)
    ]
    assert not wrong


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-BE", "fr"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("en;q=0.5, de-AT;q=0.9", "de"),
        ("de;q=0.8, fr;q=0.8", "de"),
        ("ja, es;q=0.9", "en"),
        ("ja, fr;q=0.1", "fr"),
        ("fr;q=0, nl;q=0.3", "nl"),
        ("FR-be", "fr"),
        ("*", "en"),
        ("fr;q=abc, de;q=0.2", "de"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_negotiate_uses_the_given_default() -> None:
    assert negotiate("ja", default="nl") == "nl"


def test_translate() -> None:
    assert translate("Not found", "fr") == "Introuvable"
    assert translate("Not found", "nl") == "Niet gevonden"
    assert translate("Not found", "de") == "Nicht gefunden"
    assert translate("Not found", "fr-BE") == "Introuvable"
    assert translate("Not found", "en") == "Not found"
    assert translate("Not found", "ja") == "Not found"
    assert translate("A sentence nobody translated", "fr") == "A sentence nobody translated"


def test_gettext_follows_the_current_language() -> None:
    assert _("Not found") == "Not found"
    with use_language("de-CH"):
        assert _("Not found") == "Nicht gefunden"
    assert _("Not found") == "Not found"


def test_formatted_messages_are_translated_through_their_template() -> None:
    between = translate_formatted("must be between 1 and 60", "fr")
    assert between == "doit être compris entre 1 et 60"
    assert translate_formatted("must not be empty", "nl") == "mag niet leeg zijn"
    assert translate_formatted("no such template here", "de") == "no such template here"
    error = ConfigError("server.port", "must be between 1 and 65535")
    german = translate_config_error(error, "de")
    assert german == "config: server.port: muss zwischen 1 und 65535 liegen"


# fmt: off
BAD_VALUES: list[Any] = [
    None, "", "   ", 3, 3.5, True, "x", "xyz", "-1", "99999999", [1], "ZZ", "ZZZ",
    "http://example.org", "ftp://example.org", "https://example.org/?q=1", "BE0000000000",
    "short", "0", "-5",
]
# fmt: on


def config_phrases() -> set[str]:
    """Every phrase the configuration can answer with, from bad values and bad files."""
    phrases: set[str] = set()
    for field in FIELDS:
        for value in BAD_VALUES:
            try:
                field.parse(value)
            except ValueError as exc:
                phrases.add(str(exc))
    return phrases


def test_config_phrases_are_translatable(tmp_path: Path) -> None:
    phrases = config_phrases()
    for content in ("[node\n", "node = 1\n", "[node]\ncolour = 1\n"):
        path = tmp_path / "bad.toml"
        path.write_text(content)
        with pytest.raises(ConfigError) as caught:
            load_settings(path, environ={})
        phrases.add(caught.value.problem)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "absent.toml", environ={})
    phrases.add(caught.value.problem)
    with pytest.raises(ConfigError) as caught:
        Cipher("not a key")
    phrases.add(caught.value.problem)
    assert len(phrases) > 15
    for language in TRANSLATED:
        untranslated = sorted(p for p in phrases if translate_formatted(p, language) == p)
        assert not untranslated, f"add to node.i18n.CONFIG_MESSAGES ({language}): {untranslated}"


def test_identity_phrases_are_translatable(tmp_path: Path) -> None:
    from node.runtime import check_identity

    path = tmp_path / "coopnode.toml"
    path.write_text(starter_config())
    settings = load_settings(path, environ={})
    belgium = SimpleNamespace(currency="EUR", validate_company_id=lambda number: number)
    cases = [
        ({}, {}),
        ({"BE": SimpleNamespace(currency="SEK")}, {}),
        ({"BE": belgium}, {"node.vat_number": "NL004495445B01"}),
    ]
    for jurisdictions, changes in cases:
        with pytest.raises(ConfigError) as caught:
            check_identity(settings.replace(**changes), jurisdictions)  # type: ignore[arg-type]
        for language in TRANSLATED:
            assert translate_formatted(caught.value.problem, language) != caught.value.problem


def test_problem_title_follows_accept_language(client: TestClient) -> None:
    response = client.get("/api/v1/does-not-exist", headers={"Accept-Language": "fr-BE, en;q=0.5"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == "fr"
    assert response.json()["title"] == "Introuvable"

    german = client.get("/api/v1/does-not-exist", headers={"Accept-Language": "de;q=0.9, ja"})
    assert german.headers["content-language"] == "de"
    assert german.json()["title"] == "Nicht gefunden"

    unsupported = client.get("/api/v1/does-not-exist", headers={"Accept-Language": "ja"})
    assert unsupported.headers["content-language"] == "en"
    assert unsupported.json()["title"] == "Not found"


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("node."):
            found |= {sub} | _subclasses(sub)
    return found


def test_a_missing_catalog_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    catalog.cache_clear()
    try:
        assert translate("Not found", "fr") == "Not found"
        assert "missing" in caplog.text
    finally:
        catalog.cache_clear()
