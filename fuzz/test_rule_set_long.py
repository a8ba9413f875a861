"""The rule-set property (tests/support/rule_set.py), long: thousands of request sequences
(`make fuzz`; FUZZ_EXAMPLES sets how many)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.support.rule_set import RuleSetMachine

TestRuleSetLong = RuleSetMachine.TestCase
TestRuleSetLong.settings = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
