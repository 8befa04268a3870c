"""`cchc payments …`: the reconciliation of a day's online payments against the gateway's query answers.

Meant for cron, once a day for the day before, e.g. /etc/cron.d/cchc:

    30 6 * * *  cchc  /opt/cchc/.venv/bin/cchc payments reconcile
"""

from __future__ import annotations

from datetime import timedelta

import typer

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.command("reconcile")
def reconcile_command(
    day: str | None = typer.Option(None, "--date", help="Ngày đối chiếu (mặc định: hôm qua), ví dụ 14/6/2026."),
) -> None:
    """Đối chiếu các giao dịch thanh toán trực tuyến của một ngày với kết quả truy vấn của cổng thanh toán."""
    from rich.table import Table

    from cchc import clock
    from cchc.console import console
    from cchc.payments.enums import Method, PaymentState
    from cchc.payments.service import reconcile

    on = vn.parse_date(day, what="ngày đối chiếu (--date)") if day else clock.today() - timedelta(days=1)
    with session_scope() as session:
        findings = reconcile(session, on)
        table = Table(title=f"Đối chiếu thanh toán trực tuyến ngày {vn.fmt_date(on)}")
        for column in ("Mã tham chiếu", "Hồ sơ", "Số tiền (đồng)", "Trạng thái trên cchc", "Kết quả đối chiếu"):
            table.add_column(column, justify="right" if column.startswith("Số tiền") else "left")
        for f in findings:
            p = f.payment
            table.add_row(p.txn_ref or "", f.dossier_code, vn.fmt_int(int(p.amount)),
                          f"{PaymentState(p.state).label} ({Method(p.method).label})", f.problem or "Khớp")
        problems = sum(1 for f in findings if f.problem)
    console.print(table)
    if not findings:
        console.print(f"Không có giao dịch thanh toán trực tuyến nào ngày {vn.fmt_date(on)}.")
    elif problems:
        console.print(f"[bold red]{vn.fmt_int(problems)}/{vn.fmt_int(len(findings))} giao dịch không khớp:[/]")
        for f in findings:
            if f.problem:
                console.print(f"- {f.payment.txn_ref} (hồ sơ {f.dossier_code}): {f.problem}.", soft_wrap=True)
        raise typer.Exit(1)
    else:
        console.print(f"Cả {vn.fmt_int(len(findings))} giao dịch đều khớp với cổng thanh toán.")
