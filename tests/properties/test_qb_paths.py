"""Properties of the dbt project's QuickBooks colon-path parsing: the model
`int_qb__mappings_normalized` (with the `normalized_name` macro), rendered for DuckDB and run
over generated customer:job[:sub-job] names with stray white space and other casing."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.properties.dbt_sql import render_model

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ÁÉÍÓÚÑÜáéíóúñüçÇ"
PUNCTUATION = ",'&.-()/#"
PAD = st.text(alphabet=" \t\n", max_size=3)

word = st.text(alphabet=LETTERS + PUNCTUATION, min_size=1, max_size=8)
# a QuickBooks name segment: words separated by runs of white space (never a colon)
segment = st.lists(st.tuples(word, st.text(alphabet=" \t", min_size=1, max_size=3)),
                   min_size=1, max_size=4).map(lambda ws: "".join(w + s for w, s in ws).rstrip(" \t"))


def _normalized(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.fixture(scope="module")
def model_sql() -> str:
    return render_model("int_qb__mappings_normalized", {"stg_coconstruct__qb_mappings": "stg"})


def _run(model_sql: str, rows: list[tuple[str, str]]) -> list[dict]:
    """rows: (kind, qb_name) → the model's output rows, in input order."""
    con = duckdb.connect()
    con.execute(
        "create table stg (tenant_id varchar, qb_mapping_id bigint, kind varchar, local_type varchar, "
        "local_id varchar, category varchar, qb_id varchar, qb_name varchar, "
        "qb_account_type varchar, updated_at timestamptz)")
    con.executemany(
        "insert into stg values ('t', ?, ?, 'division', '06', null, ?, ?, null, now())",
        [(i, kind, f"Q{i}", name) for i, (kind, name) in enumerate(rows)])
    cursor = con.execute(f"select * from ({model_sql}) order by qb_mapping_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _padded(draw: st.DrawFn, part: str) -> str:
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in part)
    return draw(PAD) + cased + draw(PAD)


@st.composite
def paths(draw: st.DrawFn, max_depth: int = 3) -> tuple[list[str], str]:
    parts = draw(st.lists(segment, min_size=1, max_size=max_depth))
    return parts, ":".join(_padded(draw, p) for p in parts)


@settings(max_examples=80, deadline=None)
@given(st.lists(paths(), min_size=1, max_size=15))
def test_customer_job_paths_parse_into_trimmed_case_folded_parts(model_sql: str, cases) -> None:
    out = _run(model_sql, [("customer_job", name) for _, name in cases])
    for (parts, name), row in zip(cases, out, strict=True):
        expected = [_normalized(p) for p in parts] + [None] * (3 - len(parts))
        got = [row["customer_name_normalized"], row["job_name_normalized"],
               row["sub_job_name_normalized"]]
        assert got == expected, name
        assert row["path_depth"] == len(parts)
        normalized = row["qb_name_normalized"]
        assert normalized == normalized.strip() and "  " not in normalized
        assert normalized == normalized.lower() and not any(c in normalized for c in "\t\n")


@settings(max_examples=40, deadline=None)
@given(st.lists(segment, min_size=1, max_size=3), st.data())
def test_renames_that_only_change_spacing_or_case_parse_the_same(model_sql: str, parts, data) -> None:
    spellings = [":".join(_padded(data.draw, p) for p in parts) for _ in range(3)]
    out = _run(model_sql, [("customer_job", s) for s in spellings])
    keys = {(r["customer_name_normalized"], r["job_name_normalized"], r["sub_job_name_normalized"])
            for r in out}
    assert len(keys) == 1, spellings


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["item", "class", "account"]), paths()), min_size=1,
                max_size=10))
def test_other_kinds_get_no_path_parts(model_sql: str, cases) -> None:
    out = _run(model_sql, [(kind, name) for kind, (_, name) in cases])
    for row in out:
        assert row["customer_name_normalized"] is None
        assert row["job_name_normalized"] is None and row["sub_job_name_normalized"] is None


def test_a_fourth_level_is_counted_in_the_depth(model_sql: str) -> None:
    (row,) = _run(model_sql, [("customer_job", "Garcia, Maria:Remodel:Phase 2:Kitchen")])
    assert row["path_depth"] == 4
    assert row["sub_job_name_normalized"] == "phase 2"  # deeper levels are not split out
