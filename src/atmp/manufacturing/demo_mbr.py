"""The demo's master batch record of AAV9-SMN: eleven steps of an adherent HEK293 triple transfection,
from the working cell bank vial to the filled vials, with their critical process parameters,
in-process controls, bill of materials (the trace demo's catalogue and two reagents added here) and
the quality demo's effective SOPs. Loaded through the services by atmp.manufacturing.demo."""

from __future__ import annotations

from typing import Any

GOWNING = "Aseptic gowning for grade A/B areas"  # the quality demo's effective SOPs, found by title
CLEANING = "Cleaning and disinfection of the cleanroom suite"
# Reagents the trace demo's catalogue does not hold: code, name, type, unit (UCUM), storage.
REAGENTS = [
    ("PEI-001", "PEIpro transfection reagent", "critical_reagent", "mg", "2–8 °C"),
    ("BUF-FORM", "AAV formulation buffer (PBS, 200 mM NaCl, 0.001 % poloxamer 188)", "medium", "L", "15–25 °C"),
]


def _cpp(name: str, unit: str, nor: tuple[Any, Any], par: tuple[Any, Any], decimals: int = 1) -> dict[str, Any]:
    return {
        "name": name,
        "unit": unit,
        "nor_low": nor[0],
        "nor_high": nor[1],
        "par_low": par[0],
        "par_high": par[1],
        "decimals": decimals,
    }


def _ipc(name: str, unit: str, low: Any, high: Any) -> dict[str, Any]:
    return {"name": name, "unit": unit, "low": low, "high": high}


def _bom(material: str, quantity: str, unit: str, tolerance: str = "0", verified: bool = False) -> dict[str, Any]:
    return {
        "material": material,
        "quantity": quantity,
        "unit": unit,
        "tolerance_percent": tolerance,
        "verification": verified,
    }


def _step(
    number: int, title: str, instructions: str, grade: str | None, classes: list[str], **rest: Any
) -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "instructions": instructions,
        "sops": rest.pop("sops", []),
        "room_grade": grade,
        "equipment_classes": classes,
        "parallel_with_previous": rest.pop("parallel", False),
        "verification": rest.pop("verification", False),
        "parameters": rest.pop("parameters", []),
        "controls": rest.pop("controls", []),
        "materials": rest.pop("materials", []),
    }


def document(title: str, sops: dict[str, str]) -> dict[str, Any]:
    """Return the demo record's JSON document, naming the SOPs by their numbers (title -> number)."""
    aseptic, cleaning = [sops[GOWNING]], [sops[CLEANING]]
    temperature = _cpp("Incubator temperature", "Cel", ("36.5", "37.5"), ("35.5", "38.5"))
    co2 = _cpp("CO2", "%", ("4.8", "5.2"), ("4.5", "5.5"))
    steps = [
        _step(10, "Thaw the working cell bank vial", "Thaw one WCB vial in the water bath until a small ice crystal "
              "remains; dilute dropwise into pre-warmed medium in the cabinet.", "A", ["bsc", "water_bath"],
              sops=aseptic, verification=True,
              parameters=[_cpp("Water bath temperature", "Cel", ("36.5", "37.5"), ("35.0", "39.0"))],
              controls=[_ipc("Post-thaw viability", "%", "85", None)],
              materials=[_bom("CL-HEK293", "1", "{vial}", verified=True), _bom("MED-001", "50", "mL", "10")]),
        _step(20, "Seed train expansion", "Expand in cell factories over three passages; passage at 80–90 % "
              "confluence.", "A", ["bsc", "incubator"], sops=aseptic,
              parameters=[temperature, co2, _cpp("Passage confluence", "%", ("80", "90"), ("70", "95"), 0),
                          # In passages from the WCB thaw: also held to the WCB's limit (ICH Q5D §2.3.3).
                          _cpp("Cell age at the end of the seed train", "{passage}", ("2", "4"), ("1", "20"), 0)],
              controls=[_ipc("Viable cell density", "10*6.{cells}/mL", "0.8", None),
                        _ipc("Viability", "%", "90", None)],
              materials=[_bom("MED-001", "4", "L", "5")]),
        _step(30, "Triple transfection", "Form PEI:DNA complexes for 15 min at room temperature; add to the "
              "cell factories.", "A", ["bsc"], sops=aseptic, verification=True,
              parameters=[_cpp("PEI:DNA mass ratio", "{ratio}", ("1.9", "2.1"), ("1.5", "2.5")),
                          _cpp("Complexation time", "min", ("12", "18"), ("10", "25"), 0)],
              materials=[_bom("PL-RC9", "2.5", "mg", "2", True), _bom("PL-SMN", "1.25", "mg", "2", True),
                         _bom("PL-HLP", "2.5", "mg", "2", True), _bom("PEI-001", "12.5", "mg", "2", True)]),
        _step(40, "Production culture", "Incubate the transfected cells.", "C", ["incubator"],
              parameters=[temperature, co2, _cpp("Culture duration", "h", ("70", "74"), ("66", "78"), 0)]),
        _step(50, "Harvest and lysis", "Add lysis buffer and nuclease; hold, then pool the lysate in a closed "
              "bag.", "C", ["bsc", "centrifuge"], sops=cleaning,
              parameters=[_cpp("Lysis hold time", "min", ("110", "130"), ("90", "150"), 0)],
              controls=[_ipc("Crude lysate titre", "10*12.{vg}/mL", "0.05", None)]),
        _step(60, "Clarification by depth filtration", "Filter the lysate through the depth filter train in a "
              "closed system.", "C", ["depth_filter"],
              parameters=[_cpp("Inlet pressure", "bar", (None, "0.8"), (None, "1.0"))],
              controls=[_ipc("Filtrate volume", "L", "3.5", "4.5")]),
        _step(70, "Affinity chromatography (AAV9 capture)", "Load, wash and elute the capture column.", "C",
              ["chromatography"],
              parameters=[_cpp("Load flow rate", "mL/min", ("45", "55"), ("40", "60"), 0),
                          _cpp("Elution pH", "[pH]", ("2.9", "3.1"), ("2.7", "3.3"))],
              controls=[_ipc("Eluate titre", "10*12.{vg}/mL", "1", None)]),
        _step(75, "Prepare the UF/DF buffer", "Weigh and dissolve; filter into a closed bag.", "C", ["balance"],
              parallel=True, sops=cleaning, controls=[_ipc("Buffer conductivity", "mS/cm", "18", "22")],
              materials=[_bom("BUF-FORM", "5", "L", "2")]),
        _step(80, "Ultrafiltration and diafiltration", "Concentrate tenfold, then diafilter against seven volumes "
              "of formulation buffer.", "C", ["tff"],
              parameters=[_cpp("Transmembrane pressure", "bar", ("0.6", "1.0"), ("0.4", "1.2"))],
              controls=[_ipc("Retentate conductivity", "mS/cm", "18", "22")]),
        _step(90, "Formulation and sterile filtration", "Dilute to target titre; filter through 0.2 µm into the "
              "bulk bag in the cabinet.", "A", ["bsc"], sops=aseptic, verification=True,
              parameters=[_cpp("Filter differential pressure", "bar", (None, "1.5"), (None, "2.0"))],
              controls=[_ipc("Post-use filter integrity (bubble point)", "bar", "3.4", None),
                        _ipc("Drug substance titre", "10*12.{vg}/mL", "1.0", "2.0")],
              materials=[_bom("BUF-FORM", "0.5", "L", "5")]),
        _step(100, "Aseptic fill in grade A with a grade B background", "Fill 2R vials, stopper and cap.", "A",
              ["bsc"], sops=aseptic, verification=True,
              parameters=[_cpp("Fill volume", "mL", ("5.0", "5.2"), ("4.9", "5.3"), 2)],
              controls=[_ipc("Filled vials", "{count}", "60", None)],
              materials=[_bom("DS-AAV9-SMN", "400", "mL", "5", True)]),
    ]  # fmt: skip
    return {"title": title, "steps": steps}
