"""`atmp stats …` on the command line: JSON on stdout, plots as SVG files, exit 2 with the option named."""

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats.catalogue import example_files


def invoke(*args):
    return CliRunner().invoke(main, ["stats", *args], catch_exceptions=False)


def write_example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return path


def test_lrv_prints_the_steps_and_the_claim_as_json(tmp_path):
    result = invoke("lrv", str(write_example(tmp_path, "lrv.csv")), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [s["counted"] for s in document["steps"]] == [True, True, False, True, False]
    # 5.28297 (detergent) + 2.82288 (affinity) + 5.27881 (filtration): AEX repeats a mechanism, UF is ≤ 1 log.
    assert document["claim"] == pytest.approx(13.384656, abs=1e-6)
    assert document["claim_greater_equal"] is True


def test_lrv_draws_its_plot_as_svg(tmp_path):
    plot = tmp_path / "lrv.svg"
    result = invoke("lrv", str(write_example(tmp_path, "lrv.csv")), "--plot", str(plot))
    assert result.exit_code == 0, result.output
    assert plot.read_text().lstrip().startswith("<?xml") and "Viral clearance" in plot.read_text()
    assert "claim: 13.3847" in result.stdout


def test_bad_input_exits_2_naming_the_column_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "step,mechanism,load_log10_titre,load_volume_ml,output_log10_titre,output_volume_ml,output_detected\n"
        "A,x,6,10,1,10,maybe\n"
    )
    result = invoke("lrv", str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "output_detected: line 2: 'maybe' must be yes" in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = invoke("lrv", str(tmp_path / "none.csv"))
    assert result.exit_code == 2
    assert "FILE: cannot read" in result.stderr


def test_examples_writes_every_shipped_csv(tmp_path):
    result = invoke("examples", "--out", str(tmp_path / "ex"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "ex").iterdir()) == sorted(example_files())
