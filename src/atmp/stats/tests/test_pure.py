"""atmp.stats stays plain Python: importing every module of it loads no Django."""

import pkgutil
import subprocess
import sys

import atmp.stats


def test_the_statistics_engine_imports_no_django():
    modules = [m.name for m in pkgutil.walk_packages(atmp.stats.__path__, "atmp.stats.") if ".tests" not in m.name]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", modules
