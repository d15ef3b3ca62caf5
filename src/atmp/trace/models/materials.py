"""The material catalogue: what lots are lots of (EU GMP Part IV ch. 6 (Documentation), 'specifications and
instructions', and ch. 7 (Starting and raw materials): starting materials, reagents, consumables, intermediates
and products each identified and specified)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.ledger.records import GmpRecord

__all__ = ["PURCHASED_TYPES", "Material", "MaterialType"]


class MaterialType(models.TextChoices):
    """What a material is, from donation or purchase to the medicinal product."""

    STARTING_MATERIAL = "starting_material", "Starting material"
    PLASMID = "plasmid", "Plasmid"
    CELL_LINE = "cell_line", "Cell line"
    VECTOR_SEED = "vector_seed", "Vector seed stock"
    CRITICAL_REAGENT = "critical_reagent", "Critical reagent"
    # A potency assay's reference standard (USP <1032>, Ph. Eur. 5.3 §1.2): in-house or bought.
    REFERENCE_STANDARD = "reference_standard", "Reference standard"
    MEDIUM = "medium", "Medium"
    CONSUMABLE = "consumable", "Consumable"
    INTERMEDIATE = "intermediate", "Intermediate"
    DRUG_SUBSTANCE = "drug_substance", "Drug substance"
    DRUG_PRODUCT = "drug_product", "Drug product"


# Materials that are only ever bought: a lot of one is received from a named supplier, whose
# qualification for the material quality.may_accept checks (EU GMP Part IV ch. 7, Starting and raw materials).
PURCHASED_TYPES = frozenset({MaterialType.CRITICAL_REAGENT, MaterialType.MEDIUM, MaterialType.CONSUMABLE})


class Material(GmpRecord):
    """A material of the catalogue, named by its code (the code suppliers are qualified for), for every site."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=MaterialType.choices)
    storage = models.CharField(max_length=200, blank=True, help_text="Storage conditions, e.g. -80 °C ± 10 °C.")
    unit = models.CharField(max_length=20, help_text="The UCUM code its lots are counted in by default.")
    # What a label carries for it (services.labels): the GS1 GTIN-14 of its trade item (AI 01), and
    # the ISBT 128 product code (Data Structure 003, αooootds) where the site labels per ISBT 128.
    gtin = models.CharField(max_length=14, blank=True, help_text="GTIN-14 (a shorter GTIN padded with zeros).")
    isbt128_product_code = models.CharField(max_length=8, blank=True, help_text="ISBT 128 product code αooootds.")

    site_path: ClassVar[str | None] = None  # the catalogue is every site's

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
