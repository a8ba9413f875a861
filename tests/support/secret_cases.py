"""The cases of the secret detector that both sides are tested with: the API refuses each on a
write (tests/api/test_one_rule_set.py) and the validator reports each written straight into an
export (tests/portable/test_validate_rules.py). One list, so the two sides cannot drift."""

from __future__ import annotations

PRESIGNED = (
    "https://media.s3.amazonaws.com/ep1.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=abc123"
)
SIGNED = "storageUri must be stable and must not be a signed URL or tokenized URL"
CREDENTIALS = (
    "storageUri must not carry credentials (a user name or password, or a key in its parameters)"
)
WHITESPACE = "storageUri must not contain spaces or control characters"

# Storage URIs the API refuses, with its message.
REFUSED_URIS: tuple[tuple[str, str], ...] = (
    ("https://x]@bucket.s3.amazonaws.com/k?X-Amz-Signature=abc", SIGNED),
    ("https://app.example.com/#/cb?access_token=abc", SIGNED),
    ("https://dl.dropboxusercontent.com./s/abc/ep1.wav", SIGNED),
    (PRESIGNED, SIGNED),
    ("https://admin:hunter2@files.example.com/r.pdf", CREDENTIALS),
    *(
        (f"https://files.example.com/r.pdf?{name}=1", CREDENTIALS)
        for name in ("api_key", "apikey", "key", "password", "client_secret")
    ),
    *((f"https://files.example.com/r{char}x.pdf", WHITESPACE) for char in ("\x00", "\n", " ")),
)

# Free-text values the API refuses in any free-text field.
REFUSED_TEXT: tuple[str, ...] = (
    f"Recording: {PRESIGNED}",
    "Use ?X-Amz-Signature=abc123 from the console",
    "see https://app.example.com/#/cb?access_token=abc",
    "key AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2" * 9,
    "xoxb-1234567890-abcdefghij",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE",
)

# Prose and keys that only look secret: both sides accept them.
ACCEPTED_TEXT: tuple[str, ...] = (
    "Token budget for episode 42",
    "Fix the token=abc bug",
    "Design sign-off notes",
    "API key rotation checklist",
    "notes sig=1.txt",
)
ACCEPTED_KEYS: tuple[str, ...] = ("tokenCount", "keyFindings", "idempotencyKey", "promptTokens")
ACCEPTED_URIS: tuple[str, ...] = ("https://lu.ma/abc?utm_source=newsletter",)
