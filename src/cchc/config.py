"""Settings read from the environment (CCHC_*), with the embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# The repository root when running from a checkout (src/cchc/config.py → ../../).
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


def _default_var_dir() -> Path:
    return Path(os.environ.get("CCHC_VAR_DIR", Path.cwd() / "var"))


@dataclass(frozen=True)
class OidcProvider:
    """An OpenID Connect provider people log in through (cchc.auth.oidc): `citizen` is the national sign-on
    (VNeID through Cổng DVCQG), `officer` the province's own. The claim names of VNeID are not published
    (../shared/research/platforms.md): each is a setting."""

    kind: str  # citizen | officer
    issuer: str  # its discovery document is {issuer}/.well-known/openid-configuration
    client_id: str
    client_secret: str
    scope: str = "openid profile"
    acr_values: str = ""  # e.g. LoA1 (observed on the DVCQG sign-on)
    id_claim: str = "so_dinh_danh"  # the citizen's số định danh cá nhân
    name_claim: str = "name"
    birthdate_claim: str = "birthdate"
    username_claim: str = "preferred_username"  # an officer's account in cchc


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    files_dir: Path
    vendor_dir: Path
    # Signs the session cookie. No default: CCHC_SECRET_KEY, or the file `cchc secret init` (and `make run`)
    # writes into the var folder; empty when neither exists, and then nothing serves (cchc.app.main).
    secret_key: str
    workers: int = 1
    db_connections: int = 40
    # Served to people over HTTPS (behind a TLS reverse proxy): cookies are Secure and HSTS is sent.
    https: bool = False
    # A login ends after this long without a request, and in any case this long after it began.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    timezone: str = "Asia/Ho_Chi_Minh"
    upload_max_bytes: int = 10 * 1024 * 1024  # one attached file
    # One request: an online submission carries several component files at once (cchc.web.limits).
    request_max_bytes: int = 50 * 1024 * 1024
    # Online payment through VNPay (cchc.payments): no default for any of them; without the merchant code, the hash
    # secret and the payment URL online payment is off and the citizen's page says so. The API URL answers querydr
    # (reconciliation); the return URL defaults to this server's /thanh-toan/vnpay/ket-qua as the request reached it.
    vnpay_tmn_code: str = ""
    vnpay_hash_secret: str = ""
    vnpay_url: str = ""
    vnpay_api_url: str = ""
    vnpay_return_url: str = ""
    # Digital signatures (cchc.signatures): the folder of the trust roots a signed PDF must chain to (the national
    # roots: Bộ TT&TT's Root CA, Ban Cơ yếu Chính phủ's), none by default; fetch OCSP/CRL while verifying (off
    # for a server that cannot reach the CAs: a revoked certificate is then caught only from embedded data).
    signature_trust_dir: Path | None = None
    signature_fetch_revocation: bool = False
    # Who signs (cchc.signatures.keys): the folder of the PKCS#12 keys, `<username>.p12` for a leader (opened with
    # the password the leader types, like a token's PIN) and `<unit code>.p12` for a unit (opened with the unit
    # password); remote signing (a CSC-style service of a CA) for leaders who have a credential id. No defaults.
    signing_dir: Path | None = None
    signing_unit_password: str = ""
    remote_signing_url: str = ""
    remote_signing_token: str = ""
    # Sign-on through OpenID Connect, by kind (citizen, officer): a provider is on when its issuer, client id and
    # client secret are all set (CCHC_OIDC_CITIZEN_ISSUER, …_CLIENT_ID, …_CLIENT_SECRET; the same with OFFICER).
    oidc: dict[str, OidcProvider] = field(default_factory=dict)
    # The job queue (cchc.jobs): `sqlite` keeps it in a file of the var folder (one machine); `redis` shares it
    # between workers on any number of machines, at CCHC_REDIS_URL (no default: required with redis). The name
    # prefixes the queue's keys, so several deployments (or tests) can share one Redis.
    queue: str = "sqlite"
    redis_url: str = ""
    queue_name: str = "cchc"
    # The sync with Cổng DVCQG (cchc.sync): the outbox is POSTed to this URL with this bearer token, which also
    # authenticates the portal's inbound dossiers. No defaults: without both, nothing is sent (rows wait).
    dvcqg_sync_url: str = ""
    dvcqg_sync_token: str = ""
    # Notifications (cchc.notifications): e-mail over SMTP (STARTTLS when CCHC_SMTP_STARTTLS=1), SMS and Zalo ZNS
    # through an HTTP provider (POST JSON, bearer token). No defaults for hosts, URLs or secrets: a channel
    # without its settings sends nothing (its messages wait). CCHC_PUBLIC_URL is the address people open the
    # public lookup at (the link in every message).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = False
    sms_url: str = ""
    sms_token: str = ""
    zalo_url: str = ""
    zalo_token: str = ""
    public_url: str = ""
    upload_types: tuple[str, ...] = field(
        default=("application/pdf", "image/jpeg", "image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )

    @property
    def pool_size(self) -> int:
        """Connections each serving process keeps open (as many again may overflow): the processes of
        `cchc serve --workers N` together stay within CCHC_DB_CONNECTIONS, under PostgreSQL's
        max_connections (100 by default) with room left for workers, backups and psql."""
        return max(2, self.db_connections // (2 * self.workers))


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"Biến môi trường {name}={raw!r} không hợp lệ: phải là số nguyên dương.")
    return int(raw)


SECRET_FILE = "secret_key"


def secret_path(var_dir: Path) -> Path:
    return var_dir / SECRET_FILE


def _stored_secret(var_dir: Path) -> str:
    try:
        return secret_path(var_dir).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "khong"):
        return False
    if raw in ("1", "true", "yes", "co"):
        return True
    raise SystemExit(f"Biến môi trường {name}={raw!r} không hợp lệ: dùng 1 (bật) hoặc 0 (tắt).")


def _oidc_providers() -> dict[str, OidcProvider]:
    providers = {}
    for kind in ("citizen", "officer"):
        prefix = f"CCHC_OIDC_{kind.upper()}_"
        value = {key: os.environ.get(prefix + key.upper(), "").strip()
                 for key in ("issuer", "client_id", "client_secret", "scope", "acr_values", "id_claim", "name_claim",
                             "birthdate_claim", "username_claim")}
        required = [prefix + key.upper() for key in ("issuer", "client_id", "client_secret") if not value[key]]
        if len(required) == 3:
            continue
        if required:
            raise SystemExit(f"Đăng nhập OpenID Connect ({kind}) thiếu biến môi trường: {', '.join(required)}.")
        providers[kind] = OidcProvider(kind=kind, **{k: v for k, v in value.items() if v})
    return providers


def _queue() -> tuple[str, str]:
    kind = os.environ.get("CCHC_QUEUE", "sqlite").strip().lower() or "sqlite"
    if kind not in ("sqlite", "redis"):
        raise SystemExit(f"Biến môi trường CCHC_QUEUE={kind!r} không hợp lệ: dùng sqlite hoặc redis.")
    url = os.environ.get("CCHC_REDIS_URL", "").strip()
    if kind == "redis" and not url:
        raise SystemExit("CCHC_QUEUE=redis cần CCHC_REDIS_URL (ví dụ redis://127.0.0.1:6379/0).")
    return kind, url


def load_settings() -> Settings:
    var_dir = _default_var_dir()
    url = os.environ.get("CCHC_DATABASE_URL") or f"sqlite:///{var_dir / 'cchc.db'}"
    return Settings(
        database_url=normalise_database_url(url),
        var_dir=var_dir,
        files_dir=Path(os.environ.get("CCHC_FILES_DIR", var_dir / "files")),
        vendor_dir=Path(os.environ.get("CCHC_VENDOR_DIR", REPO_ROOT / "node_modules")),
        secret_key=os.environ.get("CCHC_SECRET_KEY") or _stored_secret(var_dir),
        https=_flag("CCHC_HTTPS"),
        workers=_positive_int("CCHC_WORKERS", 1),
        db_connections=_positive_int("CCHC_DB_CONNECTIONS", 40),
        request_max_bytes=_positive_int("CCHC_REQUEST_MAX_MB", 50) * 1024 * 1024,
        session_idle_minutes=_positive_int("CCHC_SESSION_IDLE_MINUTES", 30),
        session_max_hours=_positive_int("CCHC_SESSION_MAX_HOURS", 12),
        vnpay_tmn_code=os.environ.get("CCHC_VNPAY_TMN_CODE", "").strip(),
        vnpay_hash_secret=os.environ.get("CCHC_VNPAY_HASH_SECRET", "").strip(),
        vnpay_url=os.environ.get("CCHC_VNPAY_URL", "").strip(),
        vnpay_api_url=os.environ.get("CCHC_VNPAY_API_URL", "").strip(),
        vnpay_return_url=os.environ.get("CCHC_VNPAY_RETURN_URL", "").strip(),
        signature_trust_dir=Path(os.environ["CCHC_SIGNATURE_TRUST_DIR"]) if os.environ.get("CCHC_SIGNATURE_TRUST_DIR") else None,
        signature_fetch_revocation=_flag("CCHC_SIGNATURE_FETCH_REVOCATION"),
        signing_dir=Path(os.environ["CCHC_SIGNING_DIR"]) if os.environ.get("CCHC_SIGNING_DIR") else None,
        signing_unit_password=os.environ.get("CCHC_SIGNING_UNIT_PASSWORD", ""),
        remote_signing_url=os.environ.get("CCHC_REMOTE_SIGNING_URL", "").strip(),
        remote_signing_token=os.environ.get("CCHC_REMOTE_SIGNING_TOKEN", "").strip(),
        oidc=_oidc_providers(),
        queue=_queue()[0],
        redis_url=_queue()[1],
        queue_name=os.environ.get("CCHC_QUEUE_NAME", "").strip() or "cchc",
        dvcqg_sync_url=os.environ.get("CCHC_DVCQG_SYNC_URL", "").strip(),
        dvcqg_sync_token=os.environ.get("CCHC_DVCQG_SYNC_TOKEN", "").strip(),
        smtp_host=os.environ.get("CCHC_SMTP_HOST", "").strip(),
        smtp_port=int(os.environ.get("CCHC_SMTP_PORT", "").strip() or 587),
        smtp_user=os.environ.get("CCHC_SMTP_USER", "").strip(),
        smtp_password=os.environ.get("CCHC_SMTP_PASSWORD", ""),
        smtp_from=os.environ.get("CCHC_SMTP_FROM", "").strip(),
        smtp_starttls=_flag("CCHC_SMTP_STARTTLS"),
        sms_url=os.environ.get("CCHC_SMS_URL", "").strip(),
        sms_token=os.environ.get("CCHC_SMS_TOKEN", "").strip(),
        zalo_url=os.environ.get("CCHC_ZALO_URL", "").strip(),
        zalo_token=os.environ.get("CCHC_ZALO_TOKEN", "").strip(),
        public_url=os.environ.get("CCHC_PUBLIC_URL", "").strip().rstrip("/"),
    )


def normalise_database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


settings = load_settings()
