"""Fuzz every operation of the OpenAPI schema against the real app under uvicorn: never a server error.

Schemathesis generates the requests (valid ones, and invalid ones that break the schema); Hypothesis runs a
bounded, derandomized number of them per operation, so a run is reproducible.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.serving import LiveServer

EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 15}  # per operation: bounded


@pytest.fixture(scope="module")
def live(index, embedder, llm, tmp_path_factory):
    assistant = Assistant(index, embedder, llm, top_k=2, extract_words=40, max_tokens=4)
    # No rate limit here: the fuzzer is one client sending many requests on purpose. Its own data dir: what
    # it rates and what it re-indexes with the admin token never lands in the real one.
    settings = Settings(
        rate_limit_per_minute=0,
        admin_token="jeton-de-fuzz-" + "y" * 32,
        data_dir=tmp_path_factory.mktemp("fuzz-data"),
    )
    app = create_app(settings, assistant)
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_makes_a_server_error(live, mode):
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/chat",
        "/api/chat/stream",
        "/documents/{doc_id}.pdf",
        "/api/feedback",
        "/metrics",
    }
    tried: dict[str, list[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(timeout=120)
            tried.setdefault(case.operation.label, []).append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Unsatisfiable:
            # Nothing to break where every input is a free string (/health, /documents/{doc_id}.pdf): their
            # calls ran in the positive mode. A request body can always be broken, so it must be fuzzed here.
            assert mode == GenerationMode.NEGATIVE
            assert "requestBody" not in operation.definition.raw, operation.label
            tried[operation.label] = []
    assert all(code < 500 for codes in tried.values() for code in codes)
    assert len(tried) == len(operations), tried
    print({label: sorted(set(codes)) for label, codes in tried.items()})
