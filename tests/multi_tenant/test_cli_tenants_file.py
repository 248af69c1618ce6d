"""`coconstruct run --tenants-file` (patch cli_tenants_file.diff): specs from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from coconstruct_elt.cli import _tenants, build_parser, main


def test_tenants_file_gives_one_spec_per_entry(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(
        '[[tenants]]\nname = "north"\n\n[[tenants]]\nname = "south"\ncredentials_section = "s2"\n'
    )
    args = build_parser().parse_args(["run", "--tenants-file", str(path)])
    assert [(t.name, t.section) for t in _tenants(args)] == [("north", "north"), ("south", "s2")]


def test_tenants_and_tenants_file_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text('[[tenants]]\nname = "north"\n')
    code = main(["run", "--tenants", "north", "--tenants-file", str(path), "--no-dbt"])
    assert code == 1
    assert "give --tenants or --tenants-file, not both" in capsys.readouterr().err


def test_a_bad_tenants_file_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--tenants-file", str(tmp_path / "missing.toml"), "--no-dbt"])
    assert code == 1
    assert "cannot read the tenants file" in capsys.readouterr().err
