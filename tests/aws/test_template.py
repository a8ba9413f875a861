"""infra/template.yaml against the code it deploys: every table and index the store declares (and
nothing else), the bucket and its rules, one public Function URL, least-privilege IAM derived from
the requests the code sends, schedules with a dead-letter queue, logs and alarms, handlers that
import, and every environment variable the code reads in production set on the function that
reads it. Expectations come from the code's declarations, never from a second list."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dataops import aws, config
from dataops.blobs.s3 import PENDING_TAG_KEY
from dataops.config import Settings, parse_blobs
from dataops.store.dynamodb_layout import TTL_ATTRIBUTE, PhysicalTable, build_layouts
from dataops.store.schema import TABLES, TRANSACTIONS, Table

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
STORE_SOURCES = sorted((ROOT / "src" / "dataops" / "store").glob("dynamodb*.py"))
FUNCTIONS = ("PortalFunction", "EngineFunction", "SchedulerFunction")
# The functions that open the store and the blob store: the engine and the scheduled runs.
DATA_FUNCTIONS = ("EngineFunction", "SchedulerFunction")

# Variables config.py reads that no function of the template may set, and why.
NOT_ON_LAMBDA = {
    "WORK_ENGINE_PORTAL_SECRET": "the secret lives in Secrets Manager (..._SECRET_NAME)",
    "DATAOPS_AUTO_CREATE_TABLES": "the template owns the tables; production never creates any",
    "AWS_ENDPOINT_URL_DYNAMODB": "emulators only",
    "DYNAMODB_ENDPOINT": "emulators only",
    "DATAOPS_TRUSTED_PROXIES": "a Function URL hands over the client's own address",
    "DATAOPS_ENGINE_URL": "the HTTP transport; on AWS the portal invokes the engine function",
    "GITHUB_SHA": "CI's name for APP_GIT_SHA",
}
# Set by Lambda itself (reserved: a template cannot set them).
SET_BY_LAMBDA = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME"})
# Read by Settings for the portal of `dataops serve`; the engine function serves no pages.
PORTAL_ONLY = frozenset({"DATAOPS_PUBLIC_URL"})
# Requests that only create or change tables (where tables may be created: never in production).
TABLE_CHANGES = frozenset({"CreateTable", "UpdateTable", "UpdateTimeToLive"})
# What IAM checks for the writes of a TransactWriteItems request (it has no action of its own).
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@cache
def template() -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    loaded: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return loaded


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template()["Resources"]
    return {name: body for name, body in found.items() if kind is None or body["Type"] == kind}


def properties(name: str) -> dict[str, Any]:
    props: dict[str, Any] = resources()[name]["Properties"]
    return props


def environment(function: str) -> dict[str, Any]:
    variables: dict[str, Any] = properties(function)["Environment"]["Variables"]
    return variables


def all_tables() -> list[Table]:
    return [*TABLES.values(), TRANSACTIONS]


def physical_tables() -> dict[str, tuple[PhysicalTable, list[Table]]]:
    """Each DynamoDB table the store uses (by its default name), and the logical tables in it."""
    layouts, commits = build_layouts(TABLES, {})
    tables: dict[str, tuple[PhysicalTable, list[Table]]] = {}
    for layout in layouts.values():
        tables.setdefault(layout.physical.name, (layout.physical, []))[1].append(layout.table)
    tables[commits.name] = (commits, [TRANSACTIONS])
    return tables


def table_resource(table: Table, function: str = "EngineFunction") -> str:
    """The template's resource behind a logical table: what its variable names."""
    reference = environment(function)[table.env_var]
    assert set(reference) == {"Ref"}, f"{table.env_var} must name a table of the template"
    name: str = reference["Ref"]
    return name


def resolve(value: Any) -> Any:
    """A value of the template as a deployed stack would have it (names made up)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = template()["Parameters"].get(value["Ref"])
        return str(parameter["Default"]) if parameter else f"stack-{value['Ref']}"
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}.]+)\}", lambda match: f"stack-{match.group(1)}", value["Fn::Sub"])
    return value


# --- tables --------------------------------------------------------------------------------------


def test_every_table_the_store_uses_is_declared_with_its_keys_and_indexes() -> None:
    declared = resources("AWS::DynamoDB::Table")
    expected: set[str] = set()
    for physical, logical in physical_tables().values():
        names = {table_resource(table) for table in logical}
        assert len(names) == 1, f"{[t.name for t in logical]} share one DynamoDB table"
        [name] = names
        expected.add(name)
        props = declared[name]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["KeySchema"] == [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ]
        assert props["AttributeDefinitions"] == [
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in physical.attribute_names()
        ]
        indexes = {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in props.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            gsi.name: (gsi.key_schema(), {"ProjectionType": "ALL"})
            for gsi in physical.gsis.values()
        }, name
    assert set(declared) == expected, "tables the code does not use"


def test_tables_are_encrypted_retained_tagged_and_named_after_the_stack() -> None:
    for name, table in resources("AWS::DynamoDB::Table").items():
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
        props = table["Properties"]
        assert props["SSESpecification"] == {"SSEEnabled": True}, name
        assert props["TableName"]["Fn::Sub"].startswith("${AWS::StackName}-")
        assert {tag["Key"] for tag in props["Tags"]} == {"Project", "App", "DataClass"}


def test_ttl_where_records_expire_and_recovery_on_every_table() -> None:
    for physical, logical in physical_tables().values():
        props = properties(table_resource(logical[0]))
        if physical.ttl:
            assert props["TimeToLiveSpecification"] == {
                "AttributeName": TTL_ATTRIBUTE,
                "Enabled": True,
            }
        else:
            assert "TimeToLiveSpecification" not in props
        # Every table, the commit records included: a restore brings them all to one instant
        # (docs/data-safety.md).
        recovery = props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        assert recovery is True, physical.name
    sessions = properties(table_resource(TABLES["sessions"]))
    assert "TimeToLiveSpecification" in sessions
    assert all(
        "TimeToLiveSpecification" in properties(table_resource(TABLES[name]))
        for name in ("uploads", "login_attempts")
    )


def test_the_engines_settings_name_the_templates_tables_and_never_create_any() -> None:
    for function in DATA_FUNCTIONS:
        variables = {name: resolve(value) for name, value in environment(function).items()}
        settings = Settings.from_env(
            {**variables, "AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": function}
        )
        assert settings.store.kind == "dynamodb"
        assert settings.blobs.kind == "s3"
        assert settings.auth_mode.value == "portal"
        assert not settings.may_create_tables
        assert not settings.local_storage_allowed
        for table in all_tables():
            assert settings.table_names[table.name] == f"stack-{table_resource(table, function)}"


# --- the bucket ----------------------------------------------------------------------------------


def bucket_rules() -> dict[str, dict[str, Any]]:
    rules = properties("ArtifactsBucket")["LifecycleConfiguration"]["Rules"]
    return {rule["Id"]: rule for rule in rules}


def engine_blobs_prefix() -> str:
    location = parse_blobs(resolve(environment("EngineFunction")["DATAOPS_BLOBS"]))
    assert location.bucket == "stack-ArtifactsBucket"
    return location.prefix


def exports_prefix() -> str:
    target = resolve(environment("EngineFunction")["EXPORT_OUTPUT_DIR"])
    bucket, _, prefix = target.removeprefix("s3://").partition("/")
    assert bucket == "stack-ArtifactsBucket"
    return prefix.strip("/")


def test_the_bucket_is_private_versioned_encrypted_and_retained() -> None:
    bucket = resources()["ArtifactsBucket"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert {tag["Key"] for tag in props["Tags"]} == {"Project", "App", "DataClass"}


def test_the_bucket_refuses_every_request_without_tls() -> None:
    statements = properties("ArtifactsBucketPolicy")["PolicyDocument"]["Statement"]
    [tls] = [s for s in statements if s.get("Condition", {}).get("Bool")]
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Condition"]["Bool"] == {"aws:SecureTransport": "false"}
    assert {"Fn::GetAtt": ["ArtifactsBucket", "Arn"]} in tls["Resource"]
    assert {"Fn::Sub": "${ArtifactsBucket.Arn}/*"} in tls["Resource"]


def test_the_bucket_forgets_what_nothing_needs_any_more() -> None:
    rules = bucket_rules()
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    assert rules["noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionDays"}
    }
    assert rules["incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }
    pending = rules["abandoned-direct-uploads"]
    assert pending["TagFilters"] == [{"Key": PENDING_TAG_KEY, "Value": "pending"}]
    assert rules["old-exports"]["Prefix"] == exports_prefix() + "/"
    assert rules["old-exports"]["ExpirationInDays"] == {"Ref": "ExportRetentionDays"}
    spilled = f"{engine_blobs_prefix()}/{aws.SPILLED_ANSWERS}/"
    assert (rules["spilled-answers"]["Prefix"], rules["spilled-answers"]["ExpirationInDays"]) == (
        spilled,
        1,
    )
    assert aws.SPILLED_ANSWER_SECONDS < 24 * 3600


def test_browsers_may_upload_directly_from_the_portals_origin_only() -> None:
    cors = properties("ArtifactsBucket")["CorsConfiguration"]["Fn::If"]
    assert cors[0] == "HasPortalOrigin"
    [rule] = cors[1]["CorsRules"]
    assert rule["AllowedOrigins"] == [{"Ref": "PortalOrigin"}]
    assert set(rule["AllowedMethods"]) == {"PUT", "GET"}
    assert set(rule["AllowedHeaders"]) == {"content-type", "x-amz-checksum-sha256", "x-amz-tagging"}
    assert cors[2] == {"Ref": "AWS::NoValue"}


# --- functions -----------------------------------------------------------------------------------


def test_every_handler_named_in_the_template_imports() -> None:
    functions = resources("AWS::Serverless::Function")
    assert set(functions) == set(FUNCTIONS)
    for name, function in functions.items():
        module, _, attribute = function["Properties"]["Handler"].rpartition(".")
        handler = getattr(importlib.import_module(module), attribute)
        assert callable(handler), name
        assert function["Metadata"] == {"BuildMethod": "makefile"}
    assert template()["Globals"]["Function"]["Runtime"] == "python3.11"


def test_sam_build_finds_a_make_target_for_every_function() -> None:
    """`BuildMethod: makefile` runs `make build-<LogicalId>` in the code's folder (CodeUri)."""
    code = (TEMPLATE.parent / template()["Globals"]["Function"]["CodeUri"]).resolve()
    makefile = (code / "Makefile").read_text()
    targets = set(re.findall(r"^([\w .-]+):", makefile, flags=re.MULTILINE))
    named = {target for line in targets for target in line.split()}
    assert {f"build-{function}" for function in FUNCTIONS} <= named
    assert "$(ARTIFACTS_DIR)" in makefile


def test_the_portal_has_the_only_function_url() -> None:
    functions = resources("AWS::Serverless::Function")
    with_url = [
        name for name, body in functions.items() if "FunctionUrlConfig" in body["Properties"]
    ]
    assert with_url == ["PortalFunction"]
    assert properties("PortalFunction")["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert resources("AWS::Lambda::Url") == {}
    assert resources("AWS::Serverless::Api") == resources("AWS::Serverless::HttpApi") == {}
    assert all(
        event["Type"] == "Schedule"
        for body in functions.values()
        for event in body["Properties"].get("Events", {}).values()
    )


def test_the_engine_runs_in_production_behind_the_portal() -> None:
    for function in DATA_FUNCTIONS:
        variables = environment(function)
        assert variables["DATAOPS_ENV"] == "production"
        assert variables["DATAOPS_AUTH_MODE"] == "portal"
        assert variables["DATAOPS_STORE"] == "dynamodb://"
        assert variables["WORK_ENGINE_PORTAL_SECRET_NAME"] == {"Ref": "PortalSecret"}
        assert int(variables["DATAOPS_MAX_UPLOAD_BYTES"]) <= aws.MAX_REQUEST_BODY
    assert environment("PortalFunction")["WORK_ENGINE_PORTAL_SECRET_NAME"] == {
        "Ref": "PortalSecret"
    }
    assert environment("PortalFunction")["DATAOPS_ENGINE_FUNCTION"] == {"Ref": "EngineFunction"}
    secret = properties("PortalSecret")["GenerateSecretString"]
    assert secret["PasswordLength"] >= 2 * config.MIN_PORTAL_SECRET_BYTES


def variables_read_by(function_name: str) -> set[str]:
    """The environment variables a function of config.py reads (names written literally)."""
    tree = ast.parse((ROOT / "src" / "dataops" / "config.py").read_text())
    [function] = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == function_name
    ]
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            for argument in node.args:
                if (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", argument.value)
                ):
                    names.add(argument.value)
    return names


def test_every_variable_the_code_reads_is_set_on_the_function_that_reads_it() -> None:
    engine_reads = variables_read_by("_read_settings") | {table.env_var for table in all_tables()}
    portal_reads = variables_read_by("_read_portal_settings")
    assert {"DATAOPS_STORE", "DATAOPS_BLOBS", "EXPORT_OUTPUT_DIR"} <= engine_reads
    assert {"DATAOPS_ENGINE_FUNCTION", "WORK_ENGINE_PORTAL_SECRET_NAME"} <= portal_reads
    exempt = set(NOT_ON_LAMBDA) | SET_BY_LAMBDA
    for function in DATA_FUNCTIONS:
        assert set(environment(function)) == engine_reads - exempt - PORTAL_ONLY, function
    assert set(environment("PortalFunction")) == portal_reads - exempt
    for function in FUNCTIONS:
        assert not exempt & set(environment(function)), function


# --- permissions ---------------------------------------------------------------------------------


def dynamodb_actions_of_the_code() -> set[str]:
    """The DynamoDB requests the store sends (as IAM names them), table changes left out."""
    import botocore.session
    from botocore import xform_name

    sources = "\n".join(path.read_text() for path in STORE_SOURCES)
    model = botocore.session.get_session().get_service_model("dynamodb")
    sent = {
        operation
        for operation in model.operation_names
        if re.search(rf'[".]{xform_name(operation)}["(]', sources)
    }
    if "TransactWriteItems" in sent:
        sent.remove("TransactWriteItems")
        sent |= {action for item, action in TRANSACTION_ITEMS.items() if f'"{item}"' in sources}
    return sent - TABLE_CHANGES


def statements(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = policy["Statement"]
    return found


def data_policy() -> dict[str, dict[str, Any]]:
    document = properties("EngineDataPolicy")["PolicyDocument"]
    return {statement["Sid"]: statement for statement in statements(document)}


def test_the_engine_may_send_exactly_the_dynamodb_requests_of_its_store() -> None:
    records = data_policy()["Records"]
    actions = {action.removeprefix("dynamodb:") for action in records["Action"]}
    assert actions == dynamodb_actions_of_the_code()
    assert {"GetItem", "Query", "TransactWriteItems"} - actions == {"TransactWriteItems"}
    expected = []
    for physical, logical in physical_tables().values():
        name = table_resource(logical[0])
        expected.append({"Fn::GetAtt": [name, "Arn"]})
        if physical.gsis:
            expected.append({"Fn::Sub": f"${{{name}.Arn}}/index/*"})
    assert sorted(map(json.dumps, records["Resource"])) == sorted(map(json.dumps, expected))


def test_the_engine_may_touch_objects_only_under_its_prefixes() -> None:
    policy = data_policy()
    binaries = policy["Binaries"]
    assert binaries["Resource"] == {
        "Fn::Sub": f"${{ArtifactsBucket.Arn}}/{engine_blobs_prefix()}/*"
    }
    assert set(binaries["Action"]) == {
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:DeleteObjectTagging",
        "s3:AbortMultipartUpload",
    }
    exports = policy["Exports"]
    assert exports["Resource"] == {"Fn::Sub": f"${{ArtifactsBucket.Arn}}/{exports_prefix()}/*"}
    assert "s3:DeleteObject" not in exports["Action"]
    assert policy["MissingObjectsAre404"]["Action"] == "s3:ListBucket"
    assert set(policy) == {"Records", "Binaries", "Exports", "MissingObjectsAre404"}
    assert all(statement["Effect"] == "Allow" for statement in policy.values())


def inline_statements(function: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in properties(function)["Policies"]
        if isinstance(policy, dict) and "Statement" in policy
        for statement in statements(policy)
    ]


def test_only_the_portal_invokes_the_engine_and_only_the_functions_that_need_it_read_the_secret() -> (
    None
):
    portal = inline_statements("PortalFunction")
    assert sorted((s["Action"], json.dumps(s["Resource"])) for s in portal) == sorted(
        [
            ("lambda:InvokeFunction", json.dumps({"Fn::GetAtt": ["EngineFunction", "Arn"]})),
            ("secretsmanager:GetSecretValue", json.dumps({"Ref": "PortalSecret"})),
        ]
    )
    assert {"Ref": "EngineDataPolicy"} not in properties("PortalFunction")["Policies"]
    assert [(s["Action"], s["Resource"]) for s in inline_statements("EngineFunction")] == [
        ("secretsmanager:GetSecretValue", {"Ref": "PortalSecret"})
    ]
    assert inline_statements("SchedulerFunction") == []
    for function in DATA_FUNCTIONS:
        assert {"Ref": "EngineDataPolicy"} in properties(function)["Policies"]
    everything = json.dumps(template()["Resources"])
    assert "lambda:InvokeFunction" in everything
    assert everything.count("lambda:InvokeFunction") == 1
    assert '"Action": "*"' not in everything and '"dynamodb:*"' not in everything


# --- schedules, logs, alarms ---------------------------------------------------------------------


def test_the_schedules_run_each_scheduled_job_with_a_dead_letter_queue() -> None:
    scheduler = properties("SchedulerFunction")
    events = scheduler["Events"]
    jobs = [json.loads(event["Properties"]["Input"])["job"] for event in events.values()]
    assert sorted(jobs) == sorted(aws.SCHEDULED_JOBS)
    queue = {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    for event in events.values():
        assert event["Properties"]["DeadLetterConfig"] == {"Arn": queue}
    assert scheduler["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": queue}
    assert scheduler["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert scheduler["Timeout"] == 900


def test_every_function_logs_into_a_group_with_a_retention() -> None:
    for function in FUNCTIONS:
        group = properties(function)["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources()[group]["Type"] == "AWS::Logs::LogGroup"
        assert properties(group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def alarms() -> list[dict[str, Any]]:
    return [body["Properties"] for body in resources("AWS::CloudWatch::Alarm").values()]


def test_alarms_watch_function_errors_and_throttles_table_throttling_and_failed_runs() -> None:
    watched = {(alarm.get("MetricName"), json.dumps(alarm.get("Dimensions"))) for alarm in alarms()}
    for function in FUNCTIONS:
        dimensions = json.dumps([{"Name": "FunctionName", "Value": {"Ref": function}}])
        assert ("Errors", dimensions) in watched
        assert ("Throttles", dimensions) in watched
    for name in resources("AWS::DynamoDB::Table"):
        table = [{"Name": "TableName", "Value": {"Ref": name}}]
        metrics = next(
            {
                query["MetricStat"]["Metric"]["MetricName"]
                for query in alarm["Metrics"]
                if "MetricStat" in query
            }
            for alarm in alarms()
            if any(
                query.get("MetricStat", {}).get("Metric", {}).get("Dimensions") == table
                for query in alarm.get("Metrics", [])
            )
        )
        assert metrics == {"ReadThrottleEvents", "WriteThrottleEvents"}, name
    assert any(alarm.get("Namespace") == "AWS/SQS" for alarm in alarms())
    assert all(alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] for alarm in alarms())


# --- the template as a whole ---------------------------------------------------------------------


def test_cfn_lint_finds_nothing() -> None:
    linted = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize(
    ("handler", "absent"),
    [
        (
            "portal",
            (
                "fastapi",
                "dataops.engine",
                "dataops.store.sqlite",
                "dataops.store.dynamodb",
                "dataops.api",
                "boto3",
            ),
        ),
        ("module", ("fastapi", "starlette", "dataops.engine", "dataops.portal", "boto3")),
    ],
)
def test_a_cold_start_imports_only_what_its_handler_needs(
    handler: str, absent: tuple[str, ...]
) -> None:
    """The portal's cold start loads no engine, store backend, API or AWS SDK (boto3 comes with
    the first invoke); importing the module alone loads nothing of the application."""
    script = (
        "import sys\n"
        "from dataops import aws\n"
        + (
            "aws._open_portal({'requestContext': {'domainName': 'x.lambda-url.eu-west-1.on.aws'}})\n"
            if handler == "portal"
            else ""
        )
        + f"print([m for m in sys.modules if m.startswith({absent!r})])\n"
    )
    env = {
        "PATH": "",
        "WORK_ENGINE_PORTAL_SECRET": "s" * 64,
        "DATAOPS_ENGINE_FUNCTION": "dataops-engine",
    }
    ran = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"
