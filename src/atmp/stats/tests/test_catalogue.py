"""The catalogue: options parsed once for every entry point, provenance on every result, no NaN out."""

import math

import pytest

from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import Analysis, Outcome, Param, run
from atmp.stats.errors import StatsInputError
from atmp.stats.report import ComputationError, number_or_word, plain
from atmp.stats.table import Table


def echo(table, options):
    return Outcome(document={"options": options}, method="echo", variant="plain", n=len(table) if table else 0)


def analysis(*params, file="optional", compute=echo):
    return Analysis(name="echo", title="Echo", summary="s", source="none", params=params, compute=compute, file=file)


ALPHA = Param("alpha", "float", "the significance level", default=0.05, low=0, high=0.5, open_low=True, open_high=True)


def test_it_parses_text_and_typed_values_alike():
    a = analysis(ALPHA, Param("n", "int", "count", required=True), Param("welch", "flag", "Welch"))
    for raw in ({"alpha": "0.1", "n": "3", "welch": "yes"}, {"alpha": 0.1, "n": 3, "welch": True}):
        assert run(a, raw, None).document["options"] == {"alpha": 0.1, "n": 3, "welch": True}


def test_it_fills_defaults_and_names_a_missing_required_option():
    a = analysis(ALPHA, Param("n", "int", "how many observations", required=True))
    with pytest.raises(StatsInputError, match="n: is required: how many observations"):
        run(a, {}, None)
    assert run(a, {"n": "2"}, None).document["options"]["alpha"] == 0.05


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"alpha": "0.5"}, "alpha: must be above 0 and below 0.5, not 0.5"),
        ({"alpha": "x"}, "alpha: must be a number, not 'x'"),
        ({"alpha": "nan"}, "alpha: must be a finite number"),
        ({"beta": "1"}, "beta: is not an option of echo"),
    ],
)
def test_it_refuses_bad_options_naming_the_option_and_the_rule(raw, message):
    with pytest.raises(StatsInputError, match=message):
        run(analysis(ALPHA), raw, None)


def test_it_parses_lists_of_numbers_and_choices():
    a = analysis(Param("values", "floats", "values"), Param("sided", "choice", "sides", choices=("one", "two")))
    document = run(a, {"values": "1, 2.5,3", "sided": "TWO"}, None).document
    assert document["options"] == {"values": [1.0, 2.5, 3.0], "sided": "two"}
    with pytest.raises(StatsInputError, match="sided: must be one of one, two"):
        run(a, {"sided": "three"}, None)


def test_it_refuses_an_unknown_column_before_computing():
    a = analysis(Param("value", "column", "the values", required=True), file="required")
    with pytest.raises(StatsInputError, match="value: no column 'v'"):
        run(a, {"value": "v"}, Table.from_bytes(b"x\n1\n"))


def test_it_refuses_a_missing_file_and_a_file_without_rows():
    with pytest.raises(StatsInputError, match="reads a CSV file"):
        run(analysis(file="required"), {}, None)
    with pytest.raises(StatsInputError, match="no data rows"):
        run(analysis(), {}, Table.from_bytes(b"a,b\n"))


def test_every_result_carries_its_provenance():
    table = Table.from_bytes(b"x\n1\n2\n")
    document = run(analysis(ALPHA), {"alpha": "0.1"}, table).document
    provenance = document["provenance"]
    assert provenance["method"] == "echo" and provenance["variant"] == "plain" and provenance["n"] == 2
    assert provenance["parameters"] == {"alpha": 0.1}
    assert provenance["input_sha256"] == table.sha256
    assert set(provenance["versions"]) >= {"atmp", "numpy", "scipy", "statsmodels", "python"}


def test_a_nan_never_reaches_a_document():
    def broken(table, options):
        return Outcome(document={"x": [1.0, math.nan]}, method="m", variant=None, n=0)

    with pytest.raises(ComputationError, match=r"result.x\[1\] is nan"):
        run(analysis(compute=broken), {}, None)


def test_infinite_and_undefined_values_are_words():
    assert [number_or_word(v) for v in (1.5, math.inf, -math.inf, math.nan)] == [1.5, "inf", "-inf", "undefined"]
    assert plain({"a": (1, 2.0, None, True)}) == {"a": [1, 2.0, None, True]}


def test_every_analysis_has_an_example_that_runs():
    from atmp.stats.catalogue import example_files

    files = example_files()
    for a in ANALYSES.values():
        table = Table.from_bytes(files[a.example]) if a.example else None
        result = run(a, a.example_options, table, plot=a.plots)
        assert result.document["provenance"]["method"]
        assert (result.svg is not None) == a.plots


def test_the_index_of_names_and_modules_matches_what_the_modules_declare():
    import importlib

    from atmp.stats.analyses import WHERE

    declared = {}
    for module in set(WHERE.values()):
        for a in importlib.import_module(f"atmp.stats.analyses.{module}").ANALYSES:
            declared[a.name] = module
    assert declared == WHERE


def test_a_command_loads_only_the_module_of_its_analysis():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from atmp.stats.analyses import analysis\n"
        "analysis('signals')\n"
        "print(sorted(m for m in ('statsmodels', 'matplotlib', 'atmp.stats.shelf_life') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
