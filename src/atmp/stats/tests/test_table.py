"""Reading CSV files: delimiters, header rules, and messages that name the column and the line."""

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table


def test_it_reads_columns_as_text_and_numbers_with_the_file_hash():
    data = b"batch,time,value\nA,0,100.5\nA,3, 99.1\n"
    table = Table.from_bytes(data)
    assert table.labels("batch", option="batch") == ["A", "A"]
    assert np.array_equal(table.numbers("value", option="value"), [100.5, 99.1])
    assert table.sha256 == hashlib.sha256(data).hexdigest()
    assert len(table) == 2


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_it_reads_semicolon_and_tab_separated_files(delimiter):
    table = Table.from_bytes(f"a{delimiter}b\n1{delimiter}2\n".encode())
    assert table.numbers("b", option="b").tolist() == [2.0]


@pytest.mark.parametrize("quote", [False, True])
def test_a_row_of_blanks_is_a_blank_line(quote):
    text = ('"a",b' if quote else "a,b") + "\n1,2\n  , \t\n3,4\n"
    table = Table.from_bytes(text.encode())
    assert table.columns == {"a": ["1", "3"], "b": ["2", "4"]} and table.lines == [2, 4]


def test_it_skips_blank_lines_and_a_byte_order_mark():
    table = Table.from_bytes("\ufeffa,b\n1,2\n\n,\n3,4\n".encode())
    assert table.numbers("a", option="a").tolist() == [1.0, 3.0]
    assert table.lines == [2, 5]


def test_it_names_the_line_and_column_of_a_bad_number():
    table = Table.from_bytes(b"a,b\n1,2\n3,x\n")
    with pytest.raises(StatsInputError, match=r"column 'b', line 3: 'x' is not a number") as caught:
        table.numbers("b", option="value")
    assert caught.value.field == "value"


def test_it_names_a_missing_value_and_a_decimal_comma():
    with pytest.raises(StatsInputError, match="line 2: the value is missing"):
        Table.from_bytes(b"a,b\n1,\n").numbers("b", option="b")
    with pytest.raises(StatsInputError, match="decimal point"):
        Table.from_bytes(b"a;b\n1;2,5\n").numbers("b", option="b")


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity"])
def test_it_refuses_values_that_are_not_finite(cell):
    with pytest.raises(StatsInputError, match="not a finite number"):
        Table.from_bytes(f"a\n{cell}\n".encode()).numbers("a", option="a")


def test_it_lists_the_columns_when_one_is_unknown():
    with pytest.raises(StatsInputError, match=r"no column 'c' in the file \(its columns: 'a', 'b'\)"):
        Table.from_bytes(b"a,b\n1,2\n").column("c", option="value")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"a,,c\n1,2,3\n", "column 2 has no name"),
        (b"a,a\n1,2\n", "names column 'a' twice"),
        (b"a,b\n1,2,3\n", "line 2 has 3 cells but the header names 2 columns"),
        (b"a\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_it_refuses_malformed_files(data, message):
    with pytest.raises(StatsInputError, match=message):
        Table.from_bytes(data)


def test_it_refuses_an_empty_label():
    with pytest.raises(StatsInputError, match="line 3: the cell is empty"):
        Table.from_bytes(b"g,v\nA,1\n,2\n").labels("g", option="group")


CELL = st.text(alphabet=st.sampled_from("ab1. \t-"), max_size=4)


@settings(max_examples=500, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=2, max_size=2), max_size=8), delimiter=st.sampled_from([",", ";"]))
def test_the_fast_reader_of_files_without_quotes_reads_as_the_row_by_row_reader(rows, delimiter):
    text = f"x{delimiter}y\n" + "".join(delimiter.join(row) + "\n" for row in rows)
    plain = Table.from_bytes(text.encode())
    quoted = Table.from_bytes(text.encode() + b'"",""\n' if delimiter == "," else text.replace("x", '"x"', 1).encode())
    assert plain.columns == quoted.columns and plain.lines == quoted.lines


def test_an_upload_over_the_analysis_limits_is_refused_before_it_is_parsed():
    from atmp.stats.analyses import ANALYSES
    from atmp.stats.errors import TooLarge

    lrv, signals = ANALYSES["lrv"], ANALYSES["signals"]
    assert signals.max_bytes > lrv.max_bytes  # a report database is larger than a clearance study
    lrv.check_upload_size(lrv.max_bytes)
    with pytest.raises(TooLarge, match=r"is 2,097,153 bytes; lrv accepts a CSV of at most 2,097,152 bytes \(2 MiB\)"):
        lrv.check_upload_size(lrv.max_bytes + 1)
    lrv.check_upload_rows(b"h\n" + b"1\n" * lrv.max_rows)
    with pytest.raises(TooLarge, match="has 50,001 lines after the header"):
        lrv.check_upload_rows(b"h\n" + b"1\n" * (lrv.max_rows + 1))
