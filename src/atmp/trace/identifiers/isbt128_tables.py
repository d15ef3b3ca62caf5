"""The reference tables of ICCBBA ST-001 v6.2.2 that atmp reads ISBT 128 data structures with:
Table 2 (data identifiers), Table 3 (flag characters), Tables 4–6 (blood groups, special messages,
Rh/Kell phenotypes), Table 7 (type of collection) and §2.4.3's product types."""

from __future__ import annotations

# Table 3 [RT004]: the flag characters defined by ICCBBA (type 1).
FLAG_MEANINGS = {
    "00": "Flag not used; null value",
    "01": "Container 1 of a set",
    "02": "Container 2 of a set",
    "03": "Container 3 of a set",
    "04": "Container 4 of a set",
    "05": "Second (or repeated) demand-printed label",
    "06": "Pilot tube label",
    "07": "Test tube label",
    "08": "Donor record label",
    "09": "Sample tube for NAT testing",
    "10": "Samples for bacterial testing",
    "11": "Match with Unit label",
    "12": "Affixed partial label",
    "13": "Attached label (intended to be used with affixed partial label)",
    "15": "Container 5 of a set",
    "16": "Container 6 of a set",
    "17": "Container 7 of a set",
    "18": "Container 8 of a set",
    "19": "Container 9 of a set",
}


# ST-001 Table 2 [RT003]: every ICCBBA data identifier, so that one atmp does not read is named.
KNOWN = {
    "=%": ("002", "Blood Groups [ABO and RhD]"),
    "=<": ("003", "Product Code"),
    "=>": ("004", "Expiration Date"),
    "&>": ("005", "Expiration Date and Time"),
    "=*": ("006", "Collection Date"),
    "&*": ("007", "Collection Date and Time"),
    "=}": ("008", "Production Date"),
    "&}": ("009", "Production Date and Time"),
    "&(": ("010", "Special Testing: General"),
    "={": ("011", "Special Testing: Red Blood Cell Antigens [retired]"),
    "=\\": ("012", "Special Testing: Red Blood Cell Antigens – General"),
    "&\\": ("013", "Special Testing: Red Blood Cell Antigens – Finnish"),
    "&{": ("014", "Special Testing: Platelet HLA and Platelet Specific Antigens"),
    "=[": ("015", "Special Testing: HLA-A and -B Alleles [retired]"),
    '="': ("016", "Special Testing: HLA-DRB1 Alleles [retired]"),
    "=)": ("017", "Container Manufacturer and Catalog Number"),
    "&)": ("018", "Container Lot Number"),
    "=;": ("019", "Donor Identification Number"),
    "='": ("020", "Staff Member Identification Number"),
    "=-": ("021", "Manufacturer and Catalog Number: Items Other Than Containers"),
    "&-": ("022", "Lot Number: Items Other Than Containers"),
    "=+": ("023", "Compound Message"),
    "=#": ("024", "Patient Date of Birth"),
    "&#": ("025", "Patient Identification Number"),
    "=]": ("026", "Expiration Month and Year"),
    '&"': ("027", "Transfusion Transmitted Infection Marker"),
    "=$": ("028", "Product Consignment"),
    "&$": ("029", "Dimensions"),
    "&%": ("030", "Red Cell Antigens with Test History"),
    "=(": ("031", "Flexible Date and Time"),
    "=,": ("032", "Product Divisions"),
    "&+": ("033", "Processing Facility Information Code"),
    "=/": ("034", "Processor Product Identification Code"),
    "&,1": ("035", "MPHO Lot Number"),
    "&,2": ("036", "MPHO Supplemental Identification Number"),
    "&,3": ("037", "Global Registration Identifier for Donors [retired]"),
    "&,4": ("038", "Single European Code (SEC)"),
    "&:": ("039", "Global Registration Identifier for Donors"),
    "&/": ("040", "Chain of Identity Identifier"),
}


# Table 4 [RT005]: the columns of type of collection, in order.
INTENDED_USE = (
    "Default: intended use not specified",
    "Directed (dedicated/designated) collection use only",
    "For emergency use only",
    "Directed (dedicated/designated) collection/biohazardous",
    "Directed (dedicated/designated) collection/eligible for crossover",
    "Autologous collection/eligible for crossover",
    "For autologous use only",
    "For autologous use only/biohazardous",
)


def blood_group_table() -> dict[str, tuple[str, str | None]]:
    table: dict[str, tuple[str, str | None]] = {}
    # Numeric rows: each group's eight codes in the order default, directed, emergency, …
    numeric = {
        "O RhD negative": ("95", "91", "92", "93", "94", "96", "97", "98"),
        "O RhD positive": ("51", "47", "48", "49", "50", "52", "53", "54"),
        "A RhD negative": ("06", "02", "03", "04", "05", "07", "08", "09"),
        "A RhD positive": ("62", "58", "59", "60", "61", "63", "64", "65"),
        "B RhD negative": ("17", "13", "14", "15", "16", "18", "19", "20"),
        "B RhD positive": ("73", "69", "70", "71", "72", "74", "75", "76"),
        "AB RhD negative": ("28", "24", "25", "26", "27", "29", "30", "31"),
        "AB RhD positive": ("84", "80", "81", "82", "83", "85", "86", "87"),
    }
    for group, codes in numeric.items():
        for code, use in zip(codes, INTENDED_USE, strict=True):
            table[code] = (group, use)
    # Lettered rows: a letter and the column's digit (6 is the default, except O, A, B, AB: 55–88).
    lettered = {
        "P": ("O", "55"),
        "A": ("A", "66"),
        "B": ("B", "77"),
        "C": ("AB", "88"),
        "D": ("para-Bombay, RhD negative", "D6"),
        "E": ("para-Bombay, RhD positive", "E6"),
        "G": ("Bombay, RhD negative", "G6"),
        "H": ("Bombay, RhD positive", "H6"),
        "I": ("O para-Bombay, RhD negative", "I6"),
        "J": ("O para-Bombay, RhD positive", "J6"),
        "K": ("A para-Bombay, RhD negative", "K6"),
        "L": ("B para-Bombay, RhD negative", "L6"),
        "M": ("AB para-Bombay, RhD negative", "M6"),
        "N": ("A para-Bombay, RhD positive", "N6"),
        "O": ("B para-Bombay, RhD positive", "O6"),
        "Q": ("AB para-Bombay, RhD positive", "Q6"),
    }
    for letter, (group, default) in lettered.items():
        table[default] = (group, INTENDED_USE[0])
        for digit, use in zip("2345789", INTENDED_USE[1:], strict=True):
            table[letter + digit] = (group, use)
    pooled = {
        "A0": "Group A, pooled RhD",
        "B0": "Group B, pooled RhD",
        "C0": "Group AB, pooled RhD",
        "D0": "Group O, pooled RhD",
        "E0": "Pooled ABO, RhD positive",
        "F0": "Pooled ABO, RhD negative",
        "G0": "Pooled ABO, pooled RhD",
        "H0": "Pooled ABO (RhD not specified)",
        "I0": "A1",
        "J0": "A2",
        "K0": "A1B",
        "L0": "A2B",
    }
    for code, group in pooled.items():
        table[code] = (group, None)
    return table


BLOOD_GROUPS = blood_group_table()
# Table 5 [RT006]: special messages in place of a blood group (T1–T6 for tissue products only).
SPECIAL_MESSAGES = {
    "00": "No ABO or Rh information is available",
    "Ma": "Autologous collection",
    "Mb": "Biohazardous",
    "Md": "Discard (to be destroyed)",
    "Mf": "For fractionation use only",
    "Mq": "Quarantine/hold for further testing or processing",
    "Mr": "For research use only",
    "Mx": "Not for transfusion based on test results",
    "T1": "ABO not specified, RhD positive",
    "T2": "ABO not specified, RhD negative",
    "T3": "ABO not specified, RhD not specified",
    "T4": "Autologous collection/in quarantine",
    "T5": "See outer packaging for product status",
    "T6": "Must be sterilized before release",
}
# Table 6 [RT007]: r encodes Kell (by column) and C, c, E, e (by row); U, V: Mi(a)/Mur; W: see Special Testing.
KELL_COLUMNS = ("0123456789X", "SABCDEFGHIY", "TJKLMNOPQRZ")
KELL = ("no information", "negative", "positive")
PHENOTYPE_ROWS = (
    None,
    ("negative", "positive", "negative", "positive"),
    ("positive", "positive", "negative", "positive"),
    ("positive", "positive", "positive", "positive"),
    ("positive", "positive", "positive", "negative"),
    ("negative", "positive", "positive", "positive"),
    ("negative", "positive", "positive", "negative"),
    ("positive", "negative", "negative", "positive"),
    ("positive", "negative", "positive", "positive"),
    ("positive", "negative", "positive", "negative"),
    ("negative", "no information", "negative", "no information"),
)


# §2.4.3: the product type by α (the first character of the Product Description Code).
PRODUCT_TYPES = {
    "E": "Blood Components",
    "F": "Blood Components",
    "H": "MPHO with INN and/or USAN names",
    "M": "Other Therapies (human milk, topical products of human origin)",
    "N": "Organs",
    "P": "Regenerated Tissue products",
    "R": "Reproductive Tissue and Cell products",
    "S": "Cellular Therapy products",
    "T": "Tissue products",
    "V": "Ocular Tissue products",
    "W": "Fecal Microbiota",
    "X": "Other Blood products (plasma derivatives, in vivo diagnostic MPHO)",
    "Y": "Clinical Trials products",
    "A": "National or local/facility code",
    "B": "National or local/facility code",
    "C": "National or local/facility code",
    "D": "National or local/facility code",
}
# Table 7 [RT008]: the type of collection in the 6th position of the Product Code (t).
COLLECTION_TYPES = {
    "0": "Not specified (null value)",
    "V": "Volunteer homologous (allogeneic) (default)",
    "R": "Volunteer research (product not intended for human application)",
    "S": "Volunteer source",
    "T": "Volunteer therapeutic",
    "P": "Paid homologous (allogeneic)",
    "r": "Paid research (product not intended for human application)",
    "s": "Paid source",
    "A": "Autologous, eligible for crossover",
    "1": "For autologous use only",
    "X": "For autologous use only, biohazard",
    "D": "Volunteer directed, eligible for crossover",
    "d": "Paid directed, eligible for crossover",
    "2": "For directed recipient use only",
    "L": "For directed recipient use only, limited exposure",
    "E": "Medical exception, for specified recipient only (allogeneic)",
    "Q": "See (read) the Special Testing bar code",
    "3": "For directed recipient use only, biohazard",
    "4": "Designated",
    "5": "Dedicated",
    "6": "Designated, biohazard",
    "F": "Family reserved",
    "C": "Replacement",
    "7": "For allogeneic use",
    "8": "For autologous use. Contains allogeneic material",
    "B": "Directed/dedicated/designated collection use only",
    "H": "Directed/dedicated/designated collection/biohazardous",
    "J": "Directed/dedicated/designated collection/eligible for crossover",
    "G": "For emergency use only",
}
