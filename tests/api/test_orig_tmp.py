from hypothesis import HealthCheck, settings
from tests.support.rule_set_orig_tmp import RuleSetMachine
TestRuleSet = RuleSetMachine.TestCase
TestRuleSet.settings = settings(max_examples=30, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
