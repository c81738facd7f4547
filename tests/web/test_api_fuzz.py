"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis): whatever
the generated request, an admin's call never gets a server error (5xx).

The schema is read at import time from an app over a throwaway folder (the document does not depend
on data); the generated requests go to an app over a copy of the processed example corpus.
(`schemathesis.pytest.from_fixture` would be the natural loader, but schemathesis 4.32 reads
`Node._nodeid`, which pytest 9.2 no longer has.)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from callqa.web.app import create_app
from callqa.workspace import Workspace
from tests.web.test_api import build_api


def _openapi_document() -> dict:
    folder = Path(tempfile.mkdtemp(prefix="callqa-openapi-"))
    try:
        return create_app(Workspace.open(folder), db=None).openapi()  # type: ignore[arg-type]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


schema = schemathesis.openapi.from_dict(_openapi_document()).include(path_regex="^/api/")


@pytest.fixture(scope="module")
def fuzz_env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    env = build_api(example_workspace, tmp_path_factory.mktemp("fuzz") / "ws")
    env.app.state.max_upload_mb = 1  # keep generated uploads small
    yield env
    env.db.close()


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_fails_with_5xx(case, fuzz_env) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {fuzz_env.tokens['admin']}"}
    response = case.call(app=fuzz_env.app, headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
