"""Property-based fuzzing of every operation in the app's OpenAPI document, the REST API and the HTML
pages and forms alike (schemathesis): whatever the generated request, and whoever sends it (every
role, and nobody), it never gets a server error (5xx).

Each generated request is sent once per role rather than generated anew for each: the roles reach
different code (refusals, team filters, masking) with the same input, at a fifth of the generation cost.

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
from hypothesis import HealthCheck, note, settings
from schemathesis.checks import not_a_server_error

from callqa.review import accounts
from callqa.web.app import create_app
from callqa.workspace import Workspace
from tests.web.test_api import PEOPLE, bearer, build_api

ROLES = ("anon", "lead_a", "inspector", "supervisor", "admin")  # admin last: it may change what others see


def _openapi_document() -> dict:
    folder = Path(tempfile.mkdtemp(prefix="callqa-openapi-"))
    try:
        return create_app(Workspace.open(folder), db=None).openapi()  # type: ignore[arg-type]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


schema = schemathesis.openapi.from_dict(_openapi_document())


@pytest.fixture(scope="module")
def fuzz_env(example_workspace: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    env = build_api(example_workspace, tmp_path_factory.mktemp("fuzz") / "ws")
    env.app.state.max_upload_mb = 1  # keep generated uploads small
    yield env
    env.db.close()


def fresh_credentials(env) -> None:  # type: ignore[no-untyped-def]
    """Every role's account active again with a new API token: a generated request may have disabled
    an account, reset its password or revoked its tokens (all of which end its tokens)."""
    with env.db.session() as session:
        for role in ROLES[1:]:
            user = accounts.get_user(session, PEOPLE[role][0])
            user.active = True
            env.tokens[role] = accounts.create_api_token(session, "test", user.username, "fuzz")[1]


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_fails_with_5xx(case, fuzz_env) -> None:  # type: ignore[no-untyped-def]
    fresh_credentials(fuzz_env)
    for role in ROLES:
        note(f"sent as: {role}")
        response = case.call(app=fuzz_env.app, headers=bearer(fuzz_env, role))
        case.validate_response(response, checks=[not_a_server_error])
