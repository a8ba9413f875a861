"""The portal secret kept in AWS Secrets Manager (`WORK_ENGINE_PORTAL_SECRET_NAME`), read once at
start-up by the engine and by a portal served apart; boto3 is imported only here, on use."""

from __future__ import annotations

from dataops.config import check_portal_secret


def read_portal_secret(name: str, region: str = "") -> str:
    """The secret's value, refused (ConfigError, one line) when it is shorter than the portal
    secret must be."""
    import boto3

    client = boto3.client("secretsmanager", region_name=region or None)
    try:
        secret: str = client.get_secret_value(SecretId=name)["SecretString"]
    finally:
        client.close()
    return check_portal_secret(secret, f"the secret {name} (WORK_ENGINE_PORTAL_SECRET_NAME)")
