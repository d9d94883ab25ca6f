"""The OpenID Connect protocol for staff sign-in: discovery, the authorization request, the
code exchange with PKCE, and the ID token's checks (issuer, audience, expiry, nonce, signature).

Authlib's OAuth2 client does the authorization URL (with the S256 code challenge)
and the token request; joserfc (Authlib's JOSE library) verifies the ID token
against the provider's JWKS. The provider's discovery document and keys are
cached for a few minutes per issuer; a token signed with a key not in the cache
fetches the keys again once (key rotation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from surveys.services.errors import ServiceError

TIMEOUT = 10.0
CACHE_SECONDS = 300
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
#: What the sign-in page says when an ID token's claim is wrong or missing.
_CLAIM_REFUSALS = {
    "aud": "the ID token was issued to another application, not to Flipside",
    "iss": "the ID token was issued by another identity provider",
    "nonce": (
        "the ID token does not belong to this sign-in (its nonce does not match); "
        "please start signing in again"
    ),
}
_OTHER_CLAIM = "the ID token's %s claim is missing or wrong"


class OidcError(ServiceError):
    """The provider could not be reached or its answer failed a check (one sentence)."""

    status = 400


@dataclass(frozen=True)
class Started:
    """The provider URL to send the browser to, and what the callback must check."""

    url: str
    state: str
    nonce: str
    verifier: str


def fetch_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        found = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(f"the identity provider could not be reached ({url})") from exc
    if not isinstance(found, dict):
        raise OidcError(f"the identity provider answered something unexpected ({url})")
    return found


def forget_providers() -> None:
    """Drop the cached discovery documents and keys (tests; a provider that changed)."""
    _cache.clear()


def _cached(key: str, url: str, refresh: bool = False) -> dict[str, Any]:
    hit = _cache.get(key)
    if hit is not None and not refresh and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    found = fetch_json(url)
    _cache[key] = (time.monotonic(), found)
    return found


def metadata(issuer: str) -> dict[str, Any]:
    """The provider's discovery document; its ``issuer`` must be the configured one."""
    found = _cached(f"meta:{issuer}", f"{issuer}/.well-known/openid-configuration")
    if found.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise OidcError("the identity provider's discovery document names another issuer")
    return found


def start(issuer: str, client_id: str, redirect_uri: str) -> Started:
    """The authorization request: code flow, PKCE S256, a fresh state and nonce."""
    meta = metadata(issuer)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(48)
    with OAuth2Session(
        client_id,
        redirect_uri=redirect_uri,
        scope="openid email profile",
        code_challenge_method="S256",
    ) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return Started(url, state, nonce, verifier)


def finish(
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    started: Started,
) -> dict[str, Any]:
    """Exchange ``code`` and return the verified identity's claims (``sub``, ``email`` ...)."""
    meta = metadata(issuer)
    # Closed when done: its pooled connection to the provider must not outlive the request.
    with OAuth2Session(
        client_id,
        client_secret,
        redirect_uri=redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
    ) as client:
        return _exchange(client, meta, client_id, code, started)


def _exchange(
    client: OAuth2Session, meta: dict[str, Any], client_id: str, code: str, started: Started
) -> dict[str, Any]:
    try:
        token = client.fetch_token(
            meta["token_endpoint"],
            code=code,
            code_verifier=started.verifier,
            timeout=TIMEOUT,
        )
    except Exception as exc:  # Authlib raises OAuthError, requests its own: both are refusals
        raise OidcError("the identity provider refused the sign-in code") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the identity provider sent no ID token")
    claims = verify_id_token(meta, client_id, id_token, started.nonce)
    email = claims.get("email")
    if not email and meta.get("userinfo_endpoint"):
        info = client.get(meta["userinfo_endpoint"], timeout=TIMEOUT)
        userinfo = info.json() if info.ok else {}
        if userinfo.get("sub") != claims["sub"]:
            raise OidcError("the identity provider's user info names someone else")
        claims = {**userinfo, **claims}
    if claims.get("email_verified") is False:
        raise OidcError("the identity provider has not verified this e-mail address")
    return claims


def verify_id_token(
    meta: dict[str, Any], client_id: str, id_token: str, nonce: str
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce check out."""
    algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    decoded = None
    for refresh in (False, True):
        jwks = _cached(f"jwks:{meta['jwks_uri']}", meta["jwks_uri"], refresh)
        keys = KeySet.import_key_set(cast(Any, jwks))
        try:
            decoded = jwt.decode(id_token, keys, algorithms=algorithms)
            break
        except JoseError as exc:
            if refresh:
                raise OidcError("the ID token's signature does not verify") from exc
        except ValueError as exc:
            raise OidcError("the ID token is malformed") from exc
    assert decoded is not None
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(decoded.claims)
    except ExpiredTokenError as exc:
        raise OidcError(
            "the ID token has expired (is the identity provider's clock right?); "
            "please start signing in again"
        ) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        raise OidcError(_CLAIM_REFUSALS.get(exc.claim, _OTHER_CLAIM % exc.claim)) from exc
    except JoseError as exc:
        raise OidcError(f"the ID token failed a check ({exc.error})") from exc
    claims = dict(decoded.claims)
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise OidcError("the ID token was issued to another client")
    return claims
