"""The electronic receipt of fees and charges (biên lai thu phí, lệ phí) of a paid payment: a Word document in the
ND 30/2020 layout (the collecting body | Quốc hiệu, tiêu ngữ; Times New Roman), PDF through cchc.pdf."""

from __future__ import annotations

import tempfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from sqlalchemy.orm import Session

from cchc import vn
from cchc.docxkit import cell_paragraph, column_widths, no_borders, paragraph, setup_a4, short_rule
from cchc.dossiers.models import Dossier
from cchc.errors import InvalidTransition
from cchc.payments.enums import Method, PaymentState
from cchc.payments.models import Payment
from cchc.pdf import docx_to_pdf
from cchc.procedures.models import Procedure
from cchc.units.models import Unit

CENTER, LEFT, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
KIND_LABELS = {"phi": "Phí", "le_phi": "Lệ phí", "nghia_vu_tai_chinh": "Nghĩa vụ tài chính"}

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ")


def _three(n: int, full: bool) -> list[str]:
    """Words of 0–999; `full` when a higher group precedes (then "không trăm", "linh" are read)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return words


def amount_in_words(n: int) -> str:
    """184027 → "Một trăm tám mươi bốn nghìn không trăm hai mươi bảy đồng" (the "Bằng chữ" line of a receipt)."""
    if n == 0:
        return "Không đồng"
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        if groups[i]:
            words += _three(groups[i], full=bool(words))
            words += [_GROUPS[i]] if _GROUPS[i] else []
    text = " ".join(words)
    return text[0].upper() + text[1:] + " đồng"


def _heading(doc, session: Session, unit: Unit, paid_on) -> None:
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    table = doc.add_table(rows=2, cols=2)
    no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, [7.0, 9.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    first = True
    if parent is not None:
        cell_paragraph(left, parent.name.upper(), True, size=12)
        first = False
    cell_paragraph(left, unit.name.upper(), first, size=12, bold=True)
    short_rule(left, 2.5, 7.0)
    cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, size=12, bold=True)
    cell_paragraph(right, "Độc lập - Tự do - Hạnh phúc", False, size=13, bold=True, underline=True)
    cell_paragraph(table.cell(1, 1), vn.fmt_long_date(paid_on), True, size=13, italic=True, after=6)


def build_receipt(session: Session, payment: Payment) -> Document:
    """The receipt of a paid payment; refused for an attempt that was not paid."""
    if payment.state != PaymentState.PAID:
        raise InvalidTransition(f"Khoản thanh toán số {payment.id} chưa được xác nhận đã thu nên không có biên lai.")
    dossier = session.get(Dossier, payment.dossier_id)
    unit = session.get(Unit, payment.unit_id)
    procedure = session.get(Procedure, dossier.procedure_id)
    method = Method(payment.method)
    doc = Document()
    setup_a4(doc)
    _heading(doc, session, unit, payment.paid_at.date())
    paragraph(doc, "BIÊN LAI THU PHÍ, LỆ PHÍ", bold=True, align=CENTER, indent=None, before=12, after=0, size=14)
    paragraph(doc, "(Biên lai điện tử)" if method.online else "(Bản điện tử của biên lai đã giao tại quầy)", italic=True,
              align=CENTER, indent=None, after=0)
    paragraph(doc, f"Số: {payment.receipt_no}", align=CENTER, indent=None, after=12)
    lines = [
        f"Tên đơn vị thu: **{unit.name}**",
        f"Người nộp: **{dossier.applicant_name}**",
        f"Mã hồ sơ: **{dossier.code}**",
        f"Thủ tục: {procedure.name if procedure else ''}",
    ]
    for text in lines:
        paragraph(doc, text, indent=None, align=LEFT, after=3, inline=True)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    column_widths(table, [1.2, 3.0, 8.3, 4.0])
    for cell, text in zip(table.rows[0].cells, ("STT", "Loại", "Nội dung thu", "Số tiền (đồng)")):
        cell_paragraph(cell, text, True, size=12, bold=True, align=CENTER)
    for i, line in enumerate(payment.fee_lines or [], 1):
        cells = table.add_row().cells
        for cell, text, align in zip(cells, (str(i), KIND_LABELS.get(line.get("kind"), line.get("kind", "")),
                                             line.get("description", ""), vn.fmt_int(int(line.get("amount", 0)))),
                                     (CENTER, LEFT, LEFT, RIGHT)):
            cell_paragraph(cell, text, True, size=12, align=align)
    total = table.add_row().cells
    cell_paragraph(total[0].merge(total[2]), "Tổng cộng", True, size=12, bold=True, align=LEFT)
    cell_paragraph(total[3], vn.fmt_int(int(payment.amount)), True, size=12, bold=True, align=RIGHT)
    paragraph(doc, f"Bằng chữ: *{amount_in_words(int(payment.amount))}*", indent=None, align=LEFT, before=6, after=3, inline=True)
    paragraph(doc, f"Hình thức thanh toán: {method.label}", indent=None, align=LEFT, after=3)
    if method.online:
        paragraph(doc, f"Mã giao dịch của cổng thanh toán: {payment.gateway_txn_no}"
                  + (f"; ngân hàng: {payment.bank_code}" if payment.bank_code else "")
                  + f"; mã tham chiếu: {payment.txn_ref}", indent=None, align=LEFT, after=3)
    paragraph(doc, f"Thời điểm thanh toán: {vn.fmt_datetime(payment.paid_at)}", indent=None, align=LEFT, after=12)
    signature = doc.add_table(rows=1, cols=2)
    no_borders(signature)
    column_widths(signature, [8.0, 8.5])
    cell_paragraph(signature.cell(0, 0), "NGƯỜI NỘP TIỀN", True, size=13, bold=True)
    cell_paragraph(signature.cell(0, 1), "ĐƠN VỊ THU", True, size=13, bold=True)
    note = ("Biên lai được lập tự động khi cổng thanh toán xác nhận giao dịch" if method.online
            else "(Ký, ghi rõ họ tên)")
    cell_paragraph(signature.cell(0, 1), note, False, size=12, italic=True)
    return doc


def receipt_pdf(session: Session, payment: Payment) -> bytes:
    doc = build_receipt(session, payment)
    with tempfile.TemporaryDirectory(prefix="cchc-bien-lai-") as tmp:
        docx_path = Path(tmp) / f"bien-lai-{payment.id}.docx"
        doc.save(str(docx_path))
        return docx_to_pdf(docx_path, Path(tmp) / f"bien-lai-{payment.id}.pdf").read_bytes()
