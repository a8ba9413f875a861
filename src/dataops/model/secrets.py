"""The one detector of what the metadata store never holds: signed or temporary URLs,
credentials carried by a URL, secret-shaped values (access key ids, API tokens, JWTs, private
keys) and secret-like field names.

The API refuses these on every write and the export validator reports them, both by calling
the functions here (docs/storage-policy.md lists what is refused and what passes). Ordinary
prose passes: "Fix the token=abc bug" and "API key rotation checklist" are text, not secrets;
only a URL's own parameters, unmistakable cloud signing parameters and secret-shaped values
count.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

# Query or fragment parameter names (lower case, `-` as `_`) that make a URL signed or
# tokenized: it grants access by itself, or stops working.
SIGNING_PARAMS = frozenset(
    {
        "x_amz_signature",
        "x_amz_credential",
        "x_amz_security_token",
        "x_goog_signature",
        "x_goog_credential",
        "signature",
        "sig",
        "token",
        "access_token",
        "id_token",
        "refresh_token",
        "auth_token",
    }
)
# Parameter names that carry a credential of their own.
CREDENTIAL_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "key",
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "private_token",
        "access_key",
        "secret_key",
    }
)
# Hosts that serve short-lived download links (a trailing dot names the same host).
TEMPORARY_HOSTS = frozenset({"dl.dropboxusercontent.com"})
TEMPORARY_HOST_SUFFIXES = (".googleusercontent.com",)


class UriProblem(Enum):
    """Why a URI may not be stored."""

    WHITESPACE = "whitespace"  # spaces or control characters: not one URI, or a disguised one
    SIGNED = "signed"  # signed, tokenized or temporary
    CREDENTIALS = "credentials"  # user:password@, or a key or password in its parameters


# --- URLs -----------------------------------------------------------------------------------

# Unicode whitespace (NUL, newlines and spaces included) and every other control character.
_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
# Everything after `scheme://` up to the path, query or fragment (browsers read `\` as `/`).
_AUTHORITY = re.compile(r"[^/?#\\]*")
# A parameter name: the text before `=`, after the start or a separator.
_PARAM_NAME = re.compile(r"(?:^|[?&;#/])([^?&;#/=]+)=")


def _normal_param(name: str) -> str:
    return unquote_plus(name).strip().lower().replace("-", "_")


def _host(authority: str) -> str:
    host = authority.rpartition("@")[2]
    # An IPv6 literal keeps its colons; otherwise a port follows the first one.
    host = host.partition("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]
    return unquote(host).lower().rstrip(".")


def _url_problem(url: str, *, any_userinfo: bool, depth: int = 0) -> UriProblem | None:
    """The problem of one URL (no whitespace inside), scheme optional. `any_userinfo`: a user
    name alone counts as a credential (URI fields); in prose only `user:password@` does."""
    _, separator, rest = url.partition("://")
    if not separator:
        rest = url
    authority = _AUTHORITY.match(rest)
    assert authority is not None
    authority_text = authority.group()
    after = rest[len(authority_text) :]
    host = _host(authority_text)
    if host in TEMPORARY_HOSTS or host.endswith(TEMPORARY_HOST_SUFFIXES):
        return UriProblem.SIGNED
    before_fragment, _, fragment = after.partition("#")
    query = before_fragment.partition("?")[2]
    names = {_normal_param(name) for name in _PARAM_NAME.findall("?" + query)}
    names |= {_normal_param(name) for name in _PARAM_NAME.findall("#" + fragment)}
    # Azure SAS: an expiry together with permissions or a service version.
    if names & SIGNING_PARAMS or ("se" in names and names & {"sp", "sv"}):
        return UriProblem.SIGNED
    userinfo = authority_text.rpartition("@")[0] if "@" in authority_text else None
    if userinfo is not None and (any_userinfo or ":" in userinfo):
        return UriProblem.CREDENTIALS
    if names & CREDENTIAL_PARAMS:
        return UriProblem.CREDENTIALS
    # A URL nested in a parameter (`?next=https%3A%2F%2F...%3FX-Amz-Signature%3D...`).
    if "%" in after and depth < 2:
        for nested in _urls_in(unquote(after)):
            found = _url_problem(nested, any_userinfo=False, depth=depth + 1)
            if found is not None:
                return found
    return None


def uri_problem(uri: str) -> UriProblem | None:
    """Why `uri` (a storage URI or a link) may not be stored, or None when it may."""
    if _WHITESPACE.search(uri):
        return UriProblem.WHITESPACE
    if not _url_clue(uri):
        return None  # no query, fragment, user, encoding or temporary host: nothing to find
    return _url_problem(uri, any_userinfo=True)


def is_signed_or_temporary(uri: str) -> bool:
    return uri_problem(uri) is not None


# --- free text --------------------------------------------------------------------------------

# URLs in prose: with a scheme, or a host name followed by a path, query or fragment.
_URL_IN_TEXT = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]+"
    r"|(?:(?<![^\s<>\"'`(\[])(?!mailto:)[^\s/@:<>\"'`]+:[^\s/@<>\"'`]*@)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?(?::[0-9]+)?"
    r"[/?#][^\s<>\"'`]*"
)
# Cloud signing parameters are unmistakable even without their URL.
_CLOUD_SIGNING = re.compile(
    r"x[-_]amz[-_](?:signature|credential|security[-_]token)\s*=|x[-_]goog[-_](?:signature|credential)\s*=",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")
_SECRET_SHAPES = re.compile(
    "|".join(
        (
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",  # AWS access key ids
            r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub tokens
            r"\bgithub_pat_[A-Za-z0-9_]{22,}",
            r"\bglpat-[A-Za-z0-9_-]{20,}",  # GitLab
            r"\bxox[abposre]-[A-Za-z0-9-]{10,}",  # Slack
            r"\b[sr]k_live_[0-9A-Za-z]{16,}",  # Stripe
            r"\bAIza[0-9A-Za-z_-]{35}",  # Google API keys
            r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}",  # OpenAI, Anthropic
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",  # JWTs
            r"\b[Bb]earer\s+(?=[A-Za-z0-9._~+/-]*[0-9])[A-Za-z0-9._~+/-]{20,}",
        )
    )
)


def _urls_in(text: str) -> list[str]:
    return [match.group() for match in _URL_IN_TEXT.finditer(text)]


# What findings need, tested before any regular expression runs (most text has none of it): a
# URL problem needs a query, fragment, user, percent-encoding or a temporary download host; every
# secret shape is at least 15 characters long and holds one of A, _, -, J or "earer".
_URL_CLUES = re.compile(r"[?#=@%]")


def _url_clue(text: str) -> bool:
    return _URL_CLUES.search(text) is not None or ("/" in text and "usercontent" in text.lower())


_SHAPE_WORDS = (
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIza",
    "gho_",
    "ghp_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "_live_",
    "sk-",
    "eyJ",
    "earer",
    "-----BEGIN",
)


def _shape_clue(text: str) -> bool:
    # A first look at single characters lets most text go before the words are looked for.
    return (
        len(text) >= 15
        and ("A" in text or "_" in text or "-" in text or "J" in text or "earer" in text)
        and any(word in text for word in _SHAPE_WORDS)
    )


def holds_secret(text: str) -> bool:
    """Free text (a title, a note, a metadata value) that holds a signed or credential-bearing
    URL, a cloud signing parameter, a private key or a secret-shaped token."""
    if len(text) <= _REMEMBERED_LENGTH:
        return _remembered(text)
    return _judged(text)


# Short values (tags, names, labels) come back record after record in an export: their verdicts
# are remembered. Longer text is judged each time, so no client can park it in memory.
_REMEMBERED_LENGTH = 200


@lru_cache(maxsize=65_536)
def _remembered(text: str) -> bool:
    return _judged(text)


def _judged(text: str) -> bool:
    url, shape = _url_clue(text), _shape_clue(text)
    if not (url or shape):
        return False
    return _holds_secret(text, url, shape)


def _holds_secret(text: str, url: bool = True, shape: bool = True) -> bool:
    if shape and (_PRIVATE_KEY.search(text) or _SECRET_SHAPES.search(text)):
        return True
    if url and _CLOUD_SIGNING.search(text):
        return True
    return url and any(
        _url_problem(found, any_userinfo=False) is not None for found in _urls_in(text)
    )


# --- field names ------------------------------------------------------------------------------

_SECRET_WORDS = frozenset(
    {
        "secret",
        "secrets",
        "token",
        "password",
        "passwords",
        "passwd",
        "credential",
        "credentials",
        "cookie",
        "cookies",
        "authorization",
        "signature",
        "passphrase",
    }
)
_KEY_QUALIFIERS = frozenset({"api", "private", "secret", "access", "signing"})


def key_words(key: str) -> list[str]:
    """`accessToken` -> [access, token]; `api_key`, `client-secret`, `X-API-KEY` alike."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [word.lower() for word in re.split(r"[\s_\-.]+", spaced) if word]


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """A field name for a secret, judged by its last word: `accessToken`, `api_key` and
    `client-secret` are; `tokenCount`, `keyFindings` and `idempotencyKey` are not."""
    words = key_words(key)
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    if last in ("key", "keys") and len(words) >= 2:
        return words[-2] in _KEY_QUALIFIERS
    if last in ("url", "urls") and len(words) >= 2 and words[-2] == "signed":
        return True
    joined = "".join(words)
    return joined in ("apikey", "signedurl", "privatekey", "accesskey", "secretkey")
