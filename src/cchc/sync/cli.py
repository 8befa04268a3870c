"""`cchc sync send|status|inbound`: the outbox to Cổng DVCQG by hand (the worker sends it every 2 minutes)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.command("send")
def send_command() -> None:
    """Gửi các bản ghi đang chờ lên Cổng DVCQG, theo thứ tự của từng hồ sơ."""
    from cchc.console import console
    from cchc.sync.service import send_pending

    with session_scope() as session:
        result = send_pending(session)
    console.print(f"Đã được Cổng xác nhận: {vn.fmt_int(result.acknowledged)}; lỗi: {vn.fmt_int(result.failed)}; "
                  f"chờ lượt sau: {vn.fmt_int(result.waiting)}.")
    for error in result.errors[:50]:
        console.print(f"- {error}", soft_wrap=True)
    if result.failed:
        raise typer.Exit(1)


@app.command("status")
def status_command(
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON."),
) -> None:
    """Tình trạng đồng bộ: số bản ghi chờ gửi, đã xác nhận, bị kẹt và lý do."""
    from cchc.console import console
    from cchc.sync.service import status, stuck_rows

    with session_scope() as session:
        s = status(session)
        stuck = stuck_rows(session)
    if as_json:
        console.print_json(json.dumps({**s, "oldest_pending_at": s["oldest_pending_at"].isoformat() if s["oldest_pending_at"] else None,
                                       "stuck_rows": [{**r, "created_at": r["created_at"].isoformat(),
                                                       "next_attempt_at": r["next_attempt_at"].isoformat() if r["next_attempt_at"] else None}
                                                      for r in stuck]}, ensure_ascii=False))
        return
    oldest = vn.fmt_datetime(s["oldest_pending_at"]) if s["oldest_pending_at"] else "không có"
    console.print(f"Chờ gửi: {vn.fmt_int(s['pending'])} (lâu nhất từ {oldest}); đã được Cổng xác nhận: "
                  f"{vn.fmt_int(s['acknowledged'])}; bị kẹt: {vn.fmt_int(s['stuck'])}.")
    for r in stuck:
        console.print(f"- Bản ghi {r['id']}, hồ sơ {r['dossier_code']} ({r['action']}, {vn.fmt_datetime(r['created_at'])}, "
                      f"{vn.fmt_int(r['attempts'])} lần gửi): {r['reason']}", soft_wrap=True)
    if s["stuck"]:
        raise typer.Exit(1)


@app.command("inbound")
def inbound_command(
    source: str = typer.Argument(..., help="Tệp JSON hoặc địa chỉ http(s) trả về danh sách hồ sơ của Cổng DVCQG."),
) -> None:
    """Nhận hồ sơ nộp trên Cổng DVCQG (tên trường DVCQG): kiểm tra tất cả trước, tạo hồ sơ qua dịch vụ hồ sơ."""
    from cchc.console import console
    from cchc.errors import ValidationError
    from cchc.sync.service import endpoint, load_records, receive_inbound

    if source.startswith(("http://", "https://")):
        import httpx

        _, token = endpoint()
        try:
            response = httpx.get(source, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except httpx.HTTPError as exc:
            raise ValidationError(f"Không tải được {source}: {exc.__class__.__name__}.") from None
        if not response.is_success:
            raise ValidationError(f"Không tải được {source}: HTTP {response.status_code}.")
        text = response.text
    else:
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"Không có tệp «{source}».")
        text = path.read_text(encoding="utf-8-sig")
    with session_scope() as session:
        done = receive_inbound(session, load_records(text))
    console.print(f"Đã tạo {vn.fmt_int(len(done['created']))} hồ sơ; {vn.fmt_int(len(done['already_received']))} hồ sơ "
                  "đã nhận từ trước.")
    for portal, code in done["created"].items():
        console.print(f"- {portal} → {code}")
