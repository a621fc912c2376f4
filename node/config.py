"""Node settings: one TOML file plus ``COOPNODE_*`` environment overrides.

Every setting is declared once in :data:`FIELDS`. That single table drives loading, the environment
mapping, validation, the commented starter file written by ``coopnode init`` and the reference in
``docs/operations.md`` (a test keeps the doc in step), so the four can never disagree.

Precedence: built-in default < config file < environment variable. The file is the one named by
``COOPNODE_CONFIG``, else ``./var/coopnode.toml``. Secrets (``secret = True``) are never logged,
printed or returned by the API: :meth:`Settings.public` masks them.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from node.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("var/coopnode.toml")
SUPPORTED_LANGUAGES = ("en", "fr", "nl", "de")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _nonempty(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("must be an integer") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return parse


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("must be a list of strings (or a comma-separated string)")


_NOT_DAYS = "must be a list of whole days (or a comma-separated string)"


def _days_after(low: int, high: int) -> Callable[[Any], tuple[int, ...]]:
    """Whole numbers of days in increasing order: a TOML list, or a comma-separated string."""

    def parse(value: Any) -> tuple[int, ...]:
        if isinstance(value, str):
            parts: list[Any] = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, list):
            parts = value
        else:
            raise ValueError(_NOT_DAYS)
        days: list[int] = []
        for part in parts:
            if isinstance(part, bool) or not isinstance(part, int | str):
                raise ValueError(_NOT_DAYS)
            try:
                day = int(part)
            except ValueError:
                raise ValueError(_NOT_DAYS) from None
            if not low <= day <= high:
                raise ValueError(f"must be between {low} and {high}")
            days.append(day)
        if days != sorted(set(days)):
            raise ValueError("must be in increasing order")
        return tuple(days)

    return parse


def _money(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('must be a decimal string such as "30.00", not a float')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError('must be a decimal number such as "30.00"') from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("must be a positive amount")
    return amount


def _percent(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('must be a decimal string such as "6.5", not a float')
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValueError('must be a percentage such as "6.5"') from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise ValueError("must be a percentage between 0 and 100")
    return rate


def _country(value: Any) -> str:
    code = _nonempty(value).upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _currency(value: Any) -> str:
    code = _nonempty(value).upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


_FX_PAIR_FORMAT = 'must be a table of rates such as "EUR/SEK" = "11.0952" (or EUR/SEK=11.0952,…)'
_FX_RATE = re.compile(r"[0-9]{1,15}(\.[0-9]{1,20})?")


def _fx_entries(value: Any) -> list[tuple[Any, Any]]:
    """The (pair, rate) entries of ``fx.rates``: a TOML table, or ``PAIR=RATE`` strings."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) and "=" in item for item in value):
        return [tuple(part.strip() for part in item.split("=", 1)) for item in value]
    raise ValueError(_FX_PAIR_FORMAT)


def _fx_rates(value: Any) -> tuple[tuple[str, Decimal], ...]:
    """Configured rates as ``(("EUR/SEK", Decimal("11.0952")), …)``, sorted by pair."""
    rates: dict[str, Decimal] = {}
    for pair, text in _fx_entries(value):
        base, slash, quote = str(pair).partition("/")
        if not slash:
            raise ValueError(f"{pair!r} is not a currency pair such as EUR/SEK")
        base, quote = _currency(base), _currency(quote)
        if base == quote:
            raise ValueError(f"{pair}: the two currencies must differ")
        if isinstance(text, float) or not isinstance(text, str):
            raise ValueError(f'{pair}: the rate must be a decimal string such as "11.0952"')
        if not _FX_RATE.fullmatch(text.strip()) or Decimal(text) <= 0:
            raise ValueError(f"{pair}: {text!r} is not a positive decimal rate")
        if f"{quote}/{base}" in rates or f"{base}/{quote}" in rates:
            raise ValueError(f"{base}/{quote} is given twice (or with its inverse)")
        rates[f"{base}/{quote}"] = Decimal(text.strip())
    return tuple(sorted(rates.items()))


def _one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _nonempty(value).lower()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse


_language = _one_of(*SUPPORTED_LANGUAGES)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (where plain http is tolerated)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(value: Any) -> str:
    url = _nonempty(value).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError("must use https (plain http only for loopback addresses)")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return url


def _vat_number(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        return ""
    try:
        return str(eu_vat.validate(text))
    except StdnumError as exc:
        raise ValueError(f"invalid VAT number ({exc})") from None


def _iban(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        return ""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(text).compact)
    except SchwiftyException as exc:
        raise ValueError(f"invalid IBAN ({exc})") from None


def _secret(value: Any) -> str:
    text = _nonempty(value)
    if len(text) < 32:
        raise ValueError("must be at least 32 characters (use `coopnode init` to generate one)")
    return text


def _optional_secret(value: Any) -> str:
    """A secret that may be left empty (the feature needing it then says so when used)."""
    text = str(value).strip()
    return _secret(text) if text else ""


@dataclass(frozen=True)
class Field:
    """One setting: where it lives in the file, its variable, its parser and its doc line."""

    section: str
    key: str
    env: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    secret: bool = False
    example: str | Mapping[str, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


F = Field
FIELDS: tuple[Field, ...] = (
    F("node", "name", "COOPNODE_NAME", _nonempty, "Demo co-op", "The co-op's display name."),
    F(
        "node",
        "country",
        "COOPNODE_COUNTRY",
        _country,
        "BE",
        "ISO country code; picks the jurisdiction.",
    ),
    F("node", "currency", "COOPNODE_CURRENCY", _currency, "EUR", "ISO 4217 currency of the books."),
    F(
        "node",
        "base_url",
        "COOPNODE_BASE_URL",
        _base_url,
        "http://127.0.0.1:8000",
        "Public base URL; it is also the node's federation id (https except on loopback).",
    ),
    F(
        "node",
        "legal_entity_number",
        "COOPNODE_LEGAL_ENTITY_NUMBER",
        _str,
        "",
        "Company registration number, checked by the country's jurisdiction.",
        example="0403019261",
    ),
    F(
        "node",
        "employer_social_security_id",
        "COOPNODE_EMPLOYER_SOCIAL_SECURITY_ID",
        _str,
        "",
        "The co-op's number as an employer with the social-security authority (Belgium: the "
        "ONSS/RSZ number; France: the URSSAF account; Germany: the Betriebsnummer …), carried by "
        "the pre-hire and periodic payroll declarations.",
        example="123456789",
    ),
    F(
        "node",
        "vat_number",
        "COOPNODE_VAT_NUMBER",
        _vat_number,
        "",
        "VAT number with country prefix, checked with python-stdnum.",
        example="BE0403019261",
    ),
    F(
        "node",
        "language",
        "COOPNODE_LANGUAGE",
        _language,
        "en",
        "Default language of pages and messages.",
    ),
    F(
        "server",
        "host",
        "COOPNODE_HOST",
        _nonempty,
        "127.0.0.1",
        "Address `coopnode serve` binds to.",
    ),
    F(
        "server",
        "port",
        "COOPNODE_PORT",
        _int_between(1, 65535),
        8000,
        "Port `coopnode serve` listens on.",
    ),
    F(
        "server",
        "max_body_bytes",
        "COOPNODE_MAX_BODY_BYTES",
        _int_between(1024, 100 * 2**20),
        8 * 2**20,
        "Largest request body accepted, in bytes (expense receipts may be up to 5 MB).",
    ),
    F(
        "server",
        "log_level",
        "COOPNODE_LOG_LEVEL",
        _nonempty,
        "info",
        "debug, info, warning or error.",
    ),
    F(
        "database",
        "url",
        "COOPNODE_DATABASE_URL",
        _nonempty,
        "sqlite:///var/coopnode.db",
        "SQLAlchemy URL: SQLite file (default) or postgresql+psycopg://user@host/db.",
    ),
    F(
        "security",
        "secret_key",
        "COOPNODE_SECRET_KEY",
        _secret,
        None,
        "Signs access tokens and CSRF tokens. Generated by `coopnode init`.",
        secret=True,
    ),
    F(
        "security",
        "encryption_key",
        "COOPNODE_ENCRYPTION_KEY",
        _secret,
        None,
        "Fernet key that encrypts national ids and IBANs at rest. Generated by `coopnode init`; "
        "back it up with the database.",
        secret=True,
    ),
    F(
        "security",
        "access_token_minutes",
        "COOPNODE_ACCESS_TOKEN_MINUTES",
        _int_between(1, 60),
        15,
        "Lifetime of API access tokens.",
    ),
    F(
        "security",
        "refresh_token_days",
        "COOPNODE_REFRESH_TOKEN_DAYS",
        _int_between(1, 90),
        14,
        "Lifetime of refresh tokens and browser sessions.",
    ),
    F(
        "security",
        "login_max_failures",
        "COOPNODE_LOGIN_MAX_FAILURES",
        _int_between(1, 100),
        5,
        "Failed logins allowed per account (and per address) in the window before throttling.",
    ),
    F(
        "security",
        "login_window_minutes",
        "COOPNODE_LOGIN_WINDOW_MINUTES",
        _int_between(1, 1440),
        15,
        "Throttling window for failed logins.",
    ),
    F(
        "security",
        "cookie_secure",
        "COOPNODE_COOKIE_SECURE",
        _bool,
        False,
        "Send session cookies only over https (set true behind TLS).",
    ),
    F(
        "shares",
        "nominal_value",
        "COOPNODE_SHARE_NOMINAL_VALUE",
        _money,
        Decimal("30.00"),
        "Nominal value of one capital share, in the node currency.",
    ),
    F(
        "shares",
        "class_a_minimum",
        "COOPNODE_SHARE_CLASS_A_MINIMUM",
        _int_between(0, 10_000),
        1,
        "Minimum holding of class A (worker-member) shares.",
    ),
    F(
        "shares",
        "class_b_minimum",
        "COOPNODE_SHARE_CLASS_B_MINIMUM",
        _int_between(0, 10_000),
        1,
        "Minimum holding of class B (staff, partner, client) shares.",
    ),
    F(
        "shares",
        "maximum_per_member",
        "COOPNODE_SHARE_MAXIMUM",
        _int_between(0, 1_000_000),
        0,
        "Most shares one member may hold (0 means no limit).",
    ),
    F(
        "shares",
        "redeem_only_on_leaving",
        "COOPNODE_SHARE_REDEEM_ONLY_ON_LEAVING",
        _bool,
        False,
        "If true, shares are redeemed only when a member leaves; else down to the minimum.",
    ),
    F(
        "contribution",
        "rate",
        "COOPNODE_CONTRIBUTION_RATE",
        _percent,
        Decimal("6.5"),
        "The co-op's contribution, in percent of each invoice excluding VAT.",
    ),
    F(
        "contribution",
        "guarantee_fund_points",
        "COOPNODE_GUARANTEE_FUND_POINTS",
        _percent,
        Decimal("2"),
        "Percentage points of the contribution that go to the salary guarantee fund.",
    ),
    F(
        "invoices",
        "payment_days",
        "COOPNODE_INVOICE_PAYMENT_DAYS",
        _int_between(0, 365),
        30,
        "Days between an invoice's issue date and its due date.",
    ),
    F(
        "invoices",
        "reminder_days",
        "COOPNODE_INVOICE_REMINDER_DAYS",
        _days_after(1, 3650),
        (7, 21, 45),
        "Days after the due date for the first, second, third … reminder of an unpaid invoice "
        "(increasing; the last one is the final reminder; empty: no reminders).",
    ),
    F(
        "payouts",
        "second_approval_above",
        "COOPNODE_PAYOUT_SECOND_APPROVAL_ABOVE",
        _money,
        Decimal("5000.00"),
        "Payouts above this amount need a second staff approval (never the requester's).",
    ),
    F(
        "payouts",
        "iban_change_hold_hours",
        "COOPNODE_IBAN_CHANGE_HOLD_HOURS",
        _int_between(0, 24 * 30),
        48,
        "Hours a member's new IBAN waits (after a second approval) before payouts may use it.",
    ),
    F(
        "payouts",
        "debtor_iban",
        "COOPNODE_PAYOUT_DEBTOR_IBAN",
        _iban,
        "",
        "The co-op's bank account that payouts leave from (IBAN).",
        example="BE68539007547034",
    ),
    F(
        "guarantee",
        "clients",
        "COOPNODE_GUARANTEE_CLIENTS",
        _one_of("all", "approved", "none"),
        "all",
        "Whose invoices the salary guarantee fund covers: all clients except those staff exclude, "
        "only clients staff approve, or none.",
    ),
    F(
        "guarantee",
        "max_invoice_gross",
        "COOPNODE_GUARANTEE_MAX_INVOICE_GROSS",
        _money,
        Decimal("50000.00"),
        "Invoices above this amount (VAT included) are not covered by the guarantee fund.",
    ),
    F(
        "guarantee",
        "salary_within_working_days",
        "COOPNODE_GUARANTEE_SALARY_WORKING_DAYS",
        _int_between(1, 60),
        7,
        "Working days after a work declaration by which the salary is paid, client paid or not.",
    ),
    F(
        "guarantee",
        "default_after_days",
        "COOPNODE_GUARANTEE_DEFAULT_AFTER_DAYS",
        _int_between(1, 3650),
        90,
        "Days past the due date after which an unpaid covered invoice is in default.",
    ),
    F(
        "plugins",
        "modules",
        "COOPNODE_PLUGINS",
        _str_list,
        (),
        "Extra plugin modules to load (besides installed entry points).",
    ),
    F(
        "plugins",
        "disabled",
        "COOPNODE_PLUGINS_DISABLED",
        _str_list,
        (),
        "Entry-point names of installed plugins not to load.",
    ),
    F(
        "federation",
        "key_encryption_key",
        "COOPNODE_FEDERATION_KEY_ENCRYPTION_KEY",
        _optional_secret,
        "",
        "Encrypts the node's federation signing keys at rest (AES-256-GCM; 32 random bytes, "
        "base64url). Generated by `coopnode init`; back it up with the database.",
        secret=True,
    ),
    F(
        "federation",
        "request_timeout_seconds",
        "COOPNODE_FEDERATION_REQUEST_TIMEOUT_SECONDS",
        _int_between(1, 120),
        10,
        "Timeout of one delivery request to a peer's inbox.",
    ),
    F(
        "federation",
        "max_envelope_bytes",
        "COOPNODE_FEDERATION_MAX_ENVELOPE_BYTES",
        _int_between(4096, 1024 * 1024),
        256 * 1024,
        "Largest envelope the inbox accepts (a batch may hold up to 50 of them).",
    ),
    F(
        "federation",
        "clock_skew_seconds",
        "COOPNODE_FEDERATION_CLOCK_SKEW_SECONDS",
        _int_between(0, 600),
        60,
        "Clock difference tolerated with peers when checking a message's times.",
    ),
    F(
        "federation",
        "delivery_batch_size",
        "COOPNODE_FEDERATION_DELIVERY_BATCH_SIZE",
        _int_between(1, 50),
        50,
        "Messages sent to one peer in one request (at most 50, the inbox's limit).",
    ),
    F(
        "federation",
        "delivery_threads",
        "COOPNODE_FEDERATION_DELIVERY_THREADS",
        _int_between(1, 16),
        2,
        "Delivery workers in each `coopnode serve` process: while one waits for a peer's answer, "
        "another claims, signs and records (leases keep them from sending a message twice).",
    ),
    F(
        "federation",
        "lease_seconds",
        "COOPNODE_FEDERATION_LEASE_SECONDS",
        _int_between(5, 3600),
        60,
        "How long a delivery worker holds a claimed message before another may take it over.",
    ),
    F(
        "federation",
        "retry_base_seconds",
        "COOPNODE_FEDERATION_RETRY_BASE_SECONDS",
        _int_between(1, 3600),
        2,
        "First retry delay; it doubles each attempt (full jitter) up to the cap.",
    ),
    F(
        "federation",
        "retry_cap_seconds",
        "COOPNODE_FEDERATION_RETRY_CAP_SECONDS",
        _int_between(1, 86400),
        3600,
        "Longest delay between two delivery attempts of a message.",
    ),
    F(
        "federation",
        "max_attempts",
        "COOPNODE_FEDERATION_MAX_ATTEMPTS",
        _int_between(1, 1000),
        60,
        "Delivery attempts after which a message becomes a dead letter.",
    ),
    F(
        "federation",
        "max_age_hours",
        "COOPNODE_FEDERATION_MAX_AGE_HOURS",
        _int_between(1, 168),
        72,
        "Age after which an undelivered message becomes a dead letter (the retry horizon; at "
        "most 7 days).",
    ),
    F(
        "federation",
        "processed_ids_retention_days",
        "COOPNODE_FEDERATION_PROCESSED_IDS_RETENTION_DAYS",
        _int_between(8, 3650),
        30,
        "Days the inbox remembers received message ids; at least 8, longer than any sender's "
        "retry horizon, so a late retry is still recognised.",
    ),
    F(
        "federation",
        "breaker_failures",
        "COOPNODE_FEDERATION_BREAKER_FAILURES",
        _int_between(1, 100),
        5,
        "Failed requests in a row after which deliveries to a peer pause (circuit breaker).",
    ),
    F(
        "federation",
        "breaker_cooldown_seconds",
        "COOPNODE_FEDERATION_BREAKER_COOLDOWN_SECONDS",
        _int_between(1, 86400),
        300,
        "How long the circuit breaker pauses deliveries to a failing peer before trying again.",
    ),
    F(
        "federation",
        "descriptor_timeout_seconds",
        "COOPNODE_FEDERATION_DESCRIPTOR_TIMEOUT_SECONDS",
        _int_between(1, 60),
        5,
        "Connect and read timeout when fetching another node's descriptor (peering).",
    ),
    F(
        "federation",
        "peering_window_seconds",
        "COOPNODE_FEDERATION_PEERING_WINDOW_SECONDS",
        _int_between(1, 3600),
        60,
        "Window of the rate limit on peering requests from nodes that are not peers yet.",
    ),
    F(
        "federation",
        "peering_requests_per_remote",
        "COOPNODE_FEDERATION_PEERING_REQUESTS_PER_REMOTE",
        _int_between(1, 1000),
        3,
        "Peering requests from nodes not yet peers admitted per address and window (then 429).",
    ),
    F(
        "federation",
        "peering_requests_overall",
        "COOPNODE_FEDERATION_PEERING_REQUESTS_OVERALL",
        _int_between(1, 10000),
        20,
        "Peering requests from nodes not yet peers admitted per window in all (then 429).",
    ),
    F(
        "fx",
        "rates",
        "COOPNODE_FX_RATES",
        _fx_rates,
        (),
        "Configured exchange rates, units of the quote per 1 of the base, as a table "
        '{"EUR/SEK" = "11.0952"} (the variable: EUR/SEK=11.0952,EUR/HUF=395.12). A configured '
        "rate wins over imported ECB reference rates; its inverse and, for two EUR/… rates, "
        "their cross rate are used too (docs/fx.md).",
        example={"EUR/SEK": "11.0952", "EUR/HUF": "395.12"},
    ),
    F(
        "fx",
        "max_age_days",
        "COOPNODE_FX_MAX_AGE_DAYS",
        _int_between(0, 366),
        5,
        "Oldest ECB reference rate used, in days before the day converted (the ECB publishes "
        "on TARGET working days; the default spans Easter, Thursday to Monday).",
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class Settings:
    """Validated settings, read as ``settings["node.country"]`` or ``settings.node_country``."""

    values: Mapping[str, Any]
    path: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __getattr__(self, attr: str) -> Any:
        section, _, key = attr.partition("_")
        try:
            return self.values[f"{section}.{key}"]
        except KeyError:
            raise AttributeError(attr) from None

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (``replace(**{"database.url": url})``)."""
        values = dict(self.values)
        for name, raw in changes.items():
            values[name] = _parse(FIELDS_BY_NAME[name], raw)
        _check_together(values)
        return Settings(values, self.path, self.sources)

    def public(self) -> dict[str, Any]:
        """Settings safe to show: secrets masked, database password removed."""
        shown: dict[str, Any] = {}
        for f in FIELDS:
            value = self.values[f.name]
            if f.secret:
                value = "********"
            elif f.name == "database.url":
                value = mask_url_password(value)
            shown[f.name] = value
        return shown

    def __repr__(self) -> str:
        return f"Settings({self.public()!r})"


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _parse(f: Field, raw: Any) -> Any:
    try:
        return f.parse(raw)
    except ValueError as exc:
        raise ConfigError(f.name, str(exc)) from None


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("COOPNODE_CONFIG") or DEFAULT_CONFIG_PATH)


def read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML ({exc})") from None
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(section, "must be a [table]")
        for key in table:
            if f"{section}.{key}" not in FIELDS_BY_NAME:
                raise ConfigError(f"{section}.{key}", "unknown setting")
    return data


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load, merge and validate settings; raise :class:`ConfigError` on the first bad key."""
    environ = os.environ if environ is None else environ
    path = path or config_path(environ)
    data = read_file(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for f in FIELDS:
        raw, source = f.default, "default"
        if f.key in data.get(f.section, {}):
            raw, source = data[f.section][f.key], str(path)
        if f.env in environ:
            raw, source = environ[f.env], f.env
        if raw is None:
            raise ConfigError(f.name, f"missing (set it in {path} or {f.env})")
        values[f.name] = raw if source == "default" else _parse(f, raw)
        sources[f.name] = source
    _check_together(values)
    return Settings(values, path if path.exists() else None, sources)


def _check_together(values: Mapping[str, Any]) -> None:
    """Rules that involve more than one setting."""
    if values["contribution.guarantee_fund_points"] > values["contribution.rate"]:
        raise ConfigError(
            "contribution.guarantee_fund_points",
            "must not exceed contribution.rate ({rate})".format(rate=values["contribution.rate"]),
        )


def generate_secret() -> str:
    return secrets.token_urlsafe(48)


def generate_encryption_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def generate_key_encryption_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def starter_config(overrides: Mapping[str, Any] | None = None) -> str:
    """The commented TOML written by ``coopnode init``, with fresh secrets."""
    values: dict[str, Any] = {f.name: f.default for f in FIELDS}
    values["security.secret_key"] = generate_secret()
    values["security.encryption_key"] = generate_encryption_key()
    values["federation.key_encryption_key"] = generate_key_encryption_key()
    values.update(overrides or {})
    lines = [
        "# coopnode configuration. Every key can be overridden by the environment variable named",
        "# in its comment. Keep this file private: it holds the node's secrets.",
    ]
    section = None
    for f in FIELDS:
        if f.section != section:
            section = f.section
            lines += ["", f"[{section}]"]
        lines.append(f"# {f.doc} ({f.env})")
        value = values[f.name]
        if value in ("", ()) and f.example:
            lines.append(f"# {f.key} = {_toml_value(f.example)}")
        else:
            lines.append(f"{f.key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):  # an inline table; keys quoted (EUR/SEK is not a bare key)
        items = (f"{_toml_value(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
