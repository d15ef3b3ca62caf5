"""Import files for the import tests: the example of docs/traceability.md, and lines to build others from."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[4] / "docs" / "traceability.md"


def documented_example() -> bytes:
    """Return the JSON Lines example of docs/traceability.md, as a file holds it."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"```jsonl\n(.*?)```", text, re.S)
    assert match is not None, "docs/traceability.md has no ```jsonl example"
    return match.group(1).encode()


def jsonl(*lines: dict[str, Any]) -> bytes:
    """Return the objects as a JSON Lines file."""
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


MEDIUM = {"kind": "material", "code": "MED-9", "name": "Medium", "type": "medium", "unit": "mL"}
PRODUCT = {"kind": "material", "code": "DP-9", "name": "Product", "type": "drug_product", "unit": "{bag}"}


def lot(number: str, material: str = "MED-9", quantity: str = "100", **more: Any) -> dict[str, Any]:
    """Return a lot line."""
    return {"kind": "lot", "id": number, "material": material, "quantity": quantity, **more}


def use(source: str, made: str, quantity: str = "10", unit: str = "mL", **more: Any) -> dict[str, Any]:
    """Return a use line."""
    return {"kind": "use", "input": source, "output": made, "quantity": quantity, "unit": unit, **more}
