"""Properties of the connector's wire → arrow conversion (coconstruct_source/arrow_pages.py):
valid money, dates and timestamps arrive exactly; invalid ones are rejected with the record
and the column named, never rounded, truncated or guessed; the rest of the page still loads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from coconstruct_source.arrow_pages import convert_page
from coconstruct_source.contract import Column, TableSpec

SPEC = TableSpec(
    "things",
    (Column("id", "bigint", False), Column("amount", "decimal", True, 2),
     Column("rate", "decimal", True, 4), Column("on", "date", True),
     Column("at", "timestamp", True), Column("updated_at", "timestamp", False)),
    ("id",),
)
UPDATED = "2025-03-04T17:02:11.123456Z"
SETTINGS = settings(max_examples=200, deadline=None)


def _record(i: int, **values: object) -> dict:
    return {"id": i, "updated_at": UPDATED, **values}


def _convert(records: list[dict]):
    page = convert_page(records, SPEC, "t1")
    return page.tables["things"], page.rejects


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


money_values = st.integers(-(10**17) + 1, 10**17 - 1).map(lambda n: Decimal(n).scaleb(-2))


@SETTINGS
@given(st.lists(money_values, min_size=1, max_size=30))
def test_two_decimal_money_round_trips_exactly(values: list[Decimal]) -> None:
    table, rejects = _convert([_record(i, amount=format(v, "f")) for i, v in enumerate(values, 1)])
    assert rejects == []
    assert table.schema.field("amount").type == pa.decimal128(18, 2)
    assert _column(table, "amount") == values


@SETTINGS
@given(st.integers(-(10**12), 10**12).filter(lambda n: n % 10), st.sampled_from([3, 4]))
def test_sub_cent_money_is_rejected_not_rounded(n: int, places: int) -> None:
    text = format(Decimal(n).scaleb(-places), "f")
    table, rejects = _convert([_record(1, amount="1.00"), _record(2, amount=text)])
    assert _column(table, "id") == [1]
    assert _column(table, "amount") == [Decimal("1.00")]
    (reject,) = rejects
    assert (reject.record_id, reject.column, reject.value) == (2, "amount", text)


@SETTINGS
@given(st.sampled_from(["", "1,000.00", "12.5.0", "abc", "NaN", "Infinity", "1.00 ", "0x10"]),
       st.integers(1, 10**6))
def test_malformed_money_is_rejected(text: str, record_id: int) -> None:
    table, rejects = _convert([_record(record_id, amount=text)])
    assert table.num_rows == 0
    assert [(r.record_id, r.column) for r in rejects] == [(record_id, "amount")]


def test_float_money_is_rejected() -> None:
    table, rejects = _convert([_record(7, amount=12.5), _record(8, amount="12.50")])
    assert _column(table, "id") == [8]
    assert rejects[0].record_id == 7 and "got float" in rejects[0].reason


def test_money_too_large_for_decimal_18_2_is_rejected() -> None:
    _, rejects = _convert([_record(1, amount="10000000000000000.00")])
    assert rejects and rejects[0].column == "amount"


@SETTINGS
@given(st.integers(-(10**13), 10**13).map(lambda n: Decimal(n).scaleb(-4)))
def test_rates_keep_four_decimals(value: Decimal) -> None:
    table, rejects = _convert([_record(1, rate=format(value, "f"))])
    assert rejects == [] and _column(table, "rate") == [value]


@SETTINGS
@given(st.dates())
def test_valid_dates_parse_exactly(day: dt.date) -> None:
    table, rejects = _convert([_record(1, on=day.isoformat())])
    assert rejects == [] and _column(table, "on") == [day]


@SETTINGS
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(29, 31))
def test_impossible_dates_are_rejected(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        dt.date(year, month, day)
        valid = True
    except ValueError:
        valid = False
    table, rejects = _convert([_record(1, on=text)])
    if valid:
        assert _column(table, "on") == [dt.date(year, month, day)]
    else:
        assert table.num_rows == 0 and rejects[0].column == "on"


utc_instants = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9999, 12, 30),
                            timezones=st.just(dt.UTC))
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@SETTINGS
@given(utc_instants)
def test_contract_timestamps_parse_exactly(instant: dt.datetime) -> None:
    text = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    table, rejects = _convert([_record(1, at=text)])
    assert rejects == [] and _column(table, "at") == [instant]


@SETTINGS
@given(utc_instants, offsets)
def test_timestamps_with_an_offset_land_on_the_same_instant(instant: dt.datetime,
                                                             zone: dt.timezone) -> None:
    text = instant.astimezone(zone).isoformat()
    table, rejects = _convert([_record(1, at=text)])
    assert rejects == [] and _column(table, "at") == [instant]


@SETTINGS
@given(utc_instants)
def test_timestamps_without_a_zone_are_rejected_not_guessed(instant: dt.datetime) -> None:
    text = instant.replace(tzinfo=None).isoformat()
    table, rejects = _convert([_record(1, at=text)])
    assert table.num_rows == 0 and (rejects[0].column, rejects[0].value) == ("at", text)


@SETTINGS
@given(utc_instants, st.integers(1, 9))
def test_sub_microsecond_timestamps_are_rejected_not_truncated(instant: dt.datetime,
                                                               extra: int) -> None:
    text = instant.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{extra}Z"
    table, rejects = _convert([_record(1, at=text)])
    assert table.num_rows == 0 and rejects[0].column == "at"


@SETTINGS
@given(st.lists(money_values, min_size=2, max_size=20), st.data())
def test_one_bad_record_leaves_the_rest_of_the_page_intact(values: list[Decimal], data) -> None:
    bad = data.draw(st.integers(0, len(values) - 1))
    records = [_record(i, amount=format(v, "f")) for i, v in enumerate(values, 1)]
    records[bad]["at"] = "2025-02-30T00:00:00Z"
    table, rejects = _convert(records)
    assert [r.record_id for r in rejects] == [bad + 1]
    kept = [v for i, v in enumerate(values) if i != bad]
    assert _column(table, "amount") == kept
    assert sum(_column(table, "amount"), Decimal(0)) == sum(kept, Decimal(0))
