"""POST /api/v1/sync/inbound: Cổng DVCQG sends the dossiers submitted on it (DVCQG field names, a list or
{"data": [...]}), authenticated by the sync's bearer token; all or nothing, a record sent again creates nothing."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from cchc.errors import PermissionDenied
from cchc.sync import service
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1/sync", tags=["Đồng bộ Cổng DVCQG"])


def _check_token(request: Request) -> None:
    if not service.is_configured():
        raise PermissionDenied("Chưa cấu hình đồng bộ với Cổng DVCQG (CCHC_DVCQG_SYNC_TOKEN): không nhận hồ sơ từ Cổng.")
    _, token = service.endpoint()
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        raise PermissionDenied("Mã xác thực của Cổng DVCQG (Authorization: Bearer …) không đúng.")


@router.post("/inbound", summary="Nhận hồ sơ nộp trên Cổng DVCQG",
             responses={400: {"description": "Dữ liệu gửi lên không đọc được"},
                        403: {"description": "Chưa cấu hình đồng bộ, hoặc mã xác thực của Cổng DVCQG (Bearer) không đúng"}})
async def inbound(request: Request, db: Session = DB_SESSION) -> dict:
    """Tạo hồ sơ từ danh sách hồ sơ của Cổng DVCQG (tên trường DVCQG); kiểm tra tất cả trước khi ghi."""
    _check_token(request)
    records = service.load_records((await request.body()).decode("utf-8", errors="replace"))
    return service.receive_inbound(db, records)
