"""docs/ARCHITECTURE.md describes every module of lib/ and pages/, and only modules that exist.

A module is described when a sub-bullet of its layer's bullet (`- `lib/``, `- `pages/``) starts
with its path relative to the layer in backquotes: `  - `config.py``, `  - `readers/zip.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
LAYERS = ("lib", "pages")


def layer_section(doc: str, layer: str) -> str:
    """The text of the top-level bullet "- `layer/`" and its sub-bullets."""
    start = doc.index(f"- `{layer}/`")
    following = re.search(r"^- `", doc[start + 1 :], flags=re.MULTILINE)
    end = start + 1 + following.start() if following else len(doc)
    return doc[start:end]


def modules_of(layer: str) -> set[str]:
    base = ROOT / layer
    return {
        path.relative_to(base).as_posix()
        for path in base.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def described(section: str) -> set[str]:
    return set(re.findall(r"^\s+- `([\w/]+\.py)`", section, flags=re.MULTILINE))


@pytest.mark.parametrize("layer", LAYERS)
def test_every_module_is_described(layer: str) -> None:
    missing = modules_of(layer) - described(layer_section(DOC.read_text("utf-8"), layer))
    assert not missing, f"modules of {layer}/ missing from docs/ARCHITECTURE.md: {sorted(missing)}"


@pytest.mark.parametrize("layer", LAYERS)
def test_every_described_module_exists(layer: str) -> None:
    ghosts = described(layer_section(DOC.read_text("utf-8"), layer)) - modules_of(layer)
    assert not ghosts, (
        f"docs/ARCHITECTURE.md describes {layer}/ modules that do not exist: {ghosts}"
    )


def test_sections_are_found_in_a_sample_document() -> None:
    sample = "- `lib/` — x:\n  - `a.py` one\n  - `b/c.py` two\n- `pages/` — y:\n  - `p.py`\n- `x`"
    assert described(layer_section(sample, "lib")) == {"a.py", "b/c.py"}
    assert described(layer_section(sample, "pages")) == {"p.py"}
