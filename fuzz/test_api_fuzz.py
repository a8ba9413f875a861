"""Random JSON bodies and ids against every route: never a 500 (`make fuzz`).

Slow by design (thousands of examples per route); the regular suite runs a fixed hostile set
in tests/api/test_hostile_input.py.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataops.model import jsonvalue
from tests.conftest import client_for, make_engine, make_settings
from tests.support.hostile import FIELD_NAMES, assert_handled, operations, seed

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3000"))

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["2026-12-01", "https://example.com/x", "s3://b/k", "local-dev://k", "done"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
bodies = st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=12) | json_values

_engine = make_engine(make_settings())
_client = client_for(_engine)
_ids = seed(_client)
_operations = operations(_engine)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    operation=st.sampled_from(_operations),
    body=bodies,
    use_real_ids=st.booleans(),
    query=st.dictionaries(
        st.sampled_from([*FIELD_NAMES, "limit", "cursor", "all"]), st.text(max_size=12), max_size=3
    ),
)
def test_random_requests_never_fail_the_server(
    operation: Any, body: Any, use_real_ids: bool, query: dict[str, str]
) -> None:
    paths = operation.expand(_ids)
    path = paths[0] if use_real_ids else paths[-1]
    response = _client.request(
        operation.method,
        path,
        content=jsonvalue.dumps(body),
        params=query,
        headers={"content-type": "application/json"},
    )
    assert_handled(response, f"{operation.method} {path} {body!r:.200}", operation)
