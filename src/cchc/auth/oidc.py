"""Sign-on through OpenID Connect: citizens through the national sign-on (VNeID through Cổng DVCQG, Nghị định
69/2024), officers through the province's provider. Authorization code flow with PKCE (S256), state and nonce;
the ID token's signature is checked against the provider's published keys (JWKS), with its issuer, audience,
times and nonce — the Authlib stack (Authlib's OAuth 2 client over httpx, joserfc for the token).

- A citizen's account is matched by số định danh cá nhân (the claim named by the settings) and created at the
  first login; the verified name, ID number and date of birth come from the claims at every login and are locked
  against editing (User.identity_provider). A login through the national sign-on is what makes a dossier
  "xác thực VNeID" (cchc.auth.deps.login_method).
- An officer's account must exist (administrators create them); it is matched by username, the claim named by
  the settings, and is never created here.
- Logout ends cchc's session, then the provider's (end_session_endpoint with id_token_hint) when it has one.

The provider's discovery document and keys are kept per process for an hour; an unknown key id fetches the keys
again once (a provider that rotates its keys).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, config
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import CchcError, NotFound, PermissionDenied, ValidationError

KINDS = {"citizen": "VNeID (Cổng Dịch vụ công quốc gia)", "officer": "tài khoản công vụ của tỉnh"}
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 120  # clocks of two servers differ a little
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
FLOW_KEY = "oidc"  # where the request's signed session keeps the flow's state, nonce and code verifier


class SignOnRefused(CchcError):
    """The provider's answer does not prove who is logging in; the message says what is wrong."""

    http_status = 400


@dataclass(frozen=True)
class Identity:
    """Who the provider says logged in, from a validated ID token (and the userinfo endpoint)."""

    kind: str
    subject: str
    claims: dict[str, Any]
    id_token: str


def provider(kind: str) -> config.OidcProvider:
    p = config.settings.oidc.get(kind)
    if p is None:
        raise NotFound(f"Chưa cấu hình đăng nhập bằng {KINDS.get(kind, kind)} (biến môi trường CCHC_OIDC_{kind.upper()}_…).")
    return p


SLUGS = {"citizen": "vneid", "officer": "cong-vu"}  # the address of each kind's login: /dang-nhap/<slug>


def enabled() -> list[tuple[str, str]]:
    """(address slug, words of the login button) of the sign-on providers configured, citizens' first."""
    return [(SLUGS[kind], KINDS[kind]) for kind in KINDS if kind in config.settings.oidc]


# ---- the provider's documents, kept per process ---------------------------------------------------------------
_cache: dict[tuple[str, str], tuple[float, Any]] = {}
_lock = threading.Lock()


def _http():
    import httpx

    return httpx.Client(timeout=15, follow_redirects=False)


def _get_json(url: str, what: str) -> Any:
    import httpx

    try:
        with _http() as client:
            answer = client.get(url, headers={"Accept": "application/json"})
        answer.raise_for_status()
        return answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignOnRefused(f"Không đọc được {what} của nhà cung cấp đăng nhập ({url}): {exc.__class__.__name__}.") from None


def _cached(key: tuple[str, str], load, *, fresh: bool = False):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and not fresh and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


def metadata(p: config.OidcProvider) -> dict[str, Any]:
    def load():
        doc = _get_json(p.issuer.rstrip("/") + "/.well-known/openid-configuration", "tài liệu cấu hình")
        if not isinstance(doc, dict) or doc.get("issuer") != p.issuer:
            raise SignOnRefused(f"Tài liệu cấu hình của nhà cung cấp đăng nhập không mang issuer «{p.issuer}».")
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)]
        if missing:
            raise SignOnRefused(f"Tài liệu cấu hình của nhà cung cấp đăng nhập thiếu {', '.join(missing)}.")
        return doc

    return _cached(("metadata", p.issuer), load)


def _keys(p: config.OidcProvider, *, fresh: bool = False):
    from joserfc.jwk import KeySet

    def load():
        try:
            return KeySet.import_key_set(_get_json(metadata(p)["jwks_uri"], "khóa công khai (JWKS)"))
        except (ValueError, KeyError, TypeError) as exc:
            raise SignOnRefused(f"Khóa công khai (JWKS) của nhà cung cấp đăng nhập không đọc được: {exc}.") from None

    return _cached(("jwks", p.issuer), load, fresh=fresh)


def forget_documents() -> None:
    """Drop the kept discovery documents and keys (a provider reconfigured; the tests)."""
    with _lock:
        _cache.clear()


# ---- the flow ---------------------------------------------------------------------------------------------------
def _client(p: config.OidcProvider, redirect_uri: str):
    from authlib.integrations.httpx_client import OAuth2Client

    methods = metadata(p).get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Client(client_id=p.client_id, client_secret=p.client_secret, scope=p.scope, redirect_uri=redirect_uri,
                        code_challenge_method="S256", token_endpoint_auth_method=auth_method, timeout=15)


def begin(kind: str, redirect_uri: str, flow: dict, next_page: str = "") -> str:
    """The provider's authorization URL; the state, nonce and code verifier go into `flow` (the signed session)."""
    p = provider(kind)
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    extra = {"nonce": nonce}
    if p.acr_values:
        extra["acr_values"] = p.acr_values
    with _client(p, redirect_uri) as client:
        url, _state = client.create_authorization_url(metadata(p)["authorization_endpoint"], state=state,
                                                     code_verifier=verifier, **extra)
    flow.clear()
    flow.update({"kind": kind, "state": state, "nonce": nonce, "verifier": verifier, "next": next_page,
                 "started": clock.now().isoformat()})
    return url


def finish(kind: str, params: dict[str, str], flow: dict, redirect_uri: str) -> Identity:
    """Check the provider's answer against the flow begun in this browser, exchange the code, validate the ID token."""
    p = provider(kind)
    if params.get("error"):
        detail = params.get("error_description") or params["error"]
        raise SignOnRefused(f"Nhà cung cấp đăng nhập không xác thực: {detail}.")
    if not flow or flow.get("kind") != kind or not flow.get("state"):
        raise SignOnRefused("Phiên đăng nhập không bắt đầu từ trình duyệt này hoặc đã hết hạn: hãy đăng nhập lại.")
    if not secrets.compare_digest(str(params.get("state", "")), flow["state"]):
        raise SignOnRefused("Tham số state không khớp với phiên đăng nhập (có thể là yêu cầu giả mạo): hãy đăng nhập lại.")
    code = params.get("code", "")
    if not code:
        raise SignOnRefused("Nhà cung cấp đăng nhập không trả về mã xác thực (code).")
    import httpx
    from authlib.integrations.base_client.errors import OAuthError

    try:
        with _client(p, redirect_uri) as client:
            token = client.fetch_token(metadata(p)["token_endpoint"], code=code, code_verifier=flow["verifier"],
                                       grant_type="authorization_code")
    except (OAuthError, httpx.HTTPError, ValueError) as exc:
        raise SignOnRefused(f"Không đổi được mã xác thực lấy mã truy cập: {exc}.") from None
    id_token = token.get("id_token") or ""
    if not id_token:
        raise SignOnRefused("Nhà cung cấp đăng nhập không trả về ID token.")
    claims = validate_id_token(p, id_token, nonce=flow["nonce"])
    userinfo_url = metadata(p).get("userinfo_endpoint")
    if userinfo_url and token.get("access_token"):
        info = _userinfo(userinfo_url, token["access_token"])
        if info.get("sub") != claims["sub"]:
            raise SignOnRefused("Thông tin người dùng (userinfo) không cùng chủ thể với ID token.")
        claims = {**info, **claims}
    return Identity(kind=kind, subject=claims["sub"], claims=claims, id_token=id_token)


def _userinfo(url: str, access_token: str) -> dict[str, Any]:
    import httpx

    try:
        with _http() as client:
            answer = client.get(url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignOnRefused(f"Không đọc được thông tin người dùng (userinfo): {exc.__class__.__name__}.") from None
    if not isinstance(data, dict):
        raise SignOnRefused("Thông tin người dùng (userinfo) không phải một đối tượng JSON.")
    return data


def validate_id_token(p: config.OidcProvider, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's keys), issuer, audience, times and nonce hold."""
    from joserfc import jwt
    from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
    from joserfc.jws import extract_compact

    try:
        algorithm = str(extract_compact(id_token.encode()).protected.get("alg", ""))
    except (JoseError, ValueError, UnicodeError):
        raise SignOnRefused("ID token không đúng định dạng JWT.") from None
    if algorithm not in SIGNING_ALGORITHMS:
        raise SignOnRefused(f"ID token ký bằng thuật toán «{algorithm}» không được chấp nhận (chỉ chữ ký khóa công khai).")
    token = None
    for fresh in (False, True):
        try:
            token = jwt.decode(id_token, _keys(p, fresh=fresh), algorithms=list(SIGNING_ALGORITHMS))
            break
        except BadSignatureError:
            raise SignOnRefused("Chữ ký của ID token không khớp với khóa công khai của nhà cung cấp (token giả mạo).") from None
        except (JoseError, ValueError) as exc:
            if fresh or "key" not in str(exc).lower():
                raise SignOnRefused(f"ID token không hợp lệ: {exc}.") from None
    now = int(time.time())
    registry = jwt.JWTClaimsRegistry(
        now=now, leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": p.issuer}, sub={"essential": True}, aud={"essential": True, "value": p.client_id},
        exp={"essential": True}, iat={"essential": True}, nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise SignOnRefused("ID token đã hết hạn.") from None
    except MissingClaimError as exc:
        raise SignOnRefused(f"ID token thiếu trường bắt buộc: {exc.description or exc}.") from None
    except InvalidClaimError as exc:
        names = {"nonce": "nonce (không khớp với phiên đăng nhập: có thể là token phát lại)", "aud": "aud (không cấp cho hệ thống này)",
                 "iss": "iss (không do nhà cung cấp đã cấu hình phát hành)",
                 "iat": "iat (thời điểm phát hành ở tương lai)", "nbf": "nbf (chưa đến thời điểm có hiệu lực)"}
        claim = str(getattr(exc, "claim", "") or exc)
        raise SignOnRefused(f"ID token sai trường {names.get(claim, claim)}.") from None
    except JoseError as exc:
        raise SignOnRefused(f"ID token không hợp lệ: {exc}.") from None
    claims = dict(token.claims)
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != p.client_id:
        raise SignOnRefused("ID token cấp cho nhiều bên mà không chỉ định hệ thống này (azp).")
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise SignOnRefused("ID token ghi thời điểm phát hành ở tương lai.")
    return claims


def logout_url(kind: str, id_token: str, after: str) -> str | None:
    """The provider's logout address for this sign-on, or None when it offers none."""
    p = config.settings.oidc.get(kind)
    if p is None or not id_token:
        return None
    try:
        endpoint = metadata(p).get("end_session_endpoint")
    except SignOnRefused:
        return None
    if not endpoint:
        return None
    return f"{endpoint}?{urlencode({'id_token_hint': id_token, 'post_logout_redirect_uri': after, 'client_id': p.client_id})}"


# ---- accounts ---------------------------------------------------------------------------------------------------
def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return str(value).strip() if value not in (None, "") else ""


def _birth_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise SignOnRefused(f"Ngày sinh «{text}» do nhà cung cấp đăng nhập gửi không đúng định dạng YYYY-MM-DD.") from None


def account_for(session: Session, identity: Identity) -> User:
    """The cchc account of this identity: a citizen's is matched by ID number (created at the first login), an
    officer's by username (never created here). The verified claims are written onto a citizen's account."""
    p = provider(identity.kind)
    if identity.kind == "officer":
        username = _claim(identity.claims, p.username_claim)
        if not username:
            raise SignOnRefused(f"Nhà cung cấp đăng nhập không gửi tên tài khoản (trường «{p.username_claim}»).")
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.role == Role.CITIZEN.value:
            raise PermissionDenied(f"Tài khoản công vụ «{username}» chưa được cấp trong hệ thống: liên hệ quản trị viên.")
        if not user.active:
            raise PermissionDenied(f"Tài khoản «{username}» đã bị khóa.")
        user.last_login_at = clock.now()
        return user

    id_number = _claim(identity.claims, p.id_claim)
    name = _claim(identity.claims, p.name_claim)
    if not id_number.isdigit() or len(id_number) != 12:
        raise SignOnRefused(f"Số định danh cá nhân «{id_number}» (trường «{p.id_claim}») không phải 12 chữ số.")
    if not name:
        raise SignOnRefused(f"Nhà cung cấp đăng nhập không gửi họ tên (trường «{p.name_claim}»).")
    born = _birth_date(_claim(identity.claims, p.birthdate_claim))
    user = session.scalar(select(User).where(User.id_number == id_number, User.role == Role.CITIZEN.value))
    if user is None:
        taken = session.scalar(select(User.id).where(User.username == id_number))
        user = User(username=id_number if taken is None else f"vneid-{id_number}", full_name=name, role=Role.CITIZEN.value,
                    id_number=id_number, password_hash="")
        session.add(user)
    elif not user.active:
        raise PermissionDenied("Tài khoản công dân này đã bị khóa: liên hệ bộ phận một cửa.")
    now = clock.now()
    user.full_name, user.id_number, user.birth_date = name, id_number, born
    user.identity_provider, user.identity_subject, user.identity_verified_at = identity.kind, identity.subject, now
    email = _claim(identity.claims, "email")
    if email and not user.email:
        user.email = email
    phone = _claim(identity.claims, "phone_number")
    if phone and not user.phone:
        user.phone = phone
    user.last_login_at = now
    session.flush()
    return user


LOCKED_FIELDS = ("full_name", "id_number", "birth_date")


def check_identity_edit(user: User, changes: dict[str, Any]) -> None:
    """Refuse a change of the identity a provider verified (name, ID number, date of birth)."""
    if not user.identity_provider:
        return
    locked = [f for f in LOCKED_FIELDS if f in changes and changes[f] != getattr(user, f)]
    if locked:
        words = {"full_name": "họ tên", "id_number": "số định danh", "birth_date": "ngày sinh"}
        raise ValidationError(f"Không sửa được {', '.join(words[f] for f in locked)}: thông tin đã được xác thực qua "
                              f"{KINDS[user.identity_provider]} và chỉ cập nhật từ đó.", field=locked[0])
