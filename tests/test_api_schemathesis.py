"""schemathesis against the API's own OpenAPI description (/api/v1/openapi.json), over the
demonstration dataset: requests generated from the description (valid values, and invalid
ones: wrong types, values outside the enumerations and bounds), each answer checked.

Checks: no server error (5xx), every status and content type is one the description declares,
every header it requires is sent, every JSON body validates against the schema of its status
(the records with their columns and types for 200, `{"erreur", "details"}` otherwise).
Not checked: that every request valid for the description is accepted (`positive_data_acceptance`):
the description cannot say that a région code is refused with `niveau=departement`.

Bounded: MAX_EXAMPLES requests per address and mode (valid, invalid), drawn by hypothesis from
schemathesis' strategy (its coverage phase, about 30 times as many requests, is not run);
in-process (schemathesis' ASGI client), so that the run stays under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from lib.core import config
from lib.data import db
from lib.web import api, api_terms, ratelimit, registry

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(demo_data_dir: Path) -> Iterator[schemathesis.BaseSchema]:
    """The description as schemathesis loads it from the API, over the demonstration data."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
        db.reset()
        app = Starlette(routes=api.routes(ratelimit.RateLimiter(0, 1)))
        yield schemathesis.openapi.from_asgi(api_terms.OPENAPI_PATH, app)
    db.reset()


# Every address: the list, the description, each table (the description must list them all:
# tests/test_api.py checks it).
PATHS = [
    f"{api_terms.PREFIX}/",
    api_terms.OPENAPI_PATH,
    *(f"{api_terms.PREFIX}/{name}" for name in registry.TABLES),
]
# The description takes no parameter: nothing invalid to send it.
CASES = [
    (path, mode)
    for path in PATHS
    for mode in schemathesis.GenerationMode
    if not (path == api_terms.OPENAPI_PATH and mode == schemathesis.GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_the_api_keeps_its_description(
    api_schema: schemathesis.BaseSchema, path: str, mode: schemathesis.GenerationMode
) -> None:
    # schemathesis' own pytest loader for a schema known only at run time
    # (`schemathesis.pytest.from_fixture`) does not run under pytest 9: the strategy is drawn
    # here instead.
    operation = api_schema[path]["GET"]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    check()
