"""What a lot's label says, and the label as PDF and PNG, from one template (trace/label.html).

A label carries the lot's eye-readable identifiers (material, lot number, expiry, status; the COI of
a patient-specific product, never who the patient is) and its symbols:

- **GS1** (the default): a GS1 DataMatrix (FNC1 first) of (01) the material's GTIN if it has one,
  (17) the expiry, (240) the COI of a patient-specific product, (10) the lot number, last, so that
  only the COI needs a group separator after it.
- **ISBT 128** (a site that labels per ISBT 128, for a lot with a DIN): Code 128 symbols of the
  DIN with its flags (001), the material's product code (003) and the expiry date (004), and a
  Data Matrix of the same structures after a compound message header (023).

docs/traceability.md, "Labels and scanning", gives the rules and sources.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.trace.identifiers import IdentifierError, gs1, isbt128
from atmp.trace.labels import sizes as label_sizes
from atmp.trace.labels import symbols
from atmp.trace.labels.sizes import LabelSize, mm, px
from atmp.trace.labels.symbols import Symbol, SymbolError
from atmp.trace.models import LabelSetup, Lot, Person, PersonKind
from atmp.trace.selectors import genealogy

# GS1 AIs a label writes (General Specifications §3.2): the AI, its data title, and whether it is
# of fixed length (no FNC1 after it).
GTIN, EXPIRY, COI, LOT = ("01", True), ("17", True), ("240", False), ("10", False)
GS1_LOT_LENGTH = 20  # AI 10: at most 20 characters
GS1_ADDITIONAL_ID_LENGTH = 30  # AI 240: at most 30 characters
DIN_FLAGS = "00"  # ST-001 Table 3: no flag (a single container)

# Module sizes in whole 300-dpi dots. GS1's smallest X-dimension for healthcare Data Matrix is
# 0.254 mm (3 dots); ISBT 128 prints Code 128 with X of 0.17–0.25 mm (2 or 3 dots: 0.169, 0.254).
MATRIX_DOTS = (3, 8)
BAR_DOTS = (3, 2)


@dataclass(frozen=True)
class Setup:
    """A site's label set-up as labels use it: its sizes, the default one, and whether it uses ISBT 128."""

    sizes: tuple[LabelSize, ...]
    default: LabelSize
    isbt128: bool
    configured: bool  # False: the standard sizes, since the site has set none

    def size(self, name: str | None) -> LabelSize:
        """Return the size of the name (the default for none), or refuse one the site does not print on."""
        if not name:
            return self.default
        try:
            wanted = label_sizes.parse(name).name
        except label_sizes.SizeError as exc:
            raise InvalidInput("size", str(exc)) from None
        for size in self.sizes:
            if size.name == wanted:
                return size
        raise InvalidInput(
            "size", f"{wanted} is not a label size of this site ({', '.join(s.name for s in self.sizes)})"
        )


def setup_of(site_id: int) -> Setup:
    """Return the site's label set-up, or the standard sizes (labels.sizes.STANDARD) when it has set none."""
    stored = LabelSetup.objects.filter(site_id=site_id, voided=False).first()
    names = tuple(stored.sizes) if stored is not None else label_sizes.STANDARD
    default = stored.default_size if stored is not None else label_sizes.DEFAULT
    parsed = tuple(label_sizes.parse(n) for n in names)
    return Setup(
        sizes=parsed,
        default=next(s for s in parsed if s.name == default),
        isbt128=bool(stored is not None and stored.isbt128),
        configured=stored is not None,
    )


@dataclass(frozen=True)
class Code:
    """A Code 128 symbol of a label with the eye-readable text printed under it."""

    name: str
    symbol: Symbol
    text: str


@dataclass(frozen=True)
class LabelContent:
    """What a lot's label says: its eye-readable lines and its symbols."""

    standard: str  # "gs1" or "isbt128"
    lot: str
    material: str
    material_code: str
    expiry: str | None
    status: str
    site: str
    coi: str | None
    matrix: Symbol
    matrix_text: str  # the eye-readable form of what the 2-D symbol carries
    codes: tuple[Code, ...] = ()
    din: str | None = None
    din_check: str | None = None
    notes: tuple[str, ...] = field(default=())


def patient_of(lot: Lot) -> Person | None:
    """Return the patient a lot is made for: the patient who donated it, or the one patient its
    genealogy reaches back to (an autologous product); None for any other lot."""
    if lot.donor_id is not None:
        donor = lot.donor
        return donor if donor is not None and donor.kind == PersonKind.PATIENT else None
    reached = genealogy.backward(lot).persons
    if len(reached) == 1 and reached[0].kind == PersonKind.PATIENT:
        return Person.objects.filter(coi=reached[0].coi, voided=False).first()
    return None


def is_din(number: str) -> bool:
    """Return True when a lot number is an ISBT 128 DIN (13 characters of ST-001 §2.4.1's structure)."""
    try:
        isbt128.validate_din(number)
    except IdentifierError:
        return False
    return True


def din_of(lot: Lot, setup: Setup) -> str | None:
    """Return the lot's DIN: its number if that is a DIN; at an ISBT 128 site, the DIN of the one
    donation it was made from (ISBT 128 keeps a donation's DIN on every product made from it)."""
    if is_din(lot.number):
        return lot.number
    if not setup.isbt128:
        return None
    dins = sorted({x.number for x in genealogy.backward(lot).lots if x.level > 0 and is_din(x.number)})
    if len(dins) > 1:
        raise RuleViolation(
            f"lot {lot.number} is made from donations of {len(dins)} DINs ({', '.join(dins[:3])}…): "
            "a pooled product is labelled under a DIN of its own (number the lot with it)"
        )
    return dins[0] if dins else None


def label_content(lot: Lot, setup: Setup) -> LabelContent:
    """Return what the lot's label says: ISBT 128 for a lot with a DIN at a site using it, or a DIN lot
    number anywhere; GS1 otherwise. Refuses, naming the rule, data a symbol cannot carry."""
    din = din_of(lot, setup)
    patient = patient_of(lot)
    common = {
        "lot": lot.number,
        "material": lot.material.name,
        "material_code": lot.material.code,
        "expiry": lot.expiry_date.isoformat() if lot.expiry_date else None,
        "status": lot.state_label(),
        "site": lot.site.code,
        "coi": patient.coi if patient is not None else None,
    }
    try:
        if din is not None:
            return _isbt128_content(lot, din, common)
        return _gs1_content(lot, patient, common)
    except (SymbolError, IdentifierError) as exc:
        raise RuleViolation(f"lot {lot.number}: its label cannot carry it: {exc}") from None


def gs1_fields(lot: Lot, patient: Person | None) -> list[tuple[str, str, bool]]:
    """Return the GS1 element strings of a lot's label, (AI, data, fixed length?), in the order encoded."""
    found: list[tuple[str, str, bool]] = []
    if lot.material.gtin:
        found.append((GTIN[0], lot.material.gtin, GTIN[1]))
    if lot.expiry_date is not None:
        yymmdd = lot.expiry_date.strftime("%y%m%d")
        # Two digits of year: a reader takes the century that puts the date nearest today (§7.12).
        if gs1.parse_element_string(EXPIRY[0] + yymmdd).elements[0].date != lot.expiry_date.isoformat():
            raise SymbolError(f"expiry {lot.expiry_date} is too far from today for GS1's two-digit year (AI 17)")
        found.append((EXPIRY[0], yymmdd, EXPIRY[1]))
    if patient is not None:
        if len(patient.coi) > GS1_ADDITIONAL_ID_LENGTH:
            raise SymbolError(f"COI {patient.coi} is longer than AI 240's {GS1_ADDITIONAL_ID_LENGTH} characters")
        found.append((COI[0], patient.coi, COI[1]))
    if len(lot.number) > GS1_LOT_LENGTH:
        raise SymbolError(
            f"lot number {lot.number} has {len(lot.number)} characters; GS1 AI 10 (BATCH/LOT) holds at most "
            f"{GS1_LOT_LENGTH}"
        )
    found.append((LOT[0], lot.number, LOT[1]))
    return found


def _gs1_content(lot: Lot, patient: Person | None, common: dict[str, str | None]) -> LabelContent:
    fields = gs1_fields(lot, patient)
    matrix = symbols.gs1_datamatrix(fields)
    text = "".join(f"({ai}){value}" for ai, value, _ in fields)
    notes = () if lot.material.gtin else ("no GTIN",)
    return LabelContent(standard="gs1", matrix=matrix, matrix_text=text, notes=notes, **common)  # type: ignore[arg-type]


def isbt128_structures(lot: Lot, din: str) -> list[tuple[str, str, str]]:
    """Return the ISBT 128 data structures of a lot's label: (name, data, eye-readable text)."""
    found = [("DIN", isbt128.din_structure(din, DIN_FLAGS), f"{isbt128.eye_readable_din(din)} {DIN_FLAGS}")]
    if lot.material.isbt128_product_code:
        code = lot.material.isbt128_product_code
        found.append(("Product code", isbt128.product_code_structure(code), code))
    if lot.expiry_date is not None:
        found.append(("Expiry", isbt128.expiration_date_structure(lot.expiry_date), lot.expiry_date.isoformat()))
    return found


def _isbt128_content(lot: Lot, din: str, common: dict[str, str | None]) -> LabelContent:
    structures = isbt128_structures(lot, din)
    message = isbt128.compound_message([data for _, data, _ in structures])
    codes = tuple(Code(name, symbols.code128(data), text) for name, data, text in structures)
    notes = () if lot.material.isbt128_product_code else ("no ISBT 128 product code",)
    return LabelContent(
        standard="isbt128",
        matrix=symbols.datamatrix(message),
        matrix_text=message,
        codes=codes,
        din=din,
        din_check=isbt128.check_character(din),
        notes=notes,
        **common,  # type: ignore[arg-type]
    )


# --- the label as a document -----------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where things go on a label, in whole 300-dpi dots (and so in millimetres on the page)."""

    margin: int
    gap: int
    matrix_dots: int  # one Data Matrix module
    bar_dots: int  # one Code 128 module
    bar_height: int
    font_pt: Decimal


def layout(content: LabelContent, size: LabelSize) -> Layout:
    """Return the label's layout: the largest symbols that fit, or refuse a size too small for them."""
    margin, gap = px(Decimal("1.5")), px(Decimal("1.2"))
    inner_w, inner_h = size.width_px - 2 * margin, size.height_px - 2 * margin
    font_pt = min(max(size.height_mm * Decimal("0.2"), Decimal("5.5")), Decimal(10)).quantize(Decimal("0.1"))
    line = px(font_pt * Decimal("0.3528") * Decimal("1.25"))  # a line of text, in dots
    bar_height = min(max(px(Decimal(5)), size.height_px // 8), px(Decimal(12)))
    bar_dots = 0
    if content.codes:
        widest = max(c.symbol.width for c in content.codes)
        bar_dots = next((d for d in BAR_DOTS if widest * d <= inner_w), 0)
        if bar_dots == 0:
            raise _too_small(size, f"its Code 128 symbols need {mm(widest * BAR_DOTS[-1])} mm of width")
    codes_h = _rows(content, bar_dots, inner_w, gap) * (bar_height + line + gap)
    room = min(inner_h - codes_h, (inner_w - gap) * 45 // 100)
    matrix_dots = min(room // content.matrix.width, MATRIX_DOTS[1])
    if matrix_dots < MATRIX_DOTS[0]:
        need = content.matrix.width * MATRIX_DOTS[0]
        raise _too_small(size, f"its Data Matrix of {content.matrix.width} modules needs {mm(need)} mm a side")
    return Layout(margin, gap, matrix_dots, bar_dots, bar_height, font_pt)


def _rows(content: LabelContent, bar_dots: int, width: int, gap: int) -> int:
    """Return how many rows the Code 128 symbols take, side by side as they fit."""
    rows, used = 0, width
    for code in content.codes:
        wide = code.symbol.width * bar_dots
        if used + gap + wide > width:
            rows, used = rows + 1, wide
        else:
            used += gap + wide
    return rows


def _too_small(size: LabelSize, why: str) -> RuleViolation:
    return RuleViolation(f"size: {size.name} is too small for this label: {why}; choose a larger size")


def label_html(content: LabelContent, size: LabelSize) -> str:
    """Return the label's HTML: one page of the size, symbols drawn on whole dots (trace/label.html)."""
    plan = layout(content, size)
    context = {
        "label": content,
        "size": size,
        "margin_mm": mm(plan.margin),
        "gap_mm": mm(plan.gap),
        "font_pt": plan.font_pt,
        "matrix_svg": content.matrix.svg(plan.matrix_dots, test_id="label-matrix"),
        "din_text": isbt128.eye_readable_din(content.din) if content.din else "",
        "codes": [
            (code, code.symbol.svg(plan.bar_dots, height_px=plan.bar_height, test_id=f"label-code-{n}"))
            for n, code in enumerate(content.codes)
        ],
    }
    return render_to_string("trace/label.html", context)


def label_pdf(content: LabelContent, size: LabelSize, *, created: dt.datetime | None = None) -> bytes:
    """Return the label as a one-page PDF (PDF/A-3b, fonts embedded, nothing fetched from a network)."""
    from atmp.printing.pdf import render_pdf

    data = render_pdf(label_html(content, size), attachments=[], title=f"Label of lot {content.lot}", created=created)
    pages = _page_count(data)
    if pages != 1:
        raise _too_small(size, f"its text runs onto {pages} pages")
    return data


def label_png(content: LabelContent, size: LabelSize) -> bytes:
    """Return the label as a PNG of exactly the size at 300 dpi (the PDF rasterised by PDFium)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(label_pdf(content, size))
    try:
        # Paths (the symbols) are not smoothed: a module is black or white, never a grey edge.
        bitmap = document[0].render(scale=label_sizes.DPI / 72, grayscale=True, no_smoothpath=True)
        image = bitmap.to_pil().convert("L").crop((0, 0, size.width_px, size.height_px))
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(label_sizes.DPI, label_sizes.DPI), optimize=True)
    return out.getvalue()


def _page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_label(lot: Lot, *, size: str | None = None, fmt: str = "pdf") -> tuple[bytes, LabelSize]:
    """Return the lot's label in the format ("pdf" or "png") and the size it was printed in."""
    if fmt not in ("pdf", "png"):
        raise InvalidInput("format", f"{fmt!r}: a label is printed as pdf or png")
    setup = setup_of(lot.site_id)
    chosen = setup.size(size)
    content = label_content(lot, setup)
    data = label_pdf(content, chosen) if fmt == "pdf" else label_png(content, chosen)
    return data, chosen
