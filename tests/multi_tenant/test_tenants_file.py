"""The tenants file loader: TOML and YAML, defaults, and one clear message per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from coconstruct_elt.orchestration.tenants_file import TenantsFileError, load_tenants

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tenants.toml"


def test_toml_entries_become_tenant_specs_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(
        '[[tenants]]\nname = "garcia-homes"\ncredentials_section = "garcia"\n'
        'base_url = "https://garcia.example/api"\n\n[[tenants]]\nname = "lakeside"\n'
    )
    garcia, lakeside = load_tenants(path)
    assert (garcia.name, garcia.section, garcia.base_url) == (
        "garcia-homes",
        "garcia",
        "https://garcia.example/api",
    )
    # the section defaults to the name; base_url then comes from that section
    assert (lakeside.name, lakeside.section, lakeside.base_url) == ("lakeside", "lakeside", None)


def test_yaml_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text("tenants:\n  - name: north\n    credentials_section: n1\n  - name: south\n")
    assert [(t.name, t.section) for t in load_tenants(path)] == [
        ("north", "n1"),
        ("south", "south"),
    ]


def test_the_bundled_example_loads() -> None:
    tenants = load_tenants(EXAMPLE)
    assert len(tenants) >= 2 and all(t.section for t in tenants)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "no tenants"),
        (
            "[[tenants]]\ncredentials_section = 'x'\n",
            "tenants[0]: `name` (the tenant id) is required",
        ),
        ("[[tenants]]\nname = 'a'\npassword = 'x'\n", "tenants[0]: unknown key(s) password"),
        ("[[tenants]]\nname = 'a'\ncredentials_section = 'a.b'\n", "credentials_section 'a.b'"),
        ("[[tenants]]\nname = 'a'\nbase_url = 'ftp://x'\n", "base_url must be an http(s) URL"),
        (
            "[[tenants]]\nname = 'A b'\ncredentials_section = 'x'\n[[tenants]]\nname = 'a_b'\n",
            "same pipeline coconstruct_a_b",
        ),
        ("[[tenants]\n", "is not valid"),
    ],
)
def test_mistakes_give_one_clear_message(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(body)
    with pytest.raises(TenantsFileError) as e:
        load_tenants(path)
    assert message in str(e.value)
    assert str(path) in str(e.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TenantsFileError, match=r"cannot read the tenants file .*nope\.toml"):
        load_tenants(tmp_path / "nope.toml")
