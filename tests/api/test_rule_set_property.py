"""The rule-set property (tests/support/rule_set.py) with a bounded number of examples: every
write the API accepts keeps the export valid. `make fuzz` runs it much longer."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.support.rule_set import RuleSetMachine

TestRuleSet = RuleSetMachine.TestCase
TestRuleSet.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
