"""Sign-on through OpenID Connect against a real provider (npm oidc-provider, tests/auth/oidc_provider.mjs):
code flow with PKCE, state and nonce; the citizen's account found or created by số định danh with the verified
identity locked; officers matched to existing accounts only; the session remembers how it was opened; logout at
the provider. The refusals: a forged or replayed answer, a token signed by another key, a wrong nonce, audience or
issuer, an expired token, an algorithm without a public key."""

from __future__ import annotations

import re
from datetime import date

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from cchc.auth import oidc
from cchc.auth.models import AuthSession, User
from cchc.db import session_factory
from cchc.errors import ValidationError
from tests.auth.oidc_fixtures import CITIZEN_ID, forge, log_in_at_provider, now, provider_for, query_of  # noqa: F401
from tests.webclient import csrf_from

# The provider is a Node.js process keeping the machine's time: its cookies and tokens expire by that clock.
pytestmark = pytest.mark.real_clock

BACK = "http://testserver/dang-nhap"


def sign_on(client, slug: str, account: str, **params) -> tuple[str, object]:
    """Start at cchc, log in at the provider; (the callback address, cchc's answer to it)."""
    start = client.get(f"/dang-nhap/{slug}", params=params, follow_redirects=False)
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    q = query_of(authorize)
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) >= 43
    assert q["state"] and q["nonce"] and q["response_type"] == "code" and q["client_id"].startswith("cchc-")
    back = log_in_at_provider(authorize, account, back_to=BACK)
    return back, client.get(back.removeprefix("http://testserver"), follow_redirects=False)


def user(username: str) -> User:
    with session_factory()() as s:
        return s.scalar(select(User).where(User.username == username))


def test_a_citizen_signs_on_and_the_account_is_created_locked_and_found_again(client, provider_for):
    provider_for()
    _back, answer = sign_on(client, "vneid", CITIZEN_ID, next="/ca-nhan")
    assert answer.status_code == 303 and answer.headers["location"] == "/ca-nhan"
    created = user(CITIZEN_ID)
    assert created.role == "cong_dan" and created.full_name == "Nguyễn Thị Định Danh" and created.id_number == CITIZEN_ID
    assert created.birth_date == date(1985, 3, 14) and created.identity_provider == "citizen"
    assert created.email == "dinhdanh@example.vn" and created.password_hash == ""  # no password to guess
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["username"] == CITIZEN_ID
    with session_factory()() as s:
        row = s.scalars(select(AuthSession).where(AuthSession.user_id == created.id)).one()
        assert row.login_method == "citizen" and row.id_token.count(".") == 2

    # The identity is locked against editing.
    with pytest.raises(ValidationError, match="họ tên, ngày sinh: thông tin đã được xác thực qua VNeID"):
        oidc.check_identity_edit(created, {"full_name": "Tên Khác", "birth_date": date(1990, 1, 1), "email": "x@y.vn"})
    oidc.check_identity_edit(created, {"email": "moi@example.vn", "full_name": created.full_name})

    # Logging out ends the provider's session too.
    logout = client.post("/dang-xuat", data={"csrf_token": csrf_from(client.get("/ca-nhan").text)}, follow_redirects=False)
    assert logout.status_code == 303
    target = logout.headers["location"]
    assert target.startswith(oidc.metadata(oidc.provider("citizen"))["end_session_endpoint"])
    assert query_of(target)["id_token_hint"] == row.id_token

    # A second login finds the same account (no duplicate), with the claims written again.
    _back, again = sign_on(client, "vneid", CITIZEN_ID)
    assert again.status_code == 303
    with session_factory()() as s:
        assert s.scalars(select(User).where(User.id_number == CITIZEN_ID)).all()[0].id == created.id
        assert len(s.scalars(select(User).where(User.id_number == CITIZEN_ID)).all()) == 1


def test_an_existing_citizen_account_is_matched_by_id_number(client, provider_for, make_user):
    make_user("tranvanmoi", id_number="079090009999", full_name="Tran Van Moi (tự khai)")
    provider_for()
    _back, answer = sign_on(client, "vneid", "079090009999")
    assert answer.status_code == 303
    matched = user("tranvanmoi")
    assert matched.full_name == "Trần Văn Mới" and matched.identity_provider == "citizen"  # the verified name wins
    assert user("079090009999") is None


def test_officers_sign_on_to_existing_accounts_only(client, provider_for, make_user, committed):
    from tests.dossiers.factories import make_unit

    with session_factory()() as s:
        commune = make_unit(s, "H99.01", "Xã Đăng Nhập", "xa")
        s.commit()
        make_user("lanhdao_xa", role="lanh_dao", unit_id=commune.id)
    provider_for()
    _back, answer = sign_on(client, "cong-vu", "can-bo-1")
    assert answer.status_code == 303
    assert client.get("/api/v1/auth/me").json()["username"] == "lanhdao_xa"
    client.cookies.clear()
    _back, refused = sign_on(client, "cong-vu", "can-bo-la")
    assert refused.status_code == 403 and "Tài khoản công vụ «khong_co_tai_khoan» chưa được cấp" in refused.text
    assert user("khong_co_tai_khoan") is None


def test_forged_and_replayed_answers_are_refused(client, provider_for):
    provider_for()
    back, answer = sign_on(client, "vneid", CITIZEN_ID)
    assert answer.status_code == 303
    client.cookies.clear()
    # The same answer again (a replay): the flow it belonged to is gone.
    replay = client.get(back.removeprefix("http://testserver"))
    assert replay.status_code == 400 and "không bắt đầu từ trình duyệt này" in replay.text
    # An answer with another state than the one this browser was given.
    start = client.get("/dang-nhap/vneid", follow_redirects=False)
    back = log_in_at_provider(start.headers["location"], CITIZEN_ID, back_to=BACK)
    q = query_of(back)
    forged = client.get("/dang-nhap/vneid/ket-qua", params={"code": q["code"], "state": "trang-thai-gia"})
    assert forged.status_code == 400 and "state không khớp" in forged.text
    # The provider's own refusal is shown, not a login.
    start = client.get("/dang-nhap/vneid", follow_redirects=False)
    denied = client.get("/dang-nhap/vneid/ket-qua", params={"error": "access_denied", "error_description": "Người dùng hủy",
                                                            "state": query_of(start.headers["location"])["state"]})
    assert denied.status_code == 400 and "Người dùng hủy" in denied.text
    # An ID number that is not 12 digits creates nothing.
    _back, wrong = sign_on(client, "vneid", "so-sai")
    assert wrong.status_code == 400 and "không phải 12 chữ số" in wrong.text
    assert client.get("/api/v1/auth/me").status_code == 401


def test_id_tokens_are_checked_against_the_providers_keys_and_the_flow(provider_for):
    running = provider_for()
    p = oidc.provider("citizen")
    good = {"iss": p.issuer, "sub": CITIZEN_ID, "aud": p.client_id, "exp": now() + 300, "iat": now(), "nonce": "n-1"}
    assert oidc.validate_id_token(p, forge(running.key, good), nonce="n-1")["sub"] == CITIZEN_ID

    stranger = RSAKey.generate_key(2048, parameters={"kid": "khoa-1"})
    cases = {
        "không khớp với khóa công khai": forge(stranger, good),
        "nonce (không khớp": forge(running.key, good | {"nonce": "n-khac"}),
        "aud (không cấp cho hệ thống này)": forge(running.key, good | {"aud": "ung-dung-khac"}),
        "iss (không do nhà cung cấp": forge(running.key, good | {"iss": "http://gia-mao.example"}),
        "đã hết hạn": forge(running.key, good | {"exp": now() - 3600, "iat": now() - 7200}),
        "thiếu trường bắt buộc": forge(running.key, {k: v for k, v in good.items() if k != "nonce"}),
        "thời điểm phát hành ở tương lai": forge(running.key, good | {"iat": now() + 3600, "exp": now() + 7200}),
        "azp": forge(running.key, good | {"aud": [p.client_id, "ben-khac"]}),
        "không đúng định dạng JWT": "khong.phai-jwt",
    }
    for reason, token in cases.items():
        with pytest.raises(oidc.SignOnRefused, match=re.escape(reason)):
            oidc.validate_id_token(p, token, nonce="n-1")
    # A token "signed" with the shared secret or with no signature is never accepted.
    from joserfc import jwt
    from joserfc.jwk import OctKey

    hs = jwt.encode({"alg": "HS256"}, good, OctKey.import_key(p.client_secret.encode()))
    with pytest.raises(oidc.SignOnRefused, match="«HS256» không được chấp nhận"):
        oidc.validate_id_token(p, hs, nonce="n-1")
    unsigned = ".".join(hs.split(".")[:2]).replace(hs.split(".")[0], "eyJhbGciOiJub25lIn0") + "."
    with pytest.raises(oidc.SignOnRefused, match="«none» không được chấp nhận|không đúng định dạng"):
        oidc.validate_id_token(p, unsigned, nonce="n-1")


def test_without_a_configured_provider_the_page_says_so(client):
    answer = client.get("/dang-nhap/vneid", follow_redirects=False)
    assert answer.status_code == 404 and "Chưa cấu hình đăng nhập bằng VNeID" in answer.text
    assert client.get("/dang-nhap/khong-co", follow_redirects=False).status_code == 404


def test_a_verified_name_is_not_edited_by_an_administrator(client, provider_for):
    from cchc.auth import service

    provider_for()
    sign_on(client, "vneid", CITIZEN_ID)
    with session_factory()() as s:
        citizen = s.scalar(select(User).where(User.username == CITIZEN_ID))
        with pytest.raises(ValidationError, match="Không sửa được họ tên"):
            service.update_user(s, None, citizen, full_name="Tên Sửa Tay")
        service.update_user(s, None, citizen, phone="0912345678")  # contacts stay the citizen's to change
        assert citizen.phone == "0912345678" and citizen.full_name == "Nguyễn Thị Định Danh"


def test_the_login_page_offers_the_configured_sign_on(client, provider_for):
    assert "Đăng nhập bằng VNeID" not in client.get("/dang-nhap").text  # nothing configured, no button
    provider_for()
    page = client.get("/dang-nhap", params={"next": "/ca-nhan/nop"}).text
    assert 'href="/dang-nhap/vneid?next=/ca-nhan/nop">Đăng nhập bằng VNeID (Cổng Dịch vụ công quốc gia)' in page
    assert 'href="/dang-nhap/cong-vu?next=/ca-nhan/nop">Đăng nhập bằng tài khoản công vụ của tỉnh' in page


def test_a_dossier_is_vneid_verified_by_the_login_not_by_a_tick_box(client, provider_for, committed):
    from cchc.dossiers.models import Dossier
    from tests.dossiers.factories import APPLICANT, make_world
    from tests.webclient import login_api, with_passwords

    with session_factory()() as s:
        w = with_passwords(make_world(s))
        s.commit()
    body = {"procedure_code": w.procedure.code, "unit_code": w.commune.code, "applicant": APPLICANT}

    provider_for()
    sign_on(client, "vneid", CITIZEN_ID)
    csrf = csrf_from(client.get("/ca-nhan").text)
    through_vneid = client.post("/api/v1/dossiers/online", json=body, headers={"X-CSRF-Token": csrf})
    assert through_vneid.status_code == 201, through_vneid.text

    client.cookies.clear()
    csrf = login_api(client, w.citizen.username)  # a password login, whatever the body says
    with_password = client.post("/api/v1/dossiers/online", json=body | {"vneid_verified": True}, headers={"X-CSRF-Token": csrf})
    assert with_password.status_code == 201, with_password.text
    with session_factory()() as s:
        verified = {d.code: d.vneid_verified for d in s.scalars(select(Dossier))}
    assert verified == {through_vneid.json()["code"]: True, with_password.json()["code"]: False}
