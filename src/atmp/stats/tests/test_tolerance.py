"""Normal tolerance factors: one-sided exact (non-central t) and Natrella, two-sided exact and Howe.

Every table below is published; each test states how many digits the publication prints and
checks atmp's factor against that many.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from atmp.stats import tolerance
from atmp.stats.errors import StatsInputError

# Montgomery & Runger (2018), Applied Statistics and Probability for Engineers, 7th ed., Appendix
# Table XII, one-sided tolerance factors (3 decimals), as transcribed in jedludlow/tolerance_interval_py
# tests/test_oneside_normal.py (which notes a misprint in the book at n = 20, P = 0.95, γ = 0.90; the
# value below is that transcription's). Columns: (P, γ) = (0.90, 0.90), (0.95, 0.90), (0.99, 0.90),
# (0.90, 0.95), (0.95, 0.95), (0.99, 0.95), (0.90, 0.99), (0.95, 0.99), (0.99, 0.99).
MONTGOMERY_COLUMNS = [(0.90, 0.90), (0.95, 0.90), (0.99, 0.90), (0.90, 0.95), (0.95, 0.95), (0.99, 0.95)]
MONTGOMERY_COLUMNS += [(0.90, 0.99), (0.95, 0.99), (0.99, 0.99)]
MONTGOMERY_XII = {
    2: (10.253, 13.090, 18.500, 20.581, 26.260, 37.094, 103.029, 131.426, 185.617),
    3: (4.258, 5.311, 7.340, 6.155, 7.656, 10.553, 13.995, 17.370, 23.896),
    4: (3.188, 3.957, 5.438, 4.162, 5.144, 7.042, 7.380, 9.083, 12.387),
    5: (2.742, 3.400, 4.666, 3.407, 4.203, 5.741, 5.362, 6.578, 8.939),
    6: (2.494, 3.092, 4.243, 3.006, 3.708, 5.062, 4.411, 5.406, 7.335),
    7: (2.333, 2.894, 3.972, 2.755, 3.399, 4.642, 3.859, 4.728, 6.412),
    8: (2.219, 2.754, 3.783, 2.582, 3.187, 4.354, 3.497, 4.285, 5.812),
    9: (2.133, 2.650, 3.641, 2.454, 3.031, 4.143, 3.240, 3.972, 5.389),
    10: (2.066, 2.568, 3.532, 2.355, 2.911, 3.981, 3.048, 3.738, 5.074),
    11: (2.011, 2.503, 3.443, 2.275, 2.815, 3.852, 2.898, 3.556, 4.829),
    12: (1.966, 2.448, 3.371, 2.210, 2.736, 3.747, 2.777, 3.410, 4.633),
    13: (1.928, 2.402, 3.309, 2.155, 2.671, 3.659, 2.677, 3.290, 4.472),
    14: (1.895, 2.363, 3.257, 2.109, 2.614, 3.585, 2.593, 3.189, 4.337),
    15: (1.867, 2.329, 3.212, 2.068, 2.566, 3.520, 2.521, 3.102, 4.222),
    16: (1.842, 2.299, 3.172, 2.033, 2.524, 3.464, 2.459, 3.028, 4.123),
    17: (1.819, 2.272, 3.137, 2.002, 2.486, 3.414, 2.405, 2.963, 4.037),
    18: (1.800, 2.249, 3.105, 1.974, 2.453, 3.370, 2.357, 2.905, 3.960),
    19: (1.782, 2.227, 3.077, 1.949, 2.423, 3.331, 2.314, 2.854, 3.892),
    20: (1.765, 2.208, 3.052, 1.926, 2.396, 3.295, 2.276, 2.808, 3.832),
    21: (1.750, 2.190, 3.028, 1.905, 2.371, 3.263, 2.241, 2.766, 3.777),
    22: (1.737, 2.174, 3.007, 1.886, 2.349, 3.233, 2.209, 2.729, 3.727),
    23: (1.724, 2.159, 2.987, 1.869, 2.328, 3.206, 2.180, 2.694, 3.681),
    24: (1.712, 2.145, 2.969, 1.853, 2.309, 3.181, 2.154, 2.662, 3.640),
    25: (1.702, 2.132, 2.952, 1.838, 2.292, 3.158, 2.129, 2.633, 3.601),
    30: (1.657, 2.080, 2.884, 1.777, 2.220, 3.064, 2.030, 2.515, 3.447),
    40: (1.598, 2.010, 2.793, 1.697, 2.125, 2.941, 1.902, 2.364, 3.249),
    50: (1.559, 1.965, 2.735, 1.646, 2.065, 2.862, 1.821, 2.269, 3.125),
    60: (1.532, 1.933, 2.694, 1.609, 2.022, 2.807, 1.764, 2.202, 3.038),
    70: (1.511, 1.909, 2.662, 1.581, 1.990, 2.765, 1.722, 2.153, 2.974),
    80: (1.495, 1.890, 2.638, 1.559, 1.964, 2.733, 1.688, 2.114, 2.924),
    90: (1.481, 1.874, 2.618, 1.542, 1.944, 2.706, 1.661, 2.082, 2.883),
    100: (1.470, 1.861, 2.601, 1.527, 1.927, 2.684, 1.639, 2.056, 2.850),
}

# CMH-17-1G (Composite Materials Handbook, 2012) Vol. 1 §8.5.10, the A-basis factor kA: one-sided,
# P = 0.99, γ = 0.95 (3 decimals), as transcribed in cmstatr's tests/testthat/test-basis-factors.R.
CMH17_KA = {
    2: 37.094,
    3: 10.553,
    4: 7.042,
    5: 5.741,
    6: 5.062,
    7: 4.642,
    8: 4.354,
    9: 4.143,
    10: 3.981,
    11: 3.852,
    12: 3.747,
    13: 3.659,
    14: 3.585,
    15: 3.520,
    16: 3.464,
    17: 3.414,
    18: 3.370,
    19: 3.331,
    20: 3.295,
    21: 3.263,
    22: 3.233,
    23: 3.206,
    24: 3.181,
    25: 3.158,
    26: 3.136,
    27: 3.116,
    28: 3.098,
    29: 3.080,
    30: 3.064,
    31: 3.048,
    32: 3.034,
    33: 3.020,
    34: 3.007,
    35: 2.995,
    36: 2.983,
    37: 2.972,
    38: 2.961,
    39: 2.951,
    40: 2.941,
    41: 2.932,
    42: 2.923,
    43: 2.914,
    44: 2.906,
    45: 2.898,
    46: 2.890,
    47: 2.883,
    48: 2.876,
    49: 2.869,
    50: 2.862,
    51: 2.856,
    52: 2.850,
    53: 2.844,
    54: 2.838,
    55: 2.833,
    56: 2.827,
    57: 2.822,
    58: 2.817,
    59: 2.812,
    60: 2.807,
    61: 2.802,
    62: 2.798,
    63: 2.793,
    64: 2.789,
    65: 2.785,
    66: 2.781,
    67: 2.777,
    68: 2.773,
    69: 2.769,
    70: 2.765,
    71: 2.762,
    72: 2.758,
    73: 2.755,
    74: 2.751,
    75: 2.748,
    76: 2.745,
    77: 2.742,
    78: 2.739,
    79: 2.736,
    80: 2.733,
    81: 2.730,
    82: 2.727,
    83: 2.724,
    84: 2.721,
    85: 2.719,
    86: 2.716,
    87: 2.714,
    88: 2.711,
    89: 2.709,
    90: 2.706,
    91: 2.704,
    92: 2.701,
    93: 2.699,
    94: 2.697,
    95: 2.695,
    96: 2.692,
    97: 2.690,
    98: 2.688,
    99: 2.686,
    100: 2.684,
    101: 2.682,
    102: 2.680,
    103: 2.678,
    104: 2.676,
    105: 2.674,
    106: 2.672,
    107: 2.671,
    108: 2.669,
    109: 2.667,
    110: 2.665,
    111: 2.663,
    112: 2.662,
    113: 2.660,
    114: 2.658,
    115: 2.657,
    116: 2.655,
    117: 2.654,
    118: 2.652,
    119: 2.651,
    120: 2.649,
    121: 2.648,
    122: 2.646,
    123: 2.645,
    124: 2.643,
    125: 2.642,
    126: 2.640,
    127: 2.639,
    128: 2.638,
    129: 2.636,
    130: 2.635,
    131: 2.634,
    132: 2.632,
    133: 2.631,
    134: 2.630,
    135: 2.628,
    136: 2.627,
    137: 2.626,
}
# The same handbook's B-basis factor kB (P = 0.90, γ = 0.95), for the n where it is not the exact value.
CMH17_KB = {3: 6.157, 4: 4.163, 5: 3.408, 8: 2.583, 12: 2.211, 20: 1.927, 30: 1.778, 70: 1.582, 104: 1.522}

# Meeker, Hahn & Escobar (2017), Statistical Intervals, 2nd ed., Table J.5b, two-sided exact factors
# (3 decimals), as transcribed in tolerance_interval_py tests/test_twoside_normal_factor_mhe.py.
MEEKER_COLUMNS = [(0.90, 0.90), (0.90, 0.95), (0.90, 0.99), (0.95, 0.90), (0.95, 0.95), (0.95, 0.99)]
MEEKER_COLUMNS += [(0.99, 0.90), (0.99, 0.95), (0.99, 0.99)]
MEEKER_J5B = {
    2: (15.512, 31.092, 155.569, 18.221, 36.519, 182.720, 23.423, 46.944, 234.877),
    3: (5.788, 8.306, 18.782, 6.823, 9.789, 22.131, 8.819, 12.647, 28.586),
    4: (4.157, 5.368, 9.416, 4.913, 6.341, 11.118, 6.372, 8.221, 14.405),
    5: (3.499, 4.291, 6.655, 4.142, 5.077, 7.870, 5.387, 6.598, 10.220),
    6: (3.141, 3.733, 5.383, 3.723, 4.422, 6.373, 4.850, 5.758, 8.292),
    7: (2.913, 3.390, 4.658, 3.456, 4.020, 5.520, 4.508, 5.241, 7.191),
    8: (2.754, 3.156, 4.189, 3.270, 3.746, 4.968, 4.271, 4.889, 6.479),
    9: (2.637, 2.986, 3.860, 3.132, 3.546, 4.581, 4.094, 4.633, 5.980),
    10: (2.546, 2.856, 3.617, 3.026, 3.393, 4.294, 3.958, 4.437, 5.610),
    11: (2.473, 2.754, 3.429, 2.941, 3.273, 4.073, 3.849, 4.282, 5.324),
    12: (2.414, 2.670, 3.279, 2.871, 3.175, 3.896, 3.759, 4.156, 5.096),
    13: (2.364, 2.601, 3.156, 2.812, 3.093, 3.751, 3.684, 4.051, 4.909),
    14: (2.322, 2.542, 3.054, 2.762, 3.024, 3.631, 3.620, 3.962, 4.753),
    15: (2.285, 2.492, 2.967, 2.720, 2.965, 3.529, 3.565, 3.885, 4.621),
    16: (2.254, 2.449, 2.893, 2.682, 2.913, 3.441, 3.517, 3.819, 4.507),
    17: (2.226, 2.410, 2.828, 2.649, 2.868, 3.364, 3.474, 3.761, 4.408),
    18: (2.201, 2.376, 2.771, 2.620, 2.828, 3.297, 3.436, 3.709, 4.321),
    19: (2.178, 2.346, 2.720, 2.593, 2.793, 3.237, 3.402, 3.663, 4.244),
    20: (2.158, 2.319, 2.675, 2.570, 2.760, 3.184, 3.372, 3.621, 4.175),
    21: (2.140, 2.294, 2.635, 2.548, 2.731, 3.136, 3.344, 3.583, 4.113),
    22: (2.123, 2.272, 2.598, 2.528, 2.705, 3.092, 3.318, 3.549, 4.056),
    23: (2.108, 2.251, 2.564, 2.510, 2.681, 3.053, 3.295, 3.518, 4.005),
    24: (2.094, 2.232, 2.534, 2.494, 2.658, 3.017, 3.274, 3.489, 3.958),
    25: (2.081, 2.215, 2.506, 2.479, 2.638, 2.984, 3.254, 3.462, 3.915),
    26: (2.069, 2.199, 2.480, 2.464, 2.619, 2.953, 3.235, 3.437, 3.875),
    27: (2.058, 2.184, 2.456, 2.451, 2.601, 2.925, 3.218, 3.415, 3.838),
    28: (2.048, 2.170, 2.434, 2.439, 2.585, 2.898, 3.202, 3.393, 3.804),
    29: (2.038, 2.157, 2.413, 2.427, 2.569, 2.874, 3.187, 3.373, 3.772),
    30: (2.029, 2.145, 2.394, 2.417, 2.555, 2.851, 3.173, 3.355, 3.742),
    35: (1.991, 2.094, 2.314, 2.371, 2.495, 2.756, 3.114, 3.276, 3.618),
    40: (1.961, 2.055, 2.253, 2.336, 2.448, 2.684, 3.069, 3.216, 3.524),
    50: (1.918, 1.999, 2.166, 2.285, 2.382, 2.580, 3.003, 3.129, 3.390),
    60: (1.888, 1.960, 2.106, 2.250, 2.335, 2.509, 2.956, 3.068, 3.297),
    120: (1.805, 1.851, 1.943, 2.151, 2.206, 2.315, 2.826, 2.899, 3.043),
    240: (1.753, 1.783, 1.844, 2.088, 2.125, 2.197, 2.744, 2.793, 2.887),
    480: (1.718, 1.739, 1.780, 2.048, 2.073, 2.121, 2.691, 2.724, 2.787),
}

# ISO 16269-6:2014, Annex F, Tables F.1–F.9, column m = 1: two-sided factors to 4 decimals, the last
# digit rounded up (as transcribed in tolerance_interval_py tests/test_twoside_normal_factor_iso.py).
ISO_16269_6_ANNEX_F = {
    (0.90, 0.90): {2: 15.5124, 8: 2.7542, 16: 2.2537, 35: 1.9906, 100: 1.8232, 300: 1.7401, 1000: 1.6947},  # F1
    (0.95, 0.90): {
        3: 6.8233,
        9: 3.1323,
        15: 2.7196,
        30: 2.4166,
        90: 2.1862,
        150: 2.1276,
        400: 2.0569,
        1000: 2.0193,
    },  # F2
    (0.99, 0.90): {4: 6.3722, 8: 4.2707, 17: 3.4741, 28: 3.2023, 100: 2.8548, 300: 2.7249, 1000: 2.6538},  # F3
    (0.90, 0.95): {2: 31.0923, 8: 3.1561, 16: 2.4486, 35: 2.0943, 150: 1.8260, 500: 1.7374, 1000: 1.7088},  # F4
    (0.95, 0.95): {5: 5.0769, 10: 3.3935, 26: 2.6188, 90: 2.2519, 200: 2.1430, 1000: 2.0362},  # F5
    (0.99, 0.95): {3: 12.6472, 9: 4.6329, 17: 3.7606, 35: 3.2762, 100: 2.9356, 500: 2.7208},  # F6
    (0.90, 0.99): {4: 9.4162, 10: 3.6167, 22: 2.5979, 80: 2.0282, 200: 1.8657, 1000: 1.7359},  # F7
    (0.95, 0.99): {2: 182.7201, 9: 4.5810, 17: 3.3641, 40: 2.6836, 150: 2.2712, 500: 2.1175},  # F8
    (0.99, 0.99): {3: 28.5857, 7: 7.1908, 15: 4.6212, 28: 3.8042, 70: 3.2284, 200: 2.9215, 1000: 2.7184},  # F9
}


@pytest.mark.parametrize("n", sorted(MONTGOMERY_XII))
def test_the_one_sided_exact_factor_reproduces_montgomery_and_runger_table_xii(n):
    for (coverage, confidence), published in zip(MONTGOMERY_COLUMNS, MONTGOMERY_XII[n], strict=True):
        k = tolerance.factor(n, coverage, confidence, sided="one", method="exact")
        assert round(k, 3) == pytest.approx(published, abs=1e-9), (n, coverage, confidence, k)


def test_the_one_sided_exact_factor_reproduces_cmh17_a_basis_factors():
    for n, published in CMH17_KA.items():
        k = tolerance.factor(n, 0.99, 0.95, sided="one", method="exact")
        assert round(k, 3) == pytest.approx(published, abs=1e-9), (n, k)


def test_cmh17_b_basis_factors_are_at_most_0_002_above_the_exact_value():
    # Found while reproducing the handbook: its kB column (P = 0.90) runs up to 0.0017 above the
    # non-central t value (cmstatr's own test allows 0.002 for this reason), while every kA value above
    # agrees to the printed digit. kB from the exact formula is what atmp reports; the difference is recorded here.
    for n, published in CMH17_KB.items():
        k = tolerance.factor(n, 0.90, 0.95, sided="one", method="exact")
        assert 0.0 < published - k <= 0.002, (n, k)


@pytest.mark.parametrize(
    ("n", "coverage", "confidence", "sided", "published"),
    [
        # EnvStats (Millard 2013) tolIntNormK help page, documented outputs (7 significant digits):
        (20, 0.95, 0.95, "two", 2.760346),  # tolIntNormK(n = 20)
        (20, 0.99, 0.90, "one", 3.051543),  # tolIntNormK(n = 20, ti.type = "upper", coverage = 0.99, conf.level = 0.9)
        (8, 0.95, 0.95, "one", 3.187294),  # tolIntNormK(n = 8, ti.type = "upper"): USEPA (2009) Example 17-3
    ],
)
def test_it_reproduces_envstats_documented_factors(n, coverage, confidence, sided, published):
    k = tolerance.factor(n, coverage, confidence, sided=sided, method="exact")
    assert k == pytest.approx(published, abs=5e-7)


@pytest.mark.parametrize("n", sorted(MEEKER_J5B))
def test_the_two_sided_exact_factor_reproduces_meeker_hahn_escobar_table_j5b(n):
    for (coverage, confidence), published in zip(MEEKER_COLUMNS, MEEKER_J5B[n], strict=True):
        k = tolerance.factor(n, coverage, confidence, sided="two", method="exact")
        assert round(k, 3) == pytest.approx(published, abs=1e-9), (n, coverage, confidence, k)


@pytest.mark.parametrize(("coverage", "confidence"), sorted(ISO_16269_6_ANNEX_F))
def test_the_two_sided_exact_factor_reproduces_iso_16269_6_annex_f(coverage, confidence):
    for n, published in ISO_16269_6_ANNEX_F[(coverage, confidence)].items():
        k = tolerance.factor(n, coverage, confidence, sided="two", method="exact")
        # The table rounds up in the fourth decimal: published − 0.0001 < k ≤ published.
        assert published - 1e-4 < k <= published + 1e-12, (n, k)


def test_the_nist_handbook_example_approximations():
    # NIST/SEMATECH e-Handbook of Statistical Methods §7.2.6.3: N = 43, p = 0.90, γ = 0.99 gives
    # k1 = 1.8752 (the approximation of Natrella 1963) and k2 = 2.2173 (Howe 1969), to 4 decimals.
    assert tolerance.factor(43, 0.90, 0.99, sided="one", method="natrella") == pytest.approx(1.8752, abs=5e-5)
    assert tolerance.factor(43, 0.90, 0.99, sided="two", method="howe") == pytest.approx(2.2173, abs=5e-5)
    # The handbook's intermediate quantities (a = 0.9355727, b = 1.5165164 printed by the NIST worksheet)
    # and the exact factors they approximate.
    assert tolerance.natrella(43, 0.90, 0.99) == pytest.approx(1.8751896, abs=5e-8)
    assert tolerance.howe(43, 0.90, 0.99) == pytest.approx(2.2173159, abs=5e-8)
    assert tolerance.one_sided_exact(43, 0.90, 0.99) == pytest.approx(1.8739536, abs=5e-7)


@pytest.mark.parametrize(
    ("n", "coverage", "confidence"), [(2, 0.90, 0.95), (5, 0.99, 0.99), (30, 0.95, 0.95), (1000, 0.999, 0.9)]
)
def test_the_two_sided_exact_factor_solves_the_coverage_integral(n, coverage, confidence):
    # Odeh & Owen (1980): γ(k) = 2 √n ∫_0^∞ P(χ²_ν > ν χ²_{1,P}(z²)/k²) φ(√n z) dz. Evaluated here by
    # adaptive quadrature (scipy.integrate.quad), independently of atmp's fixed Gauss–Legendre rule.
    k = tolerance.two_sided_exact(n, coverage, confidence)
    nu = n - 1

    def integrand(z):
        r2 = stats.ncx2.ppf(coverage, 1, z * z)
        return stats.chi2.sf(nu * r2 / (k * k), nu) * stats.norm.pdf(math.sqrt(n) * z)

    value, _ = integrate.quad(integrand, 0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)
    assert 2 * math.sqrt(n) * value == pytest.approx(confidence, abs=1e-9)


def test_the_approximations_are_close_to_the_exact_factors_for_moderate_n():
    # How close, measured here: Howe within 0.7 % of the exact k₂ from n = 10; Natrella within 1.5 % of
    # the exact k₁ from n = 10 except at 99 %/99 % (5.5 % at n = 10, 0.7 % at n = 30).
    for n in (10, 30, 100):
        for coverage, confidence in ((0.90, 0.95), (0.95, 0.95), (0.99, 0.99)):
            exact1 = tolerance.one_sided_exact(n, coverage, confidence)
            exact2 = tolerance.two_sided_exact(n, coverage, confidence)
            natrella_error = 0.06 if (n, coverage) == (10, 0.99) else 0.015
            assert tolerance.natrella(n, coverage, confidence) == pytest.approx(exact1, rel=natrella_error)
            assert tolerance.howe(n, coverage, confidence) == pytest.approx(exact2, rel=0.007)
            assert tolerance.howe(n, coverage, confidence) < exact2  # Howe's k₂ is slightly too short here


def test_the_factor_tends_to_the_normal_quantile():
    assert tolerance.one_sided_exact(10**7, 0.95, 0.95) == pytest.approx(stats.norm.ppf(0.95), abs=2e-3)
    assert tolerance.two_sided_exact(10**7, 0.95, 0.95) == pytest.approx(stats.norm.ppf(0.975), abs=2e-3)


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ((1, 0.9, 0.95, "two", "exact"), "n", "at least 2"),
        ((0, 0.9, 0.95, "one", "exact"), "n", "at least 2"),
        ((-3, 0.9, 0.95, "one", "exact"), "n", "at least 2"),
        ((10, 1.0, 0.95, "two", "exact"), "coverage", "from 0.5 to 0.999999"),
        ((10, 0.4, 0.95, "two", "exact"), "coverage", "from 0.5 to 0.999999"),
        ((10, 0.9, 1.0, "two", "exact"), "confidence", "from 0.5 to 0.999999"),
        ((10, 0.9, math.nan, "two", "exact"), "confidence", "from 0.5 to 0.999999"),
        ((10, 0.9, 0.95, "one", "howe"), "method", "howe is an approximation of the two-sided factor"),
        ((10, 0.9, 0.95, "two", "natrella"), "method", "natrella is an approximation of the one-sided factor"),
        ((3, 0.9, 0.99, "one", "natrella"), "method", "undefined for n = 3 at confidence 0.99"),
        ((10, 0.9, 0.95, "three", "exact"), "sided", "one or two"),
        ((10, 0.9, 0.95, "two", "bayes"), "method", "exact, howe or natrella"),
    ],
)
def test_it_refuses_what_the_methods_do_not_define(arguments, field, message):
    n, coverage, confidence, sided, method = arguments
    with pytest.raises(StatsInputError, match=message) as caught:
        tolerance.factor(n, coverage, confidence, sided=sided, method=method)
    assert caught.value.field == field


# USEPA (2009) Unified Guidance, Example 17-3: chrysene (ppb) in background wells 1 and 2, as shipped with
# EnvStats (EPA.09.Ex.17.3.chrysene.df). EnvStats' tolIntNorm help page, on the natural logarithms, prints
# mean = 2.5085773, sd = 0.6279479 and the upper 95 %/95 % limit UTL = 4.510032 (exp: 90.9247 ppb).
CHRYSENE_BACKGROUND = [19.7, 39.2, 7.8, 12.8, 10.2, 7.2, 16.1, 5.7]


def test_it_reproduces_envstats_upper_tolerance_limit_for_epa_example_17_3():
    interval = tolerance.interval(np.log(CHRYSENE_BACKGROUND), 0.95, 0.95, sided="one")
    assert interval.n == 8
    assert interval.mean == pytest.approx(2.5085773, abs=5e-8)
    assert interval.sd == pytest.approx(0.6279479, abs=5e-8)
    assert interval.k == pytest.approx(3.187294, abs=5e-7)
    assert interval.upper == pytest.approx(4.510032, abs=5e-7)
    assert math.exp(interval.upper) == pytest.approx(90.9247, abs=5e-5)
    assert interval.lower == pytest.approx(interval.mean - interval.k * interval.sd)


def test_a_two_sided_interval_is_the_mean_plus_minus_k_sd():
    values = np.array([9.8, 10.2, 10.0, 10.4, 9.6, 10.1])
    interval = tolerance.interval(values, 0.90, 0.95, sided="two", method="howe")
    assert interval.k == tolerance.howe(6, 0.90, 0.95)
    assert (interval.lower, interval.upper) == pytest.approx(
        (values.mean() - interval.k * values.std(ddof=1), values.mean() + interval.k * values.std(ddof=1))
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([5.0], "1 value: a tolerance interval needs at least 2"),
        ([2.0, 2.0, 2.0], "are equal"),
        ([1.0, math.inf], "finite"),
    ],
)
def test_it_refuses_values_without_a_spread(values, message):
    with pytest.raises(StatsInputError, match=message) as caught:
        tolerance.interval(np.array(values), 0.9, 0.95, sided="two")
    assert caught.value.field == "value"
