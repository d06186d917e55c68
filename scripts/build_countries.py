"""Build `data/ref/countries.csv`: every partner country code with its French name and zone.

Usage:
    .venv/bin/python scripts/build_countries.py [OUTPUT]

OUTPUT defaults to `data/ref/countries.csv`. The output is deterministic (sorted by code, UTF-8,
LF line endings): running the script again must reproduce the committed file byte for byte, and a
test checks it.

Sources:
- ISO 3166-1 alpha-2 codes and their French names: pycountry (LGPL-2.1), which bundles the
  Debian iso-codes data and its gettext translations (`iso3166-1` domain, locale `fr`).
- Customs partner codes outside ISO 3166-1: the geonomenclature of the EU statistics on trade in
  goods (Commission Implementing Regulation (EU) 2020/1470), which French customs (DGDDI) also uses.
- Zones: a fixed assignment in this file (see `ZONES`), close to the geographic zones of French
  customs publications.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "data" / "ref" / "countries.csv"

HEADER = ("code", "name", "eu27", "zone")

UE = "Union européenne"
EUROPE = "Europe hors UE"
AMN = "Amérique du Nord"
AML = "Amérique latine et Caraïbes"
ASIE = "Asie"
PMO = "Proche et Moyen-Orient"
AFRIQUE = "Afrique"
OCEANIE = "Océanie"
ND = "Non déterminé"


def _codes(text: str) -> tuple[str, ...]:
    """Space-separated codes -> tuple."""
    return tuple(text.split())


# The 27 member states of the European Union (since 1 February 2020). Greece is GR, as in
# ISO 3166-1 and in French customs data (Eurostat's own code EL is not used here).
EU27 = frozenset(
    _codes("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK")
)

# Zone of every non-EU code. Each code must appear exactly once (checked at build time), so a new
# ISO code in a future pycountry makes the build fail instead of landing in a wrong zone.
# Notes on borderline choices:
# - French overseas départements and collectivités (GP, MQ, GF, RE, YT, MF, BL, PM, NC, PF, WF, TF)
#   never appear as partners in French customs data (trade with them is not foreign trade); they
#   are placed by geography so that the table stays complete.
# - AX (Åland, part of Finland) is kept out of the EU zone because its eu27 flag is 0: the zone
#   "Union européenne" is exactly the 27 member states.
# - The Caucasus and Central Asia go to "Asie"; Turkey and Russia to "Europe hors UE".
# - Ceuta (XC) and Melilla (XL) are Spanish but outside the EU statistical territory for trade in
#   goods: they are extra-EU partners, placed in Africa.
ZONES: dict[str, tuple[str, ...]] = {
    EUROPE: _codes(
        "AD AL AX BA BY CH FO GB GG GI IM IS JE LI MC MD ME MK NO RS RU SJ SM TR UA VA XI XK XU"
    ),
    AMN: _codes("BM CA GL PM US"),
    AML: _codes(
        "AG AI AR AW BB BL BO BQ BR BS BV BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN HT"
        " JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    PMO: _codes("AE BH IL IQ IR JO KW LB OM PS QA SA SY YE"),
    ASIE: _codes(
        "AF AM AZ BD BN BT CN GE HK ID IN IO JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG"
        " TH TJ TL TM TW UZ VN"
    ),
    AFRIQUE: _codes(
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA"
        " MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG YT ZA"
        " ZM ZW XC XL"
    ),
    # Antarctica (AQ) has no better bucket; trade with it is negligible.
    OCEANIE: _codes(
        "AQ AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
    ND: _codes("QQ QR QS QU QV QW QX QY QZ"),
}

# Short, readable French names where the iso-codes French form is an inverted official name
# ("Corée, République de"), an archaic spelling ("Groënland") or an unusual form for the main
# trade partners ("Russie, Fédération de"). Everything else keeps the iso-codes French name (or its
# common name when iso-codes provides one).
NAME_OVERRIDES: dict[str, str] = {
    "AX": "Îles Åland",
    "BN": "Brunei",
    "BY": "Biélorussie",
    "CC": "Îles Cocos (Keeling)",
    "CX": "Île Christmas",
    "FK": "Îles Malouines",
    "FM": "Micronésie",
    "GL": "Groenland",
    "GQ": "Guinée équatoriale",
    "KR": "Corée du Sud",
    "MO": "Macao",
    "PS": "Palestine",
    "RE": "La Réunion",
    "RU": "Russie",
    "SB": "Îles Salomon",
    "TW": "Taïwan",
    "VA": "Saint-Siège (Vatican)",
    "VE": "Venezuela",
    "VI": "Îles Vierges des États-Unis",
}

# Partner codes of the EU trade geonomenclature that are not ISO 3166-1 codes.
EXTRA_CODES: dict[str, str] = {
    "XC": "Ceuta",
    "XI": "Royaume-Uni (Irlande du Nord)",
    "XK": "Kosovo",
    "XL": "Melilla",
    "XU": "Royaume-Uni (hors Irlande du Nord)",
    "QQ": "Avitaillement et soutage",
    "QR": "Avitaillement et soutage (échanges intra-UE)",
    "QS": "Avitaillement et soutage (échanges extra-UE)",
    "QU": "Pays et territoires non déterminés",
    "QV": "Pays et territoires non déterminés (échanges intra-UE)",
    "QW": "Pays et territoires non déterminés (échanges extra-UE)",
    "QX": "Pays et territoires non précisés pour raisons commerciales ou militaires",
    "QY": "Pays et territoires non précisés pour raisons commerciales ou militaires (intra-UE)",
    "QZ": "Pays et territoires non précisés pour raisons commerciales ou militaires (extra-UE)",
}


def zone_of() -> dict[str, str]:
    """Code -> zone, from `EU27` and `ZONES`; raises if a code is listed twice."""
    result = dict.fromkeys(EU27, UE)
    for zone, codes in ZONES.items():
        for code in codes:
            if code in result:
                raise ValueError(f"{code} is listed in two zones")
            result[code] = zone
    return result


def french_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> French name, from pycountry's bundled translations."""
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = translation.gettext(english)
    return names


def build_rows() -> list[tuple[str, str, str, str]]:
    """The table's rows, sorted by code."""
    names = french_names()
    overlap = names.keys() & EXTRA_CODES.keys()
    if overlap:
        raise ValueError(f"customs codes now assigned by ISO 3166-1: {sorted(overlap)}")
    names.update(EXTRA_CODES)
    names.update(NAME_OVERRIDES)
    zones = zone_of()
    missing = sorted(names.keys() - zones.keys())
    unknown = sorted(zones.keys() - names.keys())
    if missing or unknown:
        raise ValueError(f"codes without a zone: {missing}; zoned codes unknown: {unknown}")
    return [
        (code, names[code], "1" if code in EU27 else "0", zones[code]) for code in sorted(names)
    ]


def render(rows: list[tuple[str, str, str, str]]) -> str:
    """CSV text: header row, UTF-8 content, LF line endings, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="CSV file to write"
    )
    args = parser.parse_args(argv)
    rows = build_rows()
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(render(rows).encode("utf-8"))
    print(f"{output}: {len(rows)} codes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
