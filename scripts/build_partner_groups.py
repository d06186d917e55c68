"""Build `data/ref/partner_groups.csv`: the partner groups and their dated memberships.

Usage:
    .venv/bin/python scripts/build_partner_groups.py [OUTPUT]

OUTPUT defaults to `data/ref/partner_groups.csv`. Columns `group,label,country,valid_from,
valid_to`: one row per membership spell, ISO dates, `valid_to` the last day of membership
(inclusive), empty while the country is still a member. The output is deterministic (groups in
the order of `GROUPS`, then country code, then start date; UTF-8, LF line endings): running the
script again must reproduce the committed file byte for byte, and a test checks it.

The memberships are facts written below with their legal source; pycountry (LGPL-2.1, Debian's
iso-codes) only checks that every member is an ISO 3166-1 alpha-2 code. The group « hors UE » is
not listed here: lib/core/partners.py derives it, for each year, as the complement of the UE.

Sources:
- European Union (European Communities before 1993; the dates are those of entry into force of
  each treaty): Treaty of Rome (1958-01-01); Treaties of Accession of 1972 (DK, IE, GB:
  1973-01-01), 1979 (GR: 1981-01-01), 1985 (ES, PT: 1986-01-01), 1994 (AT, FI, SE: 1995-01-01),
  2003 (CY, CZ, EE, HU, LT, LV, MT, PL, SI, SK: 2004-05-01), 2005 (BG, RO: 2007-01-01), 2012
  (HR: 2013-07-01). The United Kingdom left on 2020-02-01 (Withdrawal Agreement, OJ L 29,
  31.1.2020): its last day as a member is 2020-01-31.
- Euro area (adoption of the euro, Council decisions under Article 140(2) TFEU, formerly
  Article 122(2) EC): 1999-01-01 (AT, BE, DE, ES, FI, FR, IE, IT, LU, NL, PT); GR 2001-01-01;
  SI 2007-01-01; CY, MT 2008-01-01; SK 2009-01-01; EE 2011-01-01; LV 2014-01-01; LT 2015-01-01;
  HR 2023-01-01; BG 2026-01-01 (Council decision of 8 July 2025).
- Gulf Cooperation Council: Charter of the Cooperation Council for the Arab States of the Gulf,
  signed in Abu Dhabi on 1981-05-25 by its six members (AE, BH, KW, OM, QA, SA), unchanged since.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import NamedTuple

import pycountry

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "data" / "ref" / "partner_groups.csv"

HEADER = ("group", "label", "country", "valid_from", "valid_to")


class Spell(NamedTuple):
    """Membership of one group by a few countries, from `start` to `end` (inclusive; "" = today)."""

    countries: str  # space-separated ISO 3166-1 alpha-2 codes
    start: str
    end: str = ""


# Group code -> (French label, membership spells). Codes are never two letters, so that they
# cannot collide with a country code. Greece is GR, as in ISO 3166-1 and the customs' data.
GROUPS: dict[str, tuple[str, tuple[Spell, ...]]] = {
    "UE27": (
        "Union européenne (UE à 27)",
        (
            Spell("BE DE FR IT LU NL", "1958-01-01"),
            Spell("DK IE", "1973-01-01"),
            Spell("GB", "1973-01-01", "2020-01-31"),
            Spell("GR", "1981-01-01"),
            Spell("ES PT", "1986-01-01"),
            Spell("AT FI SE", "1995-01-01"),
            Spell("CY CZ EE HU LT LV MT PL SI SK", "2004-05-01"),
            Spell("BG RO", "2007-01-01"),
            Spell("HR", "2013-07-01"),
        ),
    ),
    "ZONE_EURO": (
        "Zone euro",
        (
            Spell("AT BE DE ES FI FR IE IT LU NL PT", "1999-01-01"),
            Spell("GR", "2001-01-01"),
            Spell("SI", "2007-01-01"),
            Spell("CY MT", "2008-01-01"),
            Spell("SK", "2009-01-01"),
            Spell("EE", "2011-01-01"),
            Spell("LV", "2014-01-01"),
            Spell("LT", "2015-01-01"),
            Spell("HR", "2023-01-01"),
            Spell("BG", "2026-01-01"),
        ),
    ),
    "GOLFE": (
        "Pays du Golfe (CCG)",
        (Spell("AE BH KW OM QA SA", "1981-05-25"),),
    ),
}

Row = tuple[str, str, str, str, str]


def _check_code(group: str, code: str) -> None:
    """Raise unless `code` is an ISO 3166-1 alpha-2 code distinct from the group's."""
    if len(group) == 2:
        raise ValueError(f"group code {group} could be taken for a country")
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{group}: {code} is not an ISO 3166-1 alpha-2 code")


def build_rows() -> list[Row]:
    """The table's rows: groups in the order of `GROUPS`, then country, then start date."""
    rows: list[Row] = []
    for group, (label, spells) in GROUPS.items():
        group_rows = []
        for spell in spells:
            if spell.end and spell.end < spell.start:
                raise ValueError(f"{group}: {spell} ends before it starts")
            for code in spell.countries.split():
                _check_code(group, code)
                group_rows.append((group, label, code, spell.start, spell.end))
        rows.extend(sorted(group_rows, key=lambda row: (row[2], row[3])))
    return rows


def render(rows: list[Row]) -> str:
    """CSV text: header row, UTF-8 content, LF line endings, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def write(output: Path) -> int:
    """Write the table to `output`; the number of rows written."""
    rows = build_rows()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(render(rows).encode("utf-8"))
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="CSV file to write"
    )
    args = parser.parse_args(argv)
    count = write(args.output)
    print(f"{args.output}: {count} memberships", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
