"""docs/federation.md stays in step with the schemas and the rejection codes."""

from __future__ import annotations

from pathlib import Path

from federation.errors import Code, Rejection
from federation.schemas import default_catalogue

DOC = (Path(__file__).resolve().parents[2] / "docs" / "federation.md").read_text()


def test_every_message_type_documented() -> None:
    for name, majors in default_catalogue().advertised().items():
        for major in majors:
            assert f"`{name}/{major}`" in DOC, f"{name}/{major} missing from docs/federation.md"


def test_every_rejection_code_documented_with_its_status() -> None:
    statuses = {cls.code: cls.status for cls in Rejection.__subclasses__()}
    assert set(statuses) == set(Code)
    for code, status in statuses.items():
        assert f"| `{code.value}` | {status} |" in DOC, code


def test_not_yet_built_is_marked() -> None:
    assert "## Not yet built" in DOC
