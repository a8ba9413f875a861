"""Configuration is validated once; a bad value stops start-up with one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dataops.config import AuthMode, ConfigError, Environment, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.env is Environment.LOCAL
    assert settings.auth_mode is AuthMode.SESSION
    assert settings.store.kind == "sqlite" and settings.store.path == "var/dataops.db"
    assert settings.blobs.kind == "local-dev" and settings.blobs.path == "var/blobs"
    assert settings.max_upload_bytes == 104857600
    assert settings.session_ttl_seconds == 2592000
    assert settings.table_names["bundles"] == "Projects"
    assert settings.table_names["audit_events"] == "AuditEvents"
    assert settings.timezone.key == "UTC"


def test_the_team_time_zone_is_an_iana_name() -> None:
    assert Settings.from_env({"DATAOPS_TIMEZONE": " Europe/Berlin "}).timezone.key == (
        "Europe/Berlin"
    )
    assert Settings.from_env({"DATAOPS_TIMEZONE": ""}).timezone.key == "UTC"


def test_paths_and_table_names() -> None:
    settings = Settings.from_env(
        {
            "DATAOPS_STORE": "sqlite:////srv/dataops.db",
            "DATAOPS_BLOBS": "s3://bucket/some/prefix/",
            "DATAOPS_TASKS_TABLE": "stack-tasks",
        }
    )
    assert settings.store.path == "/srv/dataops.db"
    assert (settings.blobs.kind, settings.blobs.bucket, settings.blobs.prefix) == (
        "s3",
        "bucket",
        "some/prefix",
    )
    assert settings.table_names["tasks"] == "stack-tasks"
    assert settings.table_names["recurring_configs"] == "stack-tasks"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATAOPS_AUTH_MODE": "none"},
            "DATAOPS_AUTH_MODE=none is allowed only with DATAOPS_ENV=test",
        ),
        (
            {"DATAOPS_ENV": "staging"},
            "DATAOPS_ENV='staging' is not one of: local, test, production",
        ),
        (
            {"DATAOPS_AUTH_MODE": "portal"},
            "DATAOPS_AUTH_MODE=portal needs WORK_ENGINE_PORTAL_SECRET",
        ),
        (
            {"DATAOPS_STORE": "postgres://x"},
            "DATAOPS_STORE='postgres://x' must be sqlite:///<path>",
        ),
        ({"DATAOPS_BLOBS": "/tmp/x"}, "DATAOPS_BLOBS='/tmp/x' must be local-dev:///<dir>"),
        ({"DATAOPS_BLOBS": "s3://"}, "needs a bucket name"),
        ({"DATAOPS_MAX_UPLOAD_BYTES": "-5"}, "DATAOPS_MAX_UPLOAD_BYTES='-5' must be a positive"),
        ({"DATAOPS_MAX_UPLOAD_BYTES": "²"}, "DATAOPS_MAX_UPLOAD_BYTES='²' must be a positive"),
        (
            {"DATAOPS_MAX_UPLOAD_BYTES": "１０"},
            "DATAOPS_MAX_UPLOAD_BYTES='１０' must be a positive",
        ),
        ({"DATAOPS_SESSION_TTL_SECONDS": "9" * 5000}, "DATAOPS_SESSION_TTL_SECONDS='99999"),
        ({"DATAOPS_SESSION_TTL_SECONDS": "soon"}, "DATAOPS_SESSION_TTL_SECONDS='soon' must be"),
        ({"DATAOPS_AUTO_CREATE_TABLES": "maybe"}, "must be true or false"),
        *(
            (
                {"DATAOPS_TIMEZONE": zone},
                f"DATAOPS_TIMEZONE={zone!r} is not an IANA time zone name, e.g. UTC, "
                "Europe/Berlin or America/New_York",
            )
            for zone in ("Mars/Olympus", "CEST+2", "/etc/localtime", "../zoneinfo/UTC", "a\\b")
        ),
        (
            {"DATAOPS_ENV": "production", "AWS_LAMBDA_FUNCTION_NAME": "engine"},
            "DATAOPS_STORE=sqlite is refused in production on AWS Lambda",
        ),
        ({"DATAOPS_STORE": "dynamodb://"}, "DATAOPS_STORE=dynamodb:// needs AWS_REGION"),
        (
            {"DATAOPS_STORE": "dynamodb://my-tables", "AWS_REGION": "eu-west-1"},
            "DATAOPS_STORE='dynamodb://my-tables': write dynamodb:// (table names come from",
        ),
    ],
)
def test_bad_values_are_refused_with_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_none_mode_is_allowed_in_tests() -> None:
    assert (
        Settings.from_env({"DATAOPS_ENV": "test", "DATAOPS_AUTH_MODE": "none"}).auth_mode
        is AuthMode.NONE
    )


def test_local_storage_is_allowed_only_in_local_and_test() -> None:
    assert Settings.from_env({"DATAOPS_ENV": "local"}).local_storage_allowed
    assert Settings.from_env({"DATAOPS_ENV": "test"}).local_storage_allowed
    assert not Settings.from_env({"DATAOPS_ENV": "production"}).local_storage_allowed


def test_the_cli_stops_with_one_line_and_a_nonzero_exit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dataops", "users", "list"],
        env={"DATAOPS_AUTH_MODE": "none", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dataops: configuration error: DATAOPS_AUTH_MODE=none is allowed only with DATAOPS_ENV=test"
    )


def test_dynamodb_is_a_store_with_its_endpoint_and_table_names_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATAOPS_STORE": "dynamodb://",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "DYNAMODB_ENDPOINT": "http://127.0.0.1:8001",
            "DATAOPS_ARTIFACTS_TABLE": "stack-artifacts",
            "DATAOPS_TRANSACTIONS_TABLE": "stack-transactions",
        }
    )
    assert settings.store.kind == "dynamodb"
    assert settings.region == "eu-west-1"
    assert settings.dynamodb_endpoint == "http://127.0.0.1:8001"
    assert settings.table_names["artifacts"] == "stack-artifacts"
    assert settings.table_names["transactions"] == "stack-transactions"
    assert settings.table_names["notifications"] == "Notifications"
    standard = Settings.from_env(
        {
            "DATAOPS_STORE": "dynamodb://",
            "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8002",
            "DYNAMODB_ENDPOINT": "http://127.0.0.1:8001",
        }
    )
    assert standard.dynamodb_endpoint == "http://127.0.0.1:8002"


def test_tables_are_created_only_locally_in_tests_or_when_asked() -> None:
    dynamodb = {"DATAOPS_STORE": "dynamodb://", "AWS_REGION": "eu-west-1"}
    assert Settings.from_env({**dynamodb, "DATAOPS_ENV": "local"}).may_create_tables
    assert Settings.from_env({**dynamodb, "DATAOPS_ENV": "test"}).may_create_tables
    assert not Settings.from_env({**dynamodb, "DATAOPS_ENV": "production"}).may_create_tables
    assert Settings.from_env(
        {**dynamodb, "DATAOPS_ENV": "production", "DATAOPS_AUTO_CREATE_TABLES": "true"}
    ).may_create_tables


# --- identity settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["s", "x" * 31, "é" * 15])
def test_a_short_portal_secret_stops_start_up(secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"DATAOPS_AUTH_MODE": "portal", "WORK_ENGINE_PORTAL_SECRET": secret})
    assert str(caught.value) == (
        "WORK_ENGINE_PORTAL_SECRET must be at least 32 bytes (e.g. the output of: openssl rand "
        "-hex 32)"
    )


def test_a_portal_secret_of_32_bytes_starts() -> None:
    env = {"DATAOPS_AUTH_MODE": "portal", "WORK_ENGINE_PORTAL_SECRET": "é" * 16}
    assert Settings.from_env(env).portal_secret == "é" * 16


def test_a_short_secret_from_secrets_manager_stops_start_up(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from dataops.bootstrap import engine_app
    from tests.support.moto_server import s3_variables

    for name, value in s3_variables(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    name = f"portal-secret-{id(client)}"
    client.create_secret(Name=name, SecretString="too short")
    settings = Settings.from_env(
        {
            "DATAOPS_ENV": "test",
            "DATAOPS_STORE": "sqlite:///:memory:",
            "DATAOPS_AUTH_MODE": "portal",
            "WORK_ENGINE_PORTAL_SECRET_NAME": name,
        }
    )
    with pytest.raises(ConfigError) as caught:
        engine_app(settings)
    assert str(caught.value) == (
        f"the secret {name} (WORK_ENGINE_PORTAL_SECRET_NAME) must be at least 32 bytes (e.g. the "
        "output of: openssl rand -hex 32)"
    )
    client.put_secret_value(SecretId=name, SecretString="a" * 32)
    assert engine_app(settings).title == "DataOps work engine"


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings.from_env({"DATAOPS_TRUSTED_PROXIES": " 10.0.0.1, 10.1.0.0/16,, ::1 "})
    assert [str(network) for network in settings.trusted_proxies] == [
        "10.0.0.1/32",
        "10.1.0.0/16",
        "::1/128",
    ]
    assert Settings.from_env({}).trusted_proxies == ()
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"DATAOPS_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"})
    assert str(caught.value) == (
        "DATAOPS_TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network"
    )


def test_the_review_policy_is_open_unless_set_and_open_without_actors() -> None:
    from dataops.bootstrap import policy_for
    from dataops.model.actors import ReviewPolicy

    assert Settings.from_env({}).review_policy is ReviewPolicy.OPEN
    separate = Settings.from_env({"DATAOPS_REVIEW_POLICY": "separate"})
    assert policy_for(separate).review_policy is ReviewPolicy.SEPARATE
    # Test mode `none` knows no actor for sure: nobody can be told apart, the policy is open.
    untrusted = Settings.from_env(
        {"DATAOPS_ENV": "test", "DATAOPS_AUTH_MODE": "none", "DATAOPS_REVIEW_POLICY": "separate"}
    )
    assert policy_for(untrusted).review_policy is ReviewPolicy.OPEN
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATAOPS_REVIEW_POLICY": "strict"})
    assert str(refused.value) == "DATAOPS_REVIEW_POLICY='strict' is not one of: open, separate"


def test_make_run_uses_the_separate_review_policy() -> None:
    from pathlib import Path

    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    assert "run: export DATAOPS_REVIEW_POLICY ?= separate" in makefile
