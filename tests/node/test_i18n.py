"""Translations: every marked string is translated in every catalog; languages are negotiated."""

from __future__ import annotations

import re
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
    ngettext,
    plural_catalog,
    translate,
    translate_config_error,
    translate_formatted,
    translate_plural,
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
    # the page templates (jinja2 extractor, trimmed {% trans %} blocks)
    assert {"Sign in", "Password", "Sign out", "Welcome, %(name)s"} <= set(found)
    assert found["Sign in"].startswith("web/templates/")
    # the node's own validation messages
    from node.web import validation

    assert {validation.REQUIRED, validation.UNKNOWN_FIELD, validation.NOT_VALID} <= set(found)
    assert set(validation.FORMAT_MESSAGES.values()) <= set(found)


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


_PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _placeholders(text: str) -> set[str]:
    """``{name}`` placeholders (Python messages) and ``%(name)s`` ones (template ``trans``)."""
    braces = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    return braces | {f"%({name})s" for name in _PERCENT_PLACEHOLDER.findall(text)}


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


def test_validation_messages_follow_accept_language(client: TestClient) -> None:
    """A 422 in German: the node's own messages translated, fields and codes untouched."""
    body = {"password": "x" * 12, "colour": "green"}  # no e-mail, one unknown field
    english = client.post("/api/v1/auth/login", json=body)
    german = client.post("/api/v1/auth/login", json=body, headers={"Accept-Language": "de-DE"})
    assert english.status_code == german.status_code == 422
    assert german.headers["content-language"] == "de"
    problem = german.json()
    assert problem["type"] == english.json()["type"] == errors.PROBLEM_BASE + "validation"
    assert problem["title"] == "Ungültige Eingabe"
    assert problem["detail"] == "Ungültige Felder: colour, email"
    by_field = {error["field"]: error for error in problem["errors"]}
    assert by_field == {
        "colour": {"field": "colour", "message": "Unbekanntes Feld.", "code": "unknown_field"},
        "email": {"field": "email", "message": "Dieses Feld ist erforderlich.", "code": "required"},
    }
    assert {(e["field"], e["code"]) for e in english.json()["errors"]} == {
        (e["field"], e["code"]) for e in problem["errors"]
    }
    english_messages = {e["field"]: e["message"] for e in english.json()["errors"]}
    assert english_messages == {"colour": "Unknown field.", "email": "This field is required."}
    assert english.json()["detail"] == "Invalid fields: colour, email"


def test_other_problem_details_follow_accept_language(client: TestClient) -> None:
    french = {"Accept-Language": "fr"}
    missing = client.get("/api/v1/does-not-exist", headers=french).json()
    assert missing["detail"] == "Cette ressource n'existe pas."
    wrong_method = client.delete("/openapi.json", headers={"Accept-Language": "nl"}).json()
    assert wrong_method["detail"] == "DELETE is hier niet toegestaan."
    unauthenticated = client.get("/api/v1/me", headers={**french, "Authorization": "Basic x"})
    assert unauthenticated.json()["detail"] == "Utilisez le schéma Bearer avec un jeton d'accès."
    # Messages the node did not write (jsonschema's own) stay as they are.
    too_long = client.post(
        "/api/v1/auth/login",
        json={"email": "a" * 300, "password": "x" * 12},
        headers={"Accept-Language": "de"},
    ).json()
    assert too_long["errors"][0]["code"] == "maxLength"
    assert "is too long" in too_long["errors"][0]["message"]


def test_translating_a_problem_leaves_the_problem_alone() -> None:
    from node.errors import FieldError, ValidationProblem
    from node.web.problems import translate_problem
    from node.web.validation import REQUIRED

    problem = ValidationProblem([FieldError("email", REQUIRED, "required")])
    body = problem.as_dict()
    german = translate_problem(body, "de")
    assert german["errors"][0]["message"] == "Dieses Feld ist erforderlich."
    assert problem.as_dict()["errors"][0]["message"] == REQUIRED  # shared lists not mutated
    assert body["errors"][0]["message"] == REQUIRED


def test_format_messages_are_translated() -> None:
    from node.errors import ValidationProblem
    from node.web.problems import translate_problem
    from node.web.validation import COUNTRY, obj, validate

    schema = obj({"country": COUNTRY, "address": {"type": "string", "format": "ipv4"}})
    with pytest.raises(ValidationProblem) as caught:
        validate(schema, {"country": "ZZ", "address": "not an address"})
    english = {e["field"]: e["message"] for e in caught.value.as_dict()["errors"]}
    assert english["address"] == "Does not match the format ipv4."
    french = translate_problem(caught.value.as_dict(), "fr")
    messages = {e["field"]: (e["message"], e["code"]) for e in french["errors"]}
    assert messages == {
        "address": ("Ne respecte pas le format ipv4.", "format"),
        "country": ("Code pays non valide (ISO 3166-1 alpha-2, p. ex. BE).", "format"),
    }
    # A sentence the node did not catalogue is not forced into a template that looks alike.
    assert translate_formatted("Not a valid IBAN: bad checksum.", "de") == (
        "Not a valid IBAN: bad checksum."
    )


PLURAL_PO = """\
msgid ""
msgstr ""
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "{count} share"
msgid_plural "{count} shares"
msgstr[0] "{count} part"
msgstr[1] "{count} parts"

msgid "{count} member"
msgid_plural "{count} members"
msgstr[0] ""
msgstr[1] ""
"""


def test_plural_forms_follow_the_catalog_rule(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "fr" / "LC_MESSAGES" / "coopnode.po"
    path.parent.mkdir(parents=True)
    path.write_text(PLURAL_PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    plural_catalog.cache_clear()
    try:
        forms = [translate_plural("{count} share", "{count} shares", n, "fr") for n in (0, 1, 2)]
        assert forms == ["{count} part", "{count} part", "{count} parts"]  # French: 0 is singular
        english = [translate_plural("{count} share", "{count} shares", n, "en") for n in (0, 1, 2)]
        assert english == ["{count} shares", "{count} share", "{count} shares"]
        untranslated = translate_plural("{count} member", "{count} members", 3, "fr-BE")
        assert untranslated == "{count} members"
        with use_language("fr"):
            assert ngettext("{count} share", "{count} shares", 5).format(count=5) == "5 parts"
    finally:
        plural_catalog.cache_clear()


def test_templates_render_in_every_language() -> None:
    from node.web.pages import templates

    user = SimpleNamespace(display_name="Ada", email="a@example.org", totp_secret=None)
    for language in SUPPORTED_LANGUAGES:
        with use_language(language):
            page = templates.get_template("dashboard.html").render(
                language=language,
                node_name="Coop",
                user=user,
                role_name="x",
                member_id=7,
                is_admin=True,
                csrf_token="t",
            )
        assert f'<html lang="{language}">' in page
        expected = translate("Welcome, %(name)s", language) % {"name": "Ada"}
        assert f"<h1>{expected}</h1>" in page
        assert translate("Sign out", language) in page


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
