"""``coopnode members import FILE.csv``: good rows in, bad rows reported by line, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.cli.main import main
from node.db import Database
from node.members.models import Member
from tests.node.member_helpers import IBANS, be_national_id

HEADER = "name,email,home_country,language,national_id,iban,status,kind,home_node_url,joined_on"


@pytest.fixture
def cli_env(settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Point the command line at the test's config file and database."""
    assert settings.path is not None
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return db


def _write(tmp_path: Path, text: str, name: str = "members.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(db: Database, model: type = Member) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _good(n: int, **cells: str) -> str:
    row = {
        "name": f"Imported {n}",
        "email": f"imported{n}@example.org",
        "home_country": "BE",
        "language": "nl",
        "national_id": be_national_id(700 + n),
        "iban": IBANS[n % 3],
        "status": "",
        "kind": "",
        "home_node_url": "",
        "joined_on": "",
    }
    row.update(cells)
    return ",".join(row.values())


def test_good_rows_are_imported_and_bad_rows_reported(
    cli_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        HEADER,  # line 1
        _good(1),  # line 2
        _good(2, national_id="85073003329"),  # line 3: checksum
        "",  # line 4: blank
        _good(3, status="active", joined_on="2024-09-01", kind="supporter"),  # line 5
        _good(4, email="imported1@example.org"),  # line 6: duplicate
        _good(5, email="not-an-email", language="es"),  # line 7: two fields
        '"Multi\nline name",imported6@example.org,BE,fr,' + be_national_id(706) + ",,,,,",  # 8-9
        _good(7, status="guest", national_id="", home_node_url="https://smart.example.fr"),  # 10
        _good(8) + ",extra",  # line 11
    ]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    assert main(["members", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "line 3: national_id: not a valid BE" in err and "checksum" in err
    assert "line 6: email: A member with this email already exists." in err
    assert "line 7: email: Not a valid email." in err and "line 7: language:" in err
    assert "line 11: row: More cells than the header has columns." in err
    for good_line in ("line 2:", "line 5:", "line 8:", "line 9:", "line 10:"):
        assert good_line not in err
    assert "imported 4 of 8 members; 4 rows refused" in out
    assert "import" in err and "8/8" in err  # the progress bar
    assert _count(cli_env) == 4
    with cli_env.reading() as session:
        names = session.scalars(select(Member.name).order_by(Member.id)).all()
        actors = set(
            session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "member.create"))
        )
    assert names[2] == "Multi\nline name"
    assert all(actor.startswith("cli") for actor in actors)


def test_all_or_nothing_imports_none(
    cli_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "\n".join([HEADER, _good(11), _good(12, iban="BE00"), _good(13)]))
    assert main(["members", "import", "--all-or-nothing", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "line 3: iban: Not a valid IBAN" in err
    assert "imported none of 3 members: 1 rows refused (--all-or-nothing)" in out
    assert _count(cli_env) == 0 and _count(cli_env, AuditEntry) == 0


def test_a_clean_file_exits_zero(
    cli_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "\ufeff"
        + "name,email,home_country,language,national_id\n"
        + "\n".join(
            f"Clean {n},clean{n}@example.org,BE,en,{be_national_id(800 + n)}" for n in range(3)
        )
    )
    path = _write(tmp_path, text)
    assert main(["members", "import", "--all-or-nothing", str(path)]) == 0
    assert "imported 3 of 3 members" in capsys.readouterr().out
    assert _count(cli_env) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("", "the file is empty"),
        (
            "name,email,country,language\n",
            "unknown column(s): country; missing column(s): home_country",
        ),
        ("name,email,home_country,language,email\n", "repeated column(s): email"),
        (b"name,email,home_country,language\nJos\xe9,a@b.c,BE,fr\n", "not UTF-8"),
    ],
)
def test_unusable_files_are_usage_errors(
    cli_env: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    message: str,
) -> None:
    path = tmp_path / "input.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert main(["members", "import", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert _count(cli_env) == 0


def test_command_line_mistakes_exit_two(
    cli_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as missing_subcommand:
        main(["members"])
    assert missing_subcommand.value.code == 2
    with pytest.raises(SystemExit) as missing_file:
        main(["members", "import"])
    assert missing_file.value.code == 2
    capsys.readouterr()
