"""lib/core/gridtext.py: the preview grid's numbers as French text."""

from __future__ import annotations

import pandas as pd

from lib.core import gridtext

NB, PAD = "\u00a0", gridtext.PAD


def test_numbers_years_and_empty_cells() -> None:
    frame = pd.DataFrame(
        {
            "annee": pd.array([2024, 2015], dtype="Int16"),
            "mois": pd.array([None, 12], dtype="Int8"),
            "valeur_eur": [1_773_500_000.0, 987.4],
            "masse_kg": [float("nan"), 12.0],
            "cpf4": [None, "1011"],
        }
    )
    shown = gridtext.french_text(
        frame, {"annee": gridtext.PLAIN, "mois": gridtext.PLAIN, "valeur_eur": 0, "masse_kg": 1}
    )
    assert list(shown["annee"]) == ["2024", "2015"]
    assert list(shown["mois"]) == ["", "12"]
    assert list(shown["valeur_eur"]) == [f"1{NB}773{NB}500{NB}000", PAD * 10 + "987"]
    assert list(shown["masse_kg"]) == ["", "12,0"]
    assert list(shown["cpf4"]) == ["", "1011"]
    assert frame["valeur_eur"].dtype == "float64"  # the frame given is left as it was


def test_padding_makes_text_order_the_numeric_order() -> None:
    values = [5.0, 1_234_567.0, 89.0, 1_000.0, 999.0, 0.0, 70_000.0]
    shown = gridtext.french_text(pd.DataFrame({"v": values}), {"v": 0})["v"]
    assert [value for _, value in sorted(zip(shown, values, strict=True))] == sorted(values)
