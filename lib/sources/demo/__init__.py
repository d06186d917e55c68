"""The synthetic, calibrated demonstration dataset (`python -m lib.sources.demo`: demo/cli.py).

The real departmental customs files cannot be downloaded everywhere, so the default dataset is
made up by a deterministic generator (fixed seed, fully vectorised numpy):

- years 2015 to 2024, annual rows (month NULL), the 101 départements, every goods position of
  `products.csv` and the 180 largest "gravity" partners of `countries.csv`;
- partner weights follow a gravity model (economic mass x proximity to France, with extra
  weight for neighbours, for border départements and for the DROM's regional partners);
- each département has its own product profile (known specialisations such as aircraft in
  Haute-Garonne or refineries in Seine-Maritime, plus random dominant products and a fat
  lognormal tail); exports and imports have different, partly correlated profiles;
- each (département, flow) trades a realistic number of product x partner pairs (a few hundred
  for a small département, thousands for a big one), drawn without replacement in proportion
  to their weight; small pairs appear and disappear across years;
- the time series combine a national cycle (2020 covid dip, recovery), sector shocks (2022
  energy price spike, aerospace collapse in 2020-2021, pharmaceuticals resilience), partner
  shocks (Russia after 2022, Brexit) and département trends with smooth noise;
- 2024 is calibrated: each (département, flow) is scaled so that its sum equals its target to
  the euro. The targets reproduce the published totals of the seed fiches (France, five
  régions, five départements); the other départements share the remainders in proportion to
  sizes drawn around plausible ones, drawn again until no two départements (nor régions) show
  the same total at 0.1 M€. Earlier years follow each département's own trajectory; a chance
  repeat of a total there is moved by 0.1 M€.

After writing, the 2024 sums are read back from the Parquet files with DuckDB and compared
with the published totals; any difference of 0.05 M€ or more raises `CalibrationError`.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from lib.core import config, refs
from lib.core.flows import CODES as FLOWS  # the flow axis of the generated arrays, in this order
from lib.data import store

SEED = 20_250_527
YEARS = np.arange(2015, 2025)
CALIBRATION_YEAR = 2024
N_PARTNERS = 180
SOURCE = "demo"
TOLERANCE_EUR = 50_000  # 0.05 M€: a published total rounded to 0.1 M€ must come out unchanged
MIN_VALUE_EUR = 1_000  # the smallest row of the dataset (customs publish values in euros)

# 2024 totals (M€) published in the five seed fiches (France, five régions, five départements),
# copied verbatim from shared/reference/ into the repo so that a fresh clone can build the demo.
PUBLISHED_CSV = config.REF_DIR / "published_totals_2024.csv"

# Plausible 2024 size of every département (exports, imports, in G€): the prior of the drawn
# sizes. Only the proportions matter: within a published région the drawn sizes share the
# remainder (région - published départements), elsewhere France - published régions.
# Haute-Garonne: about 61 % of Occitanie's exports (CCI Occitanie, 2023), see docs/DATA.md.
DEPT_SIZE_GEUR: dict[str, tuple[float, float]] = {
    "01": (6.0, 6.0), "02": (3.0, 3.0), "03": (1.5, 1.2), "04": (0.6, 0.5), "05": (0.2, 0.2),
    "06": (3.0, 3.5), "07": (1.5, 1.3), "08": (1.5, 1.2), "09": (0.6, 0.4), "10": (1.8, 1.5),
    "11": (0.8, 0.8), "12": (1.2, 1.0), "13": (20.0, 32.0), "14": (4.0, 4.0), "15": (0.3, 0.2),
    "16": (3.5, 1.2), "17": (2.5, 3.0), "18": (1.8, 1.5), "19": (0.6, 0.5), "2A": (0.05, 0.3),
    "2B": (0.08, 0.35), "21": (3.5, 3.5), "22": (2.5, 2.5), "23": (0.2, 0.1), "24": (1.0, 0.8),
    "25": (5.0, 4.0), "26": (3.0, 3.0), "27": (7.0, 6.0), "28": (4.5, 4.5), "29": (3.0, 3.0),
    "30": (2.5, 2.5), "31": (32.0, 25.0), "32": (0.6, 0.3), "33": (11.0, 10.0), "34": (3.0, 4.5),
    "35": (5.0, 6.0), "36": (1.2, 1.0), "37": (3.5, 3.5), "38": (11.0, 10.0), "39": (1.5, 1.2),
    "40": (2.0, 2.0), "41": (3.0, 2.5), "42": (4.2, 4.7), "43": (1.2, 0.9), "44": (10.0, 17.0),
    "45": (13.2, 13.1), "46": (0.4, 0.3), "47": (1.3, 1.2), "48": (0.1, 0.1), "49": (5.0, 5.0),
    "50": (2.0, 1.8), "51": (6.0, 3.0), "52": (1.0, 0.8), "53": (1.8, 2.2), "54": (4.0, 4.0),
    "55": (1.2, 0.9), "56": (2.5, 3.0), "57": (10.0, 12.0), "58": (0.8, 0.6), "59": (30.0, 40.0),
    "60": (7.0, 8.0), "61": (1.4, 1.4), "62": (10.0, 12.0), "63": (5.0, 4.0), "64": (5.0, 4.0),
    "65": (1.2, 0.8), "66": (1.5, 3.0), "67": (15.0, 17.0), "68": (10.0, 10.0), "69": (22.0, 25.0),
    "70": (1.5, 1.5), "71": (4.0, 3.5), "72": (4.0, 4.0), "73": (3.0, 2.5), "74": (6.0, 5.0),
    "75": (25.0, 40.0), "76": (24.0, 35.0), "77": (10.0, 16.0), "78": (15.0, 18.0),
    "79": (1.5, 1.5), "80": (4.0, 4.0), "81": (1.5, 1.2), "82": (1.0, 1.0), "83": (1.5, 2.5),
    "84": (2.5, 3.5), "85": (4.0, 4.0), "86": (1.8, 1.6), "87": (1.5, 1.4), "88": (2.5, 2.0),
    "89": (1.5, 1.8), "90": (3.0, 2.0), "91": (12.0, 18.0), "92": (35.0, 45.0),
    "93": (10.0, 20.0), "94": (5.4, 12.7), "95": (14.0, 22.0), "971": (0.15, 2.8),
    "972": (0.3, 2.9), "973": (0.5, 1.5), "974": (0.3, 5.0), "976": (0.02, 0.7),
}  # fmt: skip

SIZE_SIGMA = 0.25  # lognormal spread of a drawn size around its prior (about ±25 %)
SIZES_STREAM = 1  # the sizes' own random stream, (SEED, 1): the other draws do not move them
MAX_SIZE_DRAWS = 100  # draws allowed until no two totals coincide (about 9 draws in 10 pass)
TIE_STEP_EUR = 100_000  # 0.1 M€, the precision of the published figures

# National product structure (% of the value, exports, imports) by A38 group, and the
# positions whose share is set explicitly inside their group (the others share the rest).
A38_SHARE: dict[str, tuple[float, float]] = {
    "AZ": (3.0, 2.5), "BZ": (0.6, 2.2), "CA": (9.0, 7.0), "CB": (4.0, 6.0), "CC": (2.3, 3.0),
    "CD": (1.0, 2.0), "CE": (9.0, 8.0), "CF": (4.0, 4.0), "CG": (3.5, 4.0), "CH": (7.0, 7.5),
    "CI": (7.0, 10.5), "CJ": (4.5, 5.5), "CK": (7.0, 8.0), "CL": (10.0, 11.0), "CM": (4.0, 4.5),
    "DZ": (1.3, 0.7), "EZ": (1.0, 0.5), "JA": (0.3, 0.3), "MC": (0.1, 0.1), "RZ": (0.4, 0.3),
}  # fmt: skip
# Shares of the positions concentrated in a few départements (aircraft, crude oil, spirits...)
# are kept low here: DEPT_SPECIALTIES brings their national totals up to realistic levels.
A129_SHARE: dict[str, tuple[float, float]] = {
    "A01Z": (2.4, 1.8), "B06Z": (0.05, 0.6), "C11Z": (1.8, 0.8), "C12Z": (0.1, 0.4),
    "C19Z": (1.0, 2.0), "C20D": (1.8, 1.2), "C29A": (2.5, 6.0), "C29B": (2.5, 2.5),
    "C30C": (3.0, 2.0),
}  # fmt: skip

# Known specialisations: "[E:|I:]prefix=boost" multiplies the affinity of the products whose
# code starts with prefix (both flows unless E: or I: is given).
DEPT_SPECIALTIES: dict[str, str] = {
    "01": "C22=4 C28=2",
    "02": "C10=3 C23A=3",
    "06": "C20D=5 C26=3",
    "08": "C24=4 C25=4",
    "10": "C11Z=6 C13=3",
    "11": "C11Z=8",
    "13": "I:B06Z=40 C19Z=10 C20A=4 C30C=8 C24A=3",
    "14": "C29=3 C10=3",
    "16": "E:C11Z=40",
    "17": "C30=4 C10=2",
    "2A": "I:C19Z=6 C10=3",
    "2B": "I:C19Z=6 A01Z=3",
    "21": "C11Z=6 C21Z=3",
    "22": "C10=6",
    "25": "C29A=8 C26E=4",
    "27": "C21Z=6 C20D=4",
    "28": "C20D=8 C21Z=4",
    "29": "C10=5 A03Z=4",
    "30": "C21Z=3 C20=3",
    "31": "C30C=80 C26=2",
    "33": "E:C11Z=15 C30C=8",
    "34": "C11Z=4 C21Z=3",
    "35": "C29A=4 C10=3",
    "37": "C21Z=4",
    "38": "C26A=6 C20=3 C27=3",
    "40": "C16Z=6 C17=5",
    "42": "C24=3 C25=4 C28=3 C32C=4",
    "44": "I:B06Z=30 C19Z=6 C30C=10 C30A=6",
    "45": "C21Z=6 C20D=8 C28=2",
    "49": "C10=3 C27=3",
    "50": "C10E=6 C30A=4",
    "51": "E:C11Z=20",
    "53": "C10=4 C10E=8 C29B=2",
    "56": "C10=5",
    "57": "C29=5 C24A=4 I:B06Z=10",
    "59": "C24A=5 C29A=3 C10=2 I:B06Z=15",
    "60": "C20=3 C28=3 C21Z=3",
    "61": "C29B=4 C27=3 C10=2",
    "62": "C29=4 C23A=4 C10=3",
    "63": "C22A=15",
    "64": "C30C=10 C20A=3 I:B06Z=5",
    "66": "I:A01Z=8 I:C10C=4",
    "67": "C21Z=3 C28=3 C10=3",
    "68": "C29A=5 C20=3",
    "69": "C20=4 C21Z=4 C29A=2",
    "72": "C10=3 C29B=3",
    "73": "C24B=6",
    "74": "C28=4 C25E=5",
    "75": "C14Z=6 C15Z=8 C32A=8 C20D=4 R90Z=10 J58Z=4",
    "76": "I:B06Z=50 C19Z=12 C20A=4 E:A01Z=4",
    "77": "C28=3 C21Z=3",
    "78": "C29A=15 C29B=4",
    "83": "C30A=6 C30D=5",
    "84": "A01Z=5 C10C=5",
    "85": "C30A=5 C10=3",
    "87": "C23B=4 C27=4",
    "89": "C11Z=5",
    "90": "C28=8 C30B=6",
    "91": "C21Z=3 C26=4",
    "92": "C21Z=5 C26=3 C30C=5",
    "93": "C10=3 C32A=3",
    "94": "C21Z=3 I:A01Z=6 I:C10=3",
    "95": "C26=3 C14Z=3 C30C=3",
    "971": "E:A01Z=15 E:C11Z=10 I:C19Z=6",
    "972": "E:A01Z=15 E:C11Z=10 I:C19Z=6",
    "973": "C30C=60 I:C19Z=4",
    "974": "E:C10H=10 E:C11Z=4 I:C19Z=6 I:C29A=4",
    "976": "I:C10=4 I:C19Z=6",
}

# Neighbours and regional partners of some départements: "country=boost".
DEPT_PARTNERS: dict[str, str] = {
    "59": "BE=2.5", "62": "BE=1.8 GB=1.5", "08": "BE=2.5", "02": "BE=1.5", "67": "DE=2.2 CH=1.5",
    "68": "DE=2 CH=2.5", "57": "DE=2 LU=3", "54": "LU=3 DE=1.3", "55": "LU=2 BE=1.5",
    "25": "CH=2.5", "39": "CH=2", "90": "CH=2 DE=1.3", "74": "CH=3 IT=1.3", "01": "CH=2",
    "73": "IT=2", "05": "IT=1.5", "06": "IT=2.5", "64": "ES=2.5", "66": "ES=3 MA=2",
    "31": "ES=1.5", "65": "ES=2", "09": "ES=2", "2A": "IT=3", "2B": "IT=3",
    "971": "US=4 DO=20 TT=20 PR=10 BR=3", "972": "US=4 TT=25 DO=15 CO=6",
    "973": "BR=25 SR=60 US=3 TT=10", "974": "MU=80 MG=80 ZA=15 SG=6 IN=4 SC=60",
    "976": "KM=80 MG=50 TZ=20 KE=15 ZA=6 AE=5",
}  # fmt: skip

# Approximate GDP (G$) of the partners: the economic mass of the gravity model.
MASS_GUSD: dict[str, float] = {
    "US": 27000, "CN": 17800, "DE": 4400, "JP": 4200, "IN": 3600, "GB": 3300, "IT": 2250,
    "BR": 2170, "CA": 2140, "RU": 2000, "MX": 1790, "AU": 1720, "KR": 1710, "ES": 1580,
    "ID": 1370, "NL": 1120, "TR": 1110, "SA": 1070, "CH": 880, "PL": 810, "TW": 760, "AR": 640,
    "BE": 630, "SE": 590, "IE": 550, "AT": 520, "TH": 510, "IL": 510, "AE": 500, "SG": 500,
    "NO": 480, "BD": 450, "PH": 440, "VN": 430, "MY": 400, "DK": 400, "IR": 400, "EG": 400,
    "HK": 380, "ZA": 380, "NG": 360, "CO": 360, "RO": 350, "PK": 340, "CL": 330, "CZ": 330,
    "FI": 300, "PT": 290, "PE": 270, "KZ": 260, "NZ": 250, "IQ": 250, "GR": 240, "DZ": 240,
    "QA": 235, "HU": 210, "UA": 180, "KW": 160, "ET": 160, "MA": 140, "SK": 130, "DO": 120,
    "EC": 120, "PR": 115, "KE": 110, "OM": 110, "CU": 100, "GT": 100, "BG": 100, "VE": 100,
    "AO": 90, "UZ": 90, "CR": 85, "LK": 85, "LU": 85, "HR": 80, "TZ": 80, "PA": 80, "CI": 80,
    "LT": 80, "TM": 80, "UY": 77, "RS": 75, "GH": 75, "AZ": 72, "SI": 70, "BY": 70, "MM": 65,
    "CD": 65, "JO": 50, "UG": 50, "TN": 50, "CM": 50, "BH": 45, "BO": 45, "LV": 45, "LY": 45,
    "MO": 45, "PY": 43, "NP": 40, "EE": 40, "ZW": 35, "SV": 34, "HN": 34, "KH": 32, "CY": 32,
    "PG": 31, "SN": 30, "IS": 30, "GE": 30, "SD": 30, "TT": 28, "ZM": 28, "BA": 27, "AM": 24,
    "AL": 23, "GN": 23, "ML": 21, "MZ": 21, "BF": 20, "GA": 20, "MT": 20, "BW": 20, "BJ": 20,
    "MN": 20, "HT": 20, "YE": 20, "SY": 20, "JM": 19, "LB": 18, "PS": 18, "KP": 18, "NI": 17,
    "NE": 17, "GY": 17, "MG": 16, "MD": 16, "MK": 15, "LA": 15, "CG": 15, "BN": 15, "KG": 14,
    "RW": 14, "BS": 14, "MU": 14, "AF": 14, "TD": 13, "MW": 13, "NA": 12, "TJ": 12, "GQ": 12,
    "SO": 11, "XK": 10, "MR": 10, "NC": 10, "TG": 9, "ME": 7, "LI": 7, "BM": 7, "PF": 6,
    "KY": 6, "BB": 6, "MV": 6, "FJ": 5, "SZ": 5, "SS": 5, "SR": 4, "SL": 4, "DJ": 4, "LR": 4,
    "FO": 4, "AD": 3.5, "AW": 3.5, "BI": 3, "BT": 3, "CF": 3, "BZ": 3, "GI": 3, "GL": 3,
    "CW": 3, "CV": 2.5, "ER": 2.5, "LC": 2.4, "LS": 2, "SC": 2, "AG": 2, "SM": 2, "GM": 2,
    "GW": 2, "TL": 2, "SB": 1.6, "KM": 1.3, "GD": 1.3, "VG": 1.5, "TC": 1, "VC": 1, "KN": 1,
    "WS": 1, "VU": 1, "DM": 0.7, "ST": 0.6, "TO": 0.5,
}  # fmt: skip
GRAVITY_EXPONENT = 0.8

# Proximity to France (exports, imports): explicit partners, then groups, then the zone.
PROXIMITY: dict[str, tuple[float, float]] = {
    "DE": (1.0, 1.0), "BE": (2.7, 3.0), "IT": (1.0, 1.0), "ES": (1.3, 1.2), "NL": (1.0, 1.6),
    "CH": (1.0, 0.75), "GB": (0.55, 0.3), "LU": (2.5, 1.5), "IE": (0.6, 0.8), "US": (0.14, 0.09),
    "CN": (0.09, 0.26), "JP": (0.11, 0.08), "KR": (0.15, 0.15), "IN": (0.08, 0.1),
    "HK": (0.5, 0.05), "SG": (0.4, 0.2), "AE": (0.4, 0.1), "TR": (0.33, 0.35), "NO": (0.3, 0.5),
    "PL": (0.55, 0.45), "VN": (0.1, 0.35), "BD": (0.05, 0.6), "TW": (0.1, 0.15),
    "MA": (1.3, 1.2), "DZ": (0.7, 0.7), "TN": (1.4, 1.6), "NC": (1.5, 0.3), "PF": (1.5, 0.2),
    "AD": (4.0, 0.5), "CA": (0.12, 0.08), "RU": (0.05, 0.05),
}  # fmt: skip
FRANCOPHONE_AFRICA = frozenset(
    {"SN", "CI", "CM", "GA", "CG", "CD", "MG", "ML", "BF", "BJ", "TG", "NE", "GN", "TD", "MR"}
    | {"DJ", "MU", "KM", "CF", "SC"}
)
FRANCOPHONE_PROXIMITY = (1.0, 0.3)
ZONE_PROXIMITY: dict[str, tuple[float, float]] = {
    "Union européenne": (0.5, 0.5),
    "Europe hors UE": (0.3, 0.3),
    "Afrique": (0.15, 0.1),
    "Proche et Moyen-Orient": (0.25, 0.15),
    "Asie": (0.1, 0.15),
    "Amérique du Nord": (0.12, 0.1),
    "Amérique latine et Caraïbes": (0.08, 0.07),
    "Océanie": (0.08, 0.05),
}
# Never partners: France and Monaco (one customs territory), the DROM and French collectivities
# counted as France, the United Kingdom's post-Brexit sub-codes, Ceuta and Melilla, North Korea.
NOT_PARTNERS = frozenset(
    ("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "XI", "XU", "XC", "XL", "KP")
)

# Product x partner affinities: (flow, product) -> ("country=boost ...", boost of the others).
PRODUCT_PARTNERS: dict[tuple[str, str], tuple[str, float]] = {
    ("I", "B06Z"): (
        "NO=40 US=10 RU=15 KZ=60 NG=60 DZ=30 LY=60 SA=15 IQ=40 AZ=80 GB=6 QA=30 AO=60",
        0.02,
    ),
    ("I", "C19Z"): ("NL=3 BE=3 US=3 SA=5 IN=5 AE=5 KR=3 RU=4 ES=2 GB=2", 0.5),
    ("I", "D35Z"): ("DE=5 BE=5 ES=5 IT=5 CH=5 GB=5 LU=5", 0.0005),
    ("E", "D35Z"): ("DE=5 BE=5 ES=5 IT=5 CH=5 GB=5 LU=5", 0.0005),
    ("E", "C30C"): ("US=2 CN=3 AE=4 QA=4 SA=3 IN=3 SG=3 JP=2 TR=2", 1.0),
    ("E", "C11Z"): ("US=2.5 GB=2 CN=2 SG=2 HK=2 JP=1.5", 1.0),
    ("I", "A01Z"): ("ES=2 MA=3 NL=1.5 CI=4 BR=2", 1.0),
}

# Time series, relative to 2024 (one value per year of YEARS).
MACRO = {
    "E": (0.77, 0.77, 0.81, 0.84, 0.85, 0.74, 0.86, 0.98, 1.01, 1.00),
    "I": (0.80, 0.80, 0.83, 0.85, 0.87, 0.81, 0.92, 0.98, 1.00, 1.00),
}
# (flows, product prefixes, factors): sector shocks on top of the national cycle.
SECTOR_YEARS: tuple[tuple[str, str, tuple[float, ...]], ...] = (
    ("I", "B06Z C19Z D35Z", (0.68, 0.52, 0.64, 0.78, 0.72, 0.45, 0.72, 1.45, 1.12, 1.00)),
    ("E", "B06Z C19Z D35Z", (0.70, 0.60, 0.70, 0.82, 0.78, 0.55, 0.75, 1.20, 1.10, 1.00)),
    ("EI", "C30C", (0.95, 0.97, 0.99, 1.04, 1.14, 0.80, 0.74, 0.82, 0.92, 1.00)),
    ("EI", "C21Z", (0.88, 0.90, 0.93, 0.95, 0.97, 1.18, 1.08, 0.98, 0.99, 1.00)),
    ("EI", "C29", (1.02, 1.03, 1.04, 1.03, 1.02, 0.92, 0.88, 0.90, 0.98, 1.00)),
    ("E", "C11Z", (0.95, 0.95, 0.97, 0.99, 1.01, 0.98, 1.05, 1.04, 1.00, 1.00)),
)
# (flows, countries, factors): partner shocks.
COUNTRY_YEARS: tuple[tuple[str, str, tuple[float, ...]], ...] = (
    ("EI", "RU BY", (2.5, 2.2, 2.5, 2.6, 2.6, 2.2, 2.5, 1.8, 1.1, 1.00)),
    ("EI", "UA", (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 0.7, 0.8, 1.00)),
    ("EI", "GB", (1.15, 1.12, 1.1, 1.1, 1.08, 1.0, 0.95, 1.0, 1.0, 1.00)),
    ("I", "CN", (0.75, 0.76, 0.8, 0.83, 0.86, 0.95, 1.05, 1.12, 1.0, 1.00)),
    ("I", "US NO QA", (0.85, 0.85, 0.87, 0.9, 0.9, 0.85, 0.9, 1.15, 1.05, 1.00)),
)

# Sparsity: a (département, flow) of T G€ trades about PAIRS_SCALE * T ** PAIRS_EXPONENT pairs.
PAIRS_SCALE, PAIRS_EXPONENT, PAIRS_MIN, PAIRS_MAX = 520.0, 0.55, 80, 9_000
CANDIDATE_FACTOR = 1.3  # the pairs ranked beyond the count come and go across years
CORE_RANK = 0.6  # pairs ranked below 0.6 x count trade every year

PRODUCT_SIGMA = 1.0  # lognormal spread of a département's product affinities
PAIR_SIGMA = 0.9  # lognormal spread of a pair around its product x partner weight
PAIR_PERSISTENCE = 0.7  # AR(1) coefficient of the year-to-year noise of a pair
DOMINANT_PRODUCTS = 3  # random dominant products per (département, flow)
DOMINANT_MAX = 15.0  # their boost: 1 + min(2 x Pareto(2), DOMINANT_MAX)


class CalibrationError(RuntimeError):
    """The written 2024 totals differ from the published ones."""


@dataclass(frozen=True)
class Refs:
    """The reference codes the generator draws from, in a fixed order."""

    depts: np.ndarray  # département codes
    dept_region: np.ndarray  # région code of each département
    products: np.ndarray  # A129 codes
    product_a38: np.ndarray  # A38 group of each product
    countries: np.ndarray  # the selected partner codes
    country_weight: np.ndarray  # (2, C) gravity weight, exports and imports


@dataclass(frozen=True)
class Pairs:
    """The candidate (département, flow, product, country) pairs and their 2024 weights."""

    df: np.ndarray  # index of (département, flow) = dept * 2 + flow
    product: np.ndarray
    country: np.ndarray
    weight: np.ndarray
    rank_ratio: np.ndarray  # rank of the pair among its (département, flow) / pair count


class _Reporter:
    """Numbered progress steps, passed on to a `store.Progress` callback."""

    def __init__(self, total: int, callback: store.Progress) -> None:
        self.total, self.done, self.callback = total, 0, callback

    def step(self, message: str) -> None:
        self.callback(self.done, self.total, message)
        self.done += 1


def print_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: one French line on stderr."""
    print(f"[démo {done:>2}/{total}] {message}", file=sys.stderr, flush=True)


# --- reference data -----------------------------------------------------------------------


def load_refs() -> Refs:
    """Départements, products and the N_PARTNERS selected partners, sorted by code."""
    depts = refs.departements().sort_values("code")
    products = refs.products().sort_values("code")
    codes, weight = select_partners(refs.countries())
    return Refs(
        depts=depts["code"].to_numpy(str),
        dept_region=depts["region_code"].to_numpy(str),
        products=products["code"].to_numpy(str),
        product_a38=products["a38_code"].to_numpy(str),
        countries=codes,
        country_weight=weight,
    )


def select_partners(countries: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The N_PARTNERS real partners of largest gravity weight (the DROM's neighbours always
    included), and their (2, C) weights."""
    frame = countries[
        ~countries["code"].isin(NOT_PARTNERS) & (countries["zone"] != "Non déterminé")
    ].copy()
    mass = frame["code"].map(MASS_GUSD).fillna(0.3).to_numpy(float) ** GRAVITY_EXPONENT
    proximity = np.array([_proximity(c, z, e) for c, z, e in _country_rows(frame)])
    weight = mass[:, None] * proximity  # (n, 2)
    score = np.where(frame["code"].isin(_regional_partners()), np.inf, weight.max(axis=1))
    frame = frame.assign(score=score, w_e=weight[:, 0], w_i=weight[:, 1])
    chosen = frame.sort_values(["score", "code"], ascending=[False, True]).head(N_PARTNERS)
    chosen = chosen.sort_values("code")
    return chosen["code"].to_numpy(str), chosen[["w_e", "w_i"]].to_numpy(float).T.copy()


def _regional_partners() -> set[str]:
    """The partners named in DEPT_PARTNERS (the DROM's neighbours): always selected."""
    return {country for spec in DEPT_PARTNERS.values() for _, country, _ in _parse_boosts(spec)}


def _country_rows(frame: pd.DataFrame) -> Iterable[tuple[str, str, bool]]:
    return zip(frame["code"], frame["zone"], frame["eu27"], strict=True)


def _proximity(code: str, zone: str, eu27: bool) -> tuple[float, float]:
    if code in PROXIMITY:
        return PROXIMITY[code]
    if code in FRANCOPHONE_AFRICA:
        return FRANCOPHONE_PROXIMITY
    return ZONE_PROXIMITY["Union européenne" if eu27 else zone]


def _match(codes: np.ndarray, prefix: str) -> np.ndarray:
    """Boolean mask of the codes starting with prefix."""
    return np.char.startswith(codes.astype(str), prefix)


def _parse_boosts(spec: str) -> list[tuple[str, str, float]]:
    """Parse "E:C11Z=40 C30=4" into [("E", "C11Z", 40.0), ("EI", "C30", 4.0)]."""
    result = []
    for token in spec.split():
        flows, _, rest = token.rpartition(":")
        key, _, boost = rest.partition("=")
        result.append((flows or "EI", key, float(boost)))
    return result


# --- 2024 targets -------------------------------------------------------------------------


def published_targets() -> dict[tuple[str, str], tuple[int, int]]:
    """(level, code) -> (exports, imports) in euros, exactly as published."""
    with open(PUBLISHED_CSV, encoding="utf-8", newline="") as handle:
        return {
            (row["level"], row["code"]): (
                _meur_to_eur(row["exports_meur"]),
                _meur_to_eur(row["imports_meur"]),
            )
            for row in csv.DictReader(handle)
        }


def _meur_to_eur(text: str) -> int:
    return int(Decimal(text) * 1_000_000)


def dept_targets(depts: np.ndarray, dept_region: np.ndarray) -> np.ndarray:
    """(D, 2) int64 euros: each département's 2024 exports and imports.

    Published départements keep their totals; the rest of a published région is shared by its
    other départements, the rest of France by the départements of the other régions, in
    proportion to sizes drawn around DEPT_SIZE_GEUR (`draw_sizes`). Sums are exact to the euro.
    A draw where two départements, or two régions, would show the same total at the published
    precision (0.1 M€) is drawn again: the round figures of the table shared alike would
    repeat one total across a whole région, which no real table does.
    """
    rng = np.random.default_rng((SEED, SIZES_STREAM))
    prior = np.array([DEPT_SIZE_GEUR[d] for d in depts], dtype=float)
    for _ in range(MAX_SIZE_DRAWS):
        targets = share_published(depts, dept_region, draw_sizes(prior, rng))
        if _distinct(targets) and _distinct(_region_sums(targets, dept_region)):
            return targets
    raise ValueError(f"no draw of {MAX_SIZE_DRAWS} without two equal totals")


def draw_sizes(prior: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(D, 2) sizes: the prior times a lognormal factor, correlated between the two flows
    (a département larger than its prior in exports tends to be larger in imports too)."""
    z_e = rng.standard_normal(len(prior))
    z_i = 0.6 * z_e + 0.8 * rng.standard_normal(len(prior))
    return np.asarray(prior * np.exp(SIZE_SIGMA * np.stack([z_e, z_i], axis=1)))


def share_published(depts: np.ndarray, dept_region: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(D, 2) int64 euros: the published totals, the remainders shared in proportion to sizes."""
    published = published_targets()
    targets = np.zeros((len(depts), 2), dtype=np.int64)
    fixed = np.array([("dept", d) in published for d in depts])
    for i in np.flatnonzero(fixed):
        targets[i] = published[("dept", depts[i])]
    fixed_regions = {code for level, code in published if level == "region"}
    free = ~fixed
    for region in sorted(fixed_regions):
        in_region = dept_region == region
        rest = np.array(published[("region", region)]) - targets[in_region].sum(axis=0)
        _spread_into(targets, in_region & free, rest, sizes)
    elsewhere = ~np.isin(dept_region, sorted(fixed_regions))
    fixed_total = sum(np.array(published[("region", r)]) for r in fixed_regions)
    rest = np.array(published[("france", "FR")]) - fixed_total
    _spread_into(targets, elsewhere, rest, sizes)
    return targets


def _region_sums(targets: np.ndarray, dept_region: np.ndarray) -> np.ndarray:
    """(R, 2) totals of each région."""
    return np.stack([targets[dept_region == r].sum(axis=0) for r in np.unique(dept_region)])


def _distinct(totals: np.ndarray) -> bool:
    """True when no two rows share a total of one flow once rounded to 0.1 M€."""
    return not _repeats(totals).any()


def _repeats(totals: np.ndarray) -> np.ndarray:
    """(n, 2) bool: the rows whose total of a flow, rounded to 0.1 M€, an earlier row has."""
    out = np.ones(totals.shape, dtype=bool)
    for flow, column in enumerate(np.round(totals / TIE_STEP_EUR).T):
        out[np.unique(column, return_index=True)[1], flow] = False
    return out


def _spread_into(
    targets: np.ndarray, mask: np.ndarray, totals: np.ndarray, sizes: np.ndarray
) -> None:
    for flow in range(2):
        targets[mask, flow] = spread(int(totals[flow]), sizes[mask, flow])


def spread(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer shares of `total` proportional to `weights`, summing exactly to `total`."""
    if total <= 0:
        raise ValueError(f"cannot share a non-positive total ({total})")
    shares = np.floor(total * weights / weights.sum()).astype(np.int64)
    shares[np.argmax(weights)] += total - shares.sum()
    return np.asarray(shares)


# --- weights ------------------------------------------------------------------------------


def product_base(r: Refs, rng: np.random.Generator) -> np.ndarray:
    """(2, P) national product weights (exports, imports)."""
    base = np.zeros((2, len(r.products)))
    explicit = np.isin(r.products, list(A129_SHARE))
    for i in np.flatnonzero(explicit):
        base[:, i] = A129_SHARE[r.products[i]]
    draws = rng.gamma(2.0, 1.0, size=(2, len(r.products)))
    for group, shares in A38_SHARE.items():
        members = (r.product_a38 == group) & ~explicit
        if not members.any():
            continue
        rest = np.maximum(np.array(shares) - base[:, r.product_a38 == group].sum(axis=1), 0.0)
        rest = np.maximum(rest, 0.1 * np.array(shares))
        part = draws[:, members]
        base[:, members] = rest[:, None] * part / part.sum(axis=1, keepdims=True)
    unknown = base.sum(axis=0) == 0  # positions outside A38_SHARE: small
    base[:, unknown] = 0.05 * draws[:, unknown]
    return np.asarray(base / base.sum(axis=1, keepdims=True))


def dept_affinity(r: Refs, rng: np.random.Generator) -> np.ndarray:
    """(D, 2, P) product weights of each département and flow (fat-tailed, correlated E/I)."""
    n_d, n_p = len(r.depts), len(r.products)
    z_e = rng.standard_normal((n_d, n_p))
    z_i = 0.6 * z_e + 0.8 * rng.standard_normal((n_d, n_p))
    log_aff = PRODUCT_SIGMA * np.stack([z_e, z_i], axis=1)
    # A few random dominant products per (département, flow), with a Pareto-like boost.
    picks = np.argsort(rng.random((n_d, 2, n_p)), axis=2)[:, :, :DOMINANT_PRODUCTS]
    boosts = np.log(1.0 + np.minimum(2.0 * rng.pareto(2.0, size=picks.shape), DOMINANT_MAX))
    np.put_along_axis(log_aff, picks, np.take_along_axis(log_aff, picks, 2) + boosts, axis=2)
    log_aff += _specialties(r)
    return np.exp(log_aff)


def _specialties(r: Refs) -> np.ndarray:
    """(D, 2, P) log boosts of DEPT_SPECIALTIES."""
    out = np.zeros((len(r.depts), 2, len(r.products)))
    index = {d: i for i, d in enumerate(r.depts)}
    for dept, spec in DEPT_SPECIALTIES.items():
        for flows, prefix, boost in _parse_boosts(spec):
            for f, flow in enumerate(FLOWS):
                if flow in flows:
                    out[index[dept], f, _match(r.products, prefix)] += np.log(boost)
    return out


def dept_partner_boost(r: Refs) -> np.ndarray:
    """(D, C) multipliers of DEPT_PARTNERS."""
    out = np.ones((len(r.depts), len(r.countries)))
    index = {d: i for i, d in enumerate(r.depts)}
    for dept, spec in DEPT_PARTNERS.items():
        for _, country, boost in _parse_boosts(spec):
            out[index[dept], r.countries == country] *= boost
    return out


def product_partner_boost(r: Refs) -> np.ndarray:
    """(2, P, C) multipliers of PRODUCT_PARTNERS."""
    out = np.ones((2, len(r.products), len(r.countries)))
    for (flow, product), (spec, others) in PRODUCT_PARTNERS.items():
        row = np.full(len(r.countries), others)
        for _, country, boost in _parse_boosts(spec):
            row[r.countries == country] = boost
        out[FLOWS.index(flow), r.products == product, :] = row
    return out


def pair_counts(targets: np.ndarray, n_pairs: int) -> np.ndarray:
    """(D*2,) number of pairs each (département, flow) trades in a typical year."""
    size_geur = targets.reshape(-1).astype(float) / 1e9
    counts = np.round(PAIRS_SCALE * size_geur**PAIRS_EXPONENT)
    return np.clip(counts, PAIRS_MIN, min(PAIRS_MAX, n_pairs // 2)).astype(np.int64)


def draw_pairs(r: Refs, targets: np.ndarray, rng: np.random.Generator) -> Pairs:
    """Candidate pairs of every (département, flow): weighted sampling without replacement
    (Gumbel top-k) of CANDIDATE_FACTOR x the pair count."""
    base = product_base(r, rng)  # (2, P)
    affinity = dept_affinity(r, rng) * base[None]  # (D, 2, P)
    partners = r.country_weight[:, None, :] * product_partner_boost(r)  # (2, P, C)
    weight = affinity[..., None] * partners[None] * dept_partner_boost(r)[:, None, None, :]
    n_df, n_p, n_c = weight.shape[0] * 2, len(r.products), len(r.countries)
    weight = weight.reshape(n_df, n_p * n_c)
    weight *= np.exp(PAIR_SIGMA * rng.standard_normal(weight.shape))
    keys = np.log(weight) + rng.gumbel(size=weight.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    counts = pair_counts(targets, n_p * n_c)
    keep = rank < np.ceil(CANDIDATE_FACTOR * counts)[:, None]
    df, pair = np.nonzero(keep)
    return Pairs(
        df=df,
        product=pair // n_c,
        country=pair % n_c,
        weight=weight[df, pair],
        rank_ratio=rank[df, pair] / counts[df],
    )


# --- years --------------------------------------------------------------------------------


def activity(p: Pairs, rng: np.random.Generator) -> np.ndarray:
    """(N, Y) bool: which candidate pairs trade in which year (persistent in time)."""
    ramp = (p.rank_ratio - CORE_RANK) / (CANDIDATE_FACTOR - CORE_RANK)
    prob = np.clip(0.95 - 0.9 * ramp, 0.05, 0.95)
    threshold = np.log(prob / (1 - prob)) / 1.702  # probit through the logistic approximation
    latent = 0.8 * rng.standard_normal((len(prob), 1))
    latent = latent + 0.6 * rng.standard_normal((len(prob), len(YEARS)))
    return (p.rank_ratio < CORE_RANK)[:, None] | (latent < threshold[:, None])


def dept_index(n_df: int, rng: np.random.Generator) -> np.ndarray:
    """(D*2, Y) trajectory of each (département, flow): trend and smooth noise, 1 in 2024."""
    slope = np.clip(rng.normal(0.005, 0.012, size=(n_df, 1)), -0.025, 0.035)
    noise = _ar1(rng.normal(0.0, 0.04, size=(n_df, len(YEARS))), 0.6)
    log_index = slope * (YEARS - CALIBRATION_YEAR)[None, :] + noise
    macro = np.array([MACRO[f] for f in FLOWS])  # (2, Y)
    return np.asarray(np.exp(log_index) * np.tile(macro, (n_df // 2, 1)))


def _ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    """AR(1) paths along the year axis (vectorised over rows), shifted to 0 in the last year."""
    paths = np.zeros_like(shocks)
    paths[:, 0] = shocks[:, 0] / np.sqrt(1.0 - phi**2)  # start in the stationary law
    for y in range(1, shocks.shape[1]):
        paths[:, y] = phi * paths[:, y - 1] + shocks[:, y]
    return np.asarray(paths - paths[:, -1:])


def sector_index(r: Refs) -> np.ndarray:
    """(2, P, Y) sector shocks."""
    out = np.ones((2, len(r.products), len(YEARS)))
    for flows, prefixes, factors in SECTOR_YEARS:
        mask = np.any([_match(r.products, p) for p in prefixes.split()], axis=0)
        for f, flow in enumerate(FLOWS):
            if flow in flows:
                out[f, mask] *= np.array(factors)
    return out


def country_index(r: Refs) -> np.ndarray:
    """(2, C, Y) partner shocks."""
    out = np.ones((2, len(r.countries), len(YEARS)))
    for flows, codes, factors in COUNTRY_YEARS:
        mask = np.isin(r.countries, codes.split())
        for f, flow in enumerate(FLOWS):
            if flow in flows:
                out[f, mask] *= np.array(factors)
    return out


def pair_noise(p: Pairs, rng: np.random.Generator) -> np.ndarray:
    """(N, Y) multiplicative AR(1) noise of each pair, 1 in 2024; small pairs move more."""
    sigma = 0.05 + 0.12 * np.minimum(p.rank_ratio, CANDIDATE_FACTOR)
    shocks = rng.standard_normal((len(sigma), len(YEARS))) * sigma[:, None]
    return np.asarray(np.exp(_ar1(shocks, PAIR_PERSISTENCE)))


def raw_values(r: Refs, p: Pairs, rng: np.random.Generator) -> np.ndarray:
    """(N, Y) uncalibrated values, zero where the pair does not trade."""
    flow = p.df % 2
    values = p.weight[:, None] * dept_index(len(r.depts) * 2, rng)[p.df]
    values *= sector_index(r)[flow, p.product] * country_index(r)[flow, p.country]
    values *= pair_noise(p, rng)
    return np.where(activity(p, rng), values, 0.0)


def calibrate(values: np.ndarray, df: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whole euros, each (département, flow) of 2024 summing exactly to its target."""
    n_df = targets.size
    last = values[:, -1]
    scale = targets.reshape(-1) / np.bincount(df, weights=last, minlength=n_df)
    euros = np.round(values * scale[df, None])
    euros = np.where(values > 0, np.maximum(euros, MIN_VALUE_EUR), 0.0)
    residual = targets.reshape(-1) - np.bincount(df, weights=euros[:, -1], minlength=n_df)
    largest = _largest_per_group(euros[:, -1], df, n_df)
    euros[largest, -1] += residual
    return euros


def untie_years(euros: np.ndarray, df: np.ndarray, n_df: int) -> np.ndarray:
    """Before the calibration year, add 0.1 M€ to the largest row of a (département, flow)
    while its total rounds to another département's: the trajectories make such coincidences
    rare, not impossible (two or three a build), and a table repeating a figure looks made up.
    2024 needs none: its totals are published or drawn distinct."""
    for y in range(len(YEARS) - 1):
        while True:
            totals = np.bincount(df, weights=euros[:, y], minlength=n_df).reshape(-1, 2)
            repeats = _repeats(totals).reshape(-1)
            if not repeats.any():
                break
            euros[_largest_per_group(euros[:, y], df, n_df)[repeats], y] += TIE_STEP_EUR
    return euros


def _largest_per_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Index of the largest value of each group (every group must be present)."""
    order = np.lexsort((values, group))
    ends = np.searchsorted(group[order], np.arange(n_groups), side="right") - 1
    return order[ends]


# --- assembly -----------------------------------------------------------------------------


def generate(on_progress: _Reporter | None = None) -> pa.Table:
    """The demonstration rows (canonical columns) as an Arrow table. Deterministic."""
    report = on_progress.step if on_progress else (lambda _message: None)
    rng = np.random.default_rng(SEED)
    report("lecture des référentiels et choix des 180 pays partenaires")
    r = load_refs()
    targets = dept_targets(r.depts, r.dept_region)
    report("tirage des profils produits × pays de chaque département")
    pairs = draw_pairs(r, targets, rng)
    report(f"séries 2015-2024 de {len(pairs.df):_} couples produit × pays".replace("_", " "))
    values = raw_values(r, pairs, rng)
    report("calibrage de 2024 sur les totaux publiés")
    euros = untie_years(calibrate(values, pairs.df, targets), pairs.df, targets.size)
    return _to_arrow(r, pairs, euros)


def _to_arrow(r: Refs, p: Pairs, euros: np.ndarray) -> pa.Table:
    row, year = np.nonzero(euros > 0)
    df = p.df[row]
    n = len(row)
    return pa.table(
        {
            "year": pa.array(YEARS[year].astype(np.int16)),
            "month": pa.nulls(n, pa.int8()),
            "flow": _dictionary(df % 2, FLOWS),
            "dept": _dictionary(df // 2, r.depts),
            "product": _dictionary(p.product[row], r.products),
            "country": _dictionary(p.country[row], r.countries),
            "value_eur": pa.array(euros[row, year]),
        }
    )


def _dictionary(indices: np.ndarray, labels: Iterable[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(list(labels), pa.string())
    )


def build_demo(data_dir: str | Path, on_progress: store.Progress | None = None) -> store.Manifest:
    """Generate the demonstration dataset, write it (replacing every year) and verify it.

    `on_progress(done, total, message)` receives French progress messages (default: stderr).
    Raises CalibrationError when the written 2024 totals differ from the published ones.
    """
    reporter = _Reporter(4 + len(YEARS) + 2, on_progress or print_progress)
    table = generate(reporter)
    con = duckdb.connect()
    try:
        con.register("demo_rows", table)  # the writer types the columns, adds the absent ones
        manifest = store.write_years(
            data_dir,
            con,
            "demo_rows",
            source=SOURCE,
            replace_all=True,
            on_progress=lambda done, _total, message: reporter.step(message),
        )
        reporter.step("vérification des totaux 2024 relus dans les fichiers Parquet")
        verify(data_dir, manifest, con)
    finally:
        con.close()
    return manifest


def verify(data_dir: str | Path, manifest: store.Manifest, con: duckdb.DuckDBPyConnection) -> None:
    """Compare the written 2024 totals with PUBLISHED_CSV; raise CalibrationError if off."""
    path = Path(data_dir) / manifest.files[CALIBRATION_YEAR]
    sums = con.execute(
        "SELECT dept, flow, sum(value_eur) AS value "
        "FROM read_parquet(?, hive_partitioning = false) GROUP BY dept, flow",
        [str(path)],
    ).df()
    sums["region"] = sums["dept"].map(refs.region_of_dept)
    errors = []
    for (level, code), expected in published_targets().items():
        column = {"france": None, "region": "region", "dept": "dept"}[level]
        rows = sums if column is None else sums[sums[column] == code]
        for flow, target in zip(FLOWS, expected, strict=True):
            got = float(rows.loc[rows["flow"] == flow, "value"].sum())
            if abs(got - target) >= TOLERANCE_EUR:
                errors.append(f"{level} {code} {flow}: {got / 1e6:.1f} M€ ≠ {target / 1e6:.1f}")
    if errors:
        raise CalibrationError("totaux 2024 non reproduits : " + "; ".join(errors))


def ensure_dataset(data_dir: str | Path, on_progress: store.Progress | None = None) -> bool:
    """Build the demonstration dataset when `data_dir` has none, or bring a dataset written by
    an older version to the current layout. True when the demonstration was built."""
    if config.is_remote(str(data_dir)):
        return False
    manifest = store.read_manifest(data_dir)
    if manifest is not None:
        if manifest.layout < store.LAYOUT:
            store.upgrade(data_dir)
        return False
    build_demo(data_dir, on_progress)
    return True
