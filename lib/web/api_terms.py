"""The API's addresses and its one parameter of its own, shared by the API (lib/web/api.py) and
its description (lib/web/api_doc.py), which the API serves: neither imports the other for them."""

from __future__ import annotations

PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
FORMATS = ("json", "csv")
FORMAT_KEY = "format"  # json (default) or csv: every table's parameter besides its page's
