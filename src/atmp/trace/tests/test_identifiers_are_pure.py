"""atmp.trace.identifiers stays plain Python: importing every module of it loads no Django."""

import pkgutil
import subprocess
import sys

import atmp.trace.identifiers


def test_the_identifiers_import_no_django():
    package = atmp.trace.identifiers
    modules = [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", modules
