"""The one JSON codec: strict parsing with a nesting bound, and its variant for bytes already
parsed with the bound (an import's export lines, which the validator read)."""

from __future__ import annotations

import pytest

from dataops.model import jsonvalue

DEEP = b'{"x": ' + b"[" * 40 + b"]" * 40 + b"}"


def test_loads_refuses_documents_nested_deeper_than_the_bound() -> None:
    with pytest.raises(jsonvalue.JsonError) as refused:
        jsonvalue.loads(DEEP)

    assert str(refused.value) == "nested deeper than 32 levels"
    assert refused.value.too_deep


def test_loads_validated_parses_strictly_without_the_bound() -> None:
    assert jsonvalue.loads_validated(b'{"a": [1, 2.5, null, true]}') == {"a": [1, 2.5, None, True]}
    assert jsonvalue.nesting_depth(jsonvalue.loads_validated(DEEP)) == 41
    with pytest.raises(jsonvalue.JsonError) as invalid:
        jsonvalue.loads_validated(b'{"a": NaN}')

    assert not invalid.value.too_deep
    with pytest.raises(jsonvalue.JsonError) as same:
        jsonvalue.loads(b'{"a": NaN}')
    assert str(invalid.value) == str(same.value)
