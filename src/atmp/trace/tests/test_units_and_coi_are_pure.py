"""atmp.trace.units and atmp.trace.coi stay plain Python: importing them loads no Django."""

import subprocess
import sys


def test_units_and_coi_import_no_django():
    code = "import sys\nimport atmp.trace.units\nimport atmp.trace.coi\nprint('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
