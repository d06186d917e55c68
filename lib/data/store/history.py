"""The dataset's history as text: one French line per change (`python -m lib.data.store history`,
the Importer page)."""

from __future__ import annotations

from lib.data.store.manifest import Event

ACTIONS = {
    "import": "import",
    "demo": "jeu de démonstration",
    "rollback": "retour à la version précédente",
    "upgrade": "mise à jour du format",
}


def event_line(event: Event) -> str:
    """`2026-11-29T23:38:04+00:00 import 2025 E, 2025 I (a.zip) par alice, sur 2026…`."""
    pairs = ", ".join(f"{y} {f}" for y, f in event.pairs)
    files = f" ({', '.join(event.files)})" if event.files else ""
    by = f" par {event.by}" if event.by else ""
    base = f", sur {event.based_on}" if event.based_on else ""
    return f"{event.created} {ACTIONS.get(event.action, event.action)} {pairs}{files}{by}{base}"
