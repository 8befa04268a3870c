"""The printed forms of a dossier (TT 03/2025/TT-VPCP Phụ lục I): Mẫu 01–06 per dossier, Mẫu 07 the register.

Each is a Word document in the ND 30/2020 layout (issuing body | Quốc hiệu, tiêu ngữ; Times New Roman);
PDF through LibreOffice. The receipt (Mẫu 01) carries a QR code of the dossier's status-lookup address.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import segno
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.dossiers.enums import Channel, Timeliness
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import ValidationError
from cchc.procedures.enums import StepRole, TimeUnit
from cchc.procedures.models import Procedure
from cchc.docxkit import cell_paragraph, column_widths, keep_rows_whole, no_borders, paragraph, setup_a4, short_rule
from cchc.units.models import Unit

FORMS = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}
REGISTER_MAX_ROWS = 5000
LEFT = WD_ALIGN_PARAGRAPH.LEFT
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def lookup_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/tra-cuu?ma={code}"


def _issuer(session: Session, unit: Unit) -> tuple[str, str]:
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return (parent.name.upper() if parent else ""), unit.name.upper()


def _heading(doc, session: Session, unit: Unit, left_extra: str = "", on: date | None = None) -> None:
    superior, body = _issuer(session, unit)
    table = doc.add_table(rows=2, cols=2)
    no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, [7.0, 9.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    first = True
    if superior:
        cell_paragraph(left, superior, True, size=12)
        first = False
    cell_paragraph(left, body, first, size=12, bold=True)
    short_rule(left, 2.5, 7.0)
    cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, size=12, bold=True)
    cell_paragraph(right, "Độc lập - Tự do - Hạnh phúc", False, size=13, bold=True, underline=True)
    for i, line in enumerate(left_extra.split("\n")):  # a long dossier code goes on a line of its own
        cell_paragraph(table.cell(1, 0), line, i == 0, size=12)
    day = on or clock.today()
    cell_paragraph(table.cell(1, 1), f"{_place(session, unit)}, {vn.fmt_long_date(day)}", True, size=13, italic=True, after=6)


def _place(session: Session, unit: Unit) -> str:
    """The place name of the date line: the province (or commune) the unit belongs to, without its kind."""
    node = unit
    while node.parent_id and not (node.is_area and node.level == "tinh"):
        node = session.get(Unit, node.parent_id)
    name = node.name
    for prefix in ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Ủy ban nhân dân ", "UBND "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _title(doc, title: str, subtitle: str = "") -> None:
    paragraph(doc, title, bold=True, align=CENTER, indent=None, before=12, after=0)
    if subtitle:
        paragraph(doc, subtitle, italic=True, align=CENTER, indent=None, after=6)


def _line(doc, text: str, **kw) -> None:
    spacing = kw.pop("spacing", None)
    p = paragraph(doc, text, indent=kw.pop("indent", 0.0) or None, align=kw.pop("align", WD_ALIGN_PARAGRAPH.JUSTIFY), after=kw.pop("after", 3),
                  inline=True, **kw)
    if spacing is not None:
        p.paragraph_format.line_spacing = spacing


def _signatures(doc, left: tuple[str, str], right: tuple[str, str], middle: io.BytesIO | None = None) -> None:
    """The signature block, never split across pages; `middle`, a picture (the receipt's QR code) between the two
    signatures, where the space they leave for signing holds it without lengthening the page."""
    table = doc.add_table(rows=1, cols=3 if middle else 2)
    no_borders(table)
    keep_rows_whole(table)
    column_widths(table, [6.3, 3.9, 6.3] if middle else [8.0, 8.5])
    cells = table.rows[0].cells
    for cell, (title, name) in zip((cells[0], cells[-1]), (left, right)):
        if not title:  # a notice signed on the right only: nothing to sign on the left
            continue
        cell_paragraph(cell, title, True, size=13, bold=True)
        cell_paragraph(cell, "(Ký, ghi rõ họ tên)", False, size=12, italic=True)
        for _ in range(3):  # room to sign: three lines of 12 pt (an empty line would take the style's 14 pt)
            cell_paragraph(cell, "", False, size=12).paragraph_format.line_spacing = Pt(12)
        cell_paragraph(cell, name, False, size=13, bold=True)
    if middle:
        p = cell_paragraph(cells[1], "", True)
        p.paragraph_format.line_spacing = 1.0
        p.add_run().add_picture(middle, width=Cm(2.3))
        cell_paragraph(cells[1], "Mã tra cứu hồ sơ", False, size=10, italic=True)


def _grid(doc, headers: list[str], rows: list[list[str]], widths: list[float], size: float = 11) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell_paragraph(cell, text, True, size=size, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values)):
            cell_paragraph(cell, text, True, size=size, align=CENTER if i == 0 else LEFT)
        for cell, w in zip(cells, widths):
            cell.width = Cm(w)
    column_widths(table, widths)
    keep_rows_whole(table, header_rows=1)  # no row split across pages; a long register repeats its header


def _time_limit(procedure: Procedure) -> str:
    amount = vn.fmt_decimal(procedure.time_amount, 1).removesuffix(",0")
    return f"{amount} {TimeUnit(procedure.time_unit).label}"


def _clock_time(dt: datetime | None) -> str:
    """A moment as the printed forms write it ("08 giờ 30 phút, ngày …"), or the blanks to fill by hand."""
    if dt is None:
        return "…… giờ …… phút, ngày …… tháng …… năm ……"
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút, {vn.fmt_long_date(dt.date())}"


def _event(session: Session, dossier: Dossier, action: str) -> DossierEvent | None:
    return session.scalar(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id, DossierEvent.action == action).order_by(DossierEvent.id.desc())
    )


def _qr_png(data: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=4, border=2)
    buf.seek(0)
    return buf


# ---- Mẫu 01–06 ----------------------------------------------------------------------------------------------
def build_dossier_form(session: Session, dossier: Dossier, number: str, base_url: str = "http://127.0.0.1:8000") -> Document:
    """Mẫu `number` (01–06) of this dossier; refused when the dossier has no such event yet."""
    if number not in FORMS or number == "07":
        raise ValidationError(f"Không có biểu mẫu số «{number}» cho một hồ sơ (chỉ Mẫu 01 đến 06).")
    unit = session.get(Unit, dossier.unit_id)
    procedure = session.get(Procedure, dossier.procedure_id)
    doc = Document()
    setup_a4(doc)
    builder = {"01": _form01, "02": _form02, "03": _form03, "04": _form04, "05": _form05, "06": _form06}[number]
    builder(doc, session, dossier, unit, procedure, base_url)
    return doc


def _desk(unit: Unit) -> str:
    """«Bộ phận Một cửa Sở Tư pháp»; a unit that is itself the desk or a service centre keeps its own name."""
    if unit.name.startswith(("Bộ phận Một cửa", "Trung tâm")):
        return unit.name
    return f"Bộ phận Một cửa {unit.name}"


def _applicant_lines(doc, dossier: Dossier, **kw) -> None:
    _line(doc, f"Ông/bà/tổ chức: **{dossier.applicant_name}**", **kw)
    if dossier.applicant_id_number:
        _line(doc, f"Số định danh cá nhân/mã số doanh nghiệp: {dossier.applicant_id_number}", **kw)
    _line(doc, f"Địa chỉ: {dossier.applicant_address or '……………………'}", **kw)
    _line(doc, f"Số điện thoại: {dossier.applicant_phone or '…………'}    Thư điện tử: {dossier.applicant_email or '…………'}", **kw)
    if dossier.authorized_person:
        _line(doc, f"Người được ủy quyền: {dossier.authorized_person}", **kw)


def _form01(doc, session, dossier, unit, procedure, base_url):
    # One A4 page with its signatures even with ten components: 13 pt lines, close together, the QR code between the
    # signatures (TT 03/2025 Mẫu 01 is a single sheet handed to the applicant).
    compact = len(dossier.components) > 5  # a long list of components: 12 pt lines, a 10 pt table
    kw = {"size": 12 if compact else 13, "after": 1, "spacing": 1.0}
    _heading(doc, session, unit, f"Mã hồ sơ:\n{dossier.code}", (dossier.received_at or dossier.submitted_at or clock.now()).date())
    _title(doc, FORMS["01"], "(Liên: lưu tại Bộ phận Một cửa / giao cho người nộp hồ sơ)")
    _line(doc, f"{_desk(unit)} tiếp nhận hồ sơ của:", **kw)
    _applicant_lines(doc, dossier, **kw)
    _line(doc, f"Nội dung yêu cầu giải quyết: {dossier.request_summary or procedure.name}", **kw)
    _line(doc, f"Thủ tục: {procedure.name} (mã {procedure.code}); hình thức nộp: {Channel(dossier.channel).label.lower()}.", **kw)
    _line(doc, "1. Thành phần hồ sơ nộp gồm:", **kw)
    rows = [[str(i), c.name, "Bản điện tử" if c.digitized else "Bản giấy", str(c.copies)] for i, c in enumerate(dossier.components, 1)]
    _grid(doc, ["TT", "Tên giấy tờ", "Hình thức", "Số lượng"], rows or [["", "(Không có thành phần)", "", ""]], [1.0, 10.4, 3.0, 2.1],
          size=10 if compact else 10.5)
    _line(doc, f"2. Số lượng hồ sơ: {dossier.copies:02d} (bộ)", **kw)
    _line(doc, f"3. Thời gian giải quyết hồ sơ theo quy định là: {_time_limit(procedure)}", **kw)
    _line(doc, f"4. Thời gian nhận hồ sơ: {_clock_time(dossier.received_at or dossier.submitted_at)}", **kw)
    _line(doc, f"5. Thời gian trả kết quả giải quyết hồ sơ: {_clock_time(dossier.due_at)}", **kw)
    _line(doc, f"6. Đăng ký nhận kết quả tại: {'nhận qua dịch vụ bưu chính công ích' if dossier.result_delivery == 'buu_chinh' else _desk(unit)}", **kw)
    # The QR carries the code only: the lookup page opened by it then asks for the digits (cchc.dossiers.lookup_pages).
    _line(doc, f"Tra cứu tiến độ giải quyết: quét mã QR cuối giấy này hoặc nhập mã hồ sơ tại {lookup_url(base_url, '')[:-4]}, "
               "kèm 4 chữ số cuối của số định danh (CCCD) người nộp — hoặc của số điện thoại, nếu hồ sơ không ghi số định danh.",
          **{**kw, "after": 6})
    _signatures(doc, ("NGƯỜI NỘP HỒ SƠ", dossier.authorized_person or dossier.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", _receiver(session, dossier)),
                middle=_qr_png(lookup_url(base_url, dossier.code)))


def _receiver(session: Session, dossier: Dossier) -> str:
    event = session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id, DossierEvent.action.in_(("receive", "accept")))
                           .order_by(DossierEvent.id))
    return event.actor_name if event else ""


def _require(event, what: str, dossier: Dossier):
    if event is None:
        raise ValidationError(f"Hồ sơ {dossier.code} chưa có {what}, nên chưa có biểu mẫu này.")
    return event


def _form02(doc, session, dossier, unit, procedure, base_url):
    event = _require(_event(session, dossier, "request_supplement"), "yêu cầu bổ sung", dossier)
    _heading(doc, session, unit, f"Mã hồ sơ:\n{dossier.code}", event.at.date())
    _title(doc, FORMS["02"])
    _line(doc, f"Hồ sơ của: **{dossier.applicant_name}**")
    _line(doc, f"Nội dung yêu cầu giải quyết: {dossier.request_summary or procedure.name}")
    _line(doc, f"Ngày {vn.fmt_date(dossier.received_at)}, {unit.name} đã tiếp nhận hồ sơ của Ông/bà/tổ chức. Sau khi xem xét, "
               "đề nghị Ông/bà/tổ chức bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:")
    items = event.data.get("items") or []
    for i, item in enumerate(items, 1):
        _line(doc, f"{i}. {item}", indent=1.0)
    _line(doc, f"Lý do: {event.note}")
    _line(doc, "Việc yêu cầu bổ sung, hoàn thiện hồ sơ chỉ thực hiện một lần. Thời gian Ông/bà/tổ chức bổ sung hồ sơ không tính vào thời hạn giải quyết.")
    _line(doc, "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/bà/tổ chức liên hệ Bộ phận Một cửa để được hướng dẫn.")
    _signatures(doc, ("", ""), ("NGƯỜI HƯỚNG DẪN", event.actor_name))


def _form03(doc, session, dossier, unit, procedure, base_url):
    event = _require(_event(session, dossier, "refuse") or _event(session, dossier, "reject_submission"), "quyết định từ chối", dossier)
    _heading(doc, session, unit, f"Mã hồ sơ:\n{dossier.code}", event.at.date())
    _title(doc, FORMS["03"])
    _line(doc, f"{_desk(unit)} tiếp nhận hồ sơ của: **{dossier.applicant_name}**")
    _line(doc, f"Nội dung yêu cầu giải quyết: {dossier.request_summary or procedure.name}")
    _line(doc, "Qua xem xét, cơ quan có thẩm quyền thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:")
    _line(doc, event.note, indent=1.0)
    _line(doc, "Xin thông báo để Ông/bà/tổ chức được biết và thực hiện.")
    _signatures(doc, ("", ""), ("NGƯỜI TIẾP NHẬN HỒ SƠ", event.actor_name))


def _form04(doc, session, dossier, unit, procedure, base_url):
    event = _require(_event(session, dossier, "apologize"), "văn bản xin lỗi", dossier)
    _heading(doc, session, unit, "Số: ……/……", event.at.date())
    _title(doc, FORMS["04"])
    _line(doc, f"Kính gửi: **{dossier.applicant_name}**", align=CENTER)
    _line(doc, f"Ngày {vn.fmt_date(dossier.received_at)}, {unit.name} tiếp nhận giải quyết hồ sơ của Ông/bà/tổ chức, mã hồ sơ "
               f"{dossier.code}, thủ tục {procedure.name}. Thời hạn trả kết quả giải quyết hồ sơ: {_clock_time(dossier.due_at)}.", indent=1.0)
    _line(doc, f"Tuy nhiên, đến nay cơ quan chưa trả kết quả giải quyết hồ sơ cho Ông/bà/tổ chức đúng thời hạn. Lý do: {event.note}", indent=1.0)
    _line(doc, f"Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của Ông/bà/tổ chức. {unit.name} trân trọng xin lỗi "
               f"và hẹn trả kết quả giải quyết hồ sơ vào: {_clock_time(dossier.extended_due_at)}.", indent=1.0)
    _line(doc, "Rất mong nhận được sự thông cảm của Ông/bà/tổ chức.", indent=1.0)
    _signatures(doc, ("", ""), ("THỦ TRƯỞNG CƠ QUAN", event.actor_name))


def _form05(doc, session, dossier, unit, procedure, base_url):
    event = _require(_event(session, dossier, "stop") or _event(session, dossier, "withdraw"), "quyết định dừng giải quyết", dossier)
    _heading(doc, session, unit, f"Mã hồ sơ:\n{dossier.code}", event.at.date())
    _title(doc, FORMS["05"])
    _line(doc, f"Kính gửi: **{dossier.applicant_name}**", align=CENTER)
    _line(doc, f"{unit.name} thông báo dừng giải quyết hồ sơ mã {dossier.code}, thủ tục {procedure.name}, "
               f"tiếp nhận ngày {vn.fmt_date(dossier.received_at)}.", indent=1.0)
    _line(doc, f"Lý do: {event.note}", indent=1.0)
    _line(doc, "Hồ sơ được trả lại cho Ông/bà/tổ chức tại Bộ phận Một cửa.", indent=1.0)
    _signatures(doc, ("", ""), ("THỦ TRƯỞNG CƠ QUAN", event.actor_name))


def _form06(doc, session, dossier, unit, procedure, base_url):
    _heading(doc, session, unit, f"Mã hồ sơ:\n{dossier.code}", (dossier.received_at or clock.now()).date())
    _title(doc, FORMS["06"])
    _line(doc, f"Kèm theo hồ sơ của: **{dossier.applicant_name}**")
    _line(doc, f"Thủ tục: {procedure.name}. Ngày nhận: {vn.fmt_datetime(dossier.received_at)}; hẹn trả: {vn.fmt_datetime(dossier.due_at)}.")
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({s.unit_id for s in dossier.steps if s.unit_id}))).all())
    rows = []
    for s in dossier.steps:
        given = f"Giao: {vn.fmt_datetime(s.started_at)}\nHạn: {vn.fmt_datetime(s.due_at)}"
        done = f"Chuyển: {vn.fmt_datetime(s.ended_at)}" if s.ended_at else "Đang xử lý"
        result = Timeliness(s.timeliness).label if s.timeliness else ""
        rows.append([f"{s.step_seq}. {s.name}\n{names.get(s.unit_id, '')} ({StepRole(s.role).label})", given, done, result, s.note or ""])
    _grid(doc, ["Tên cơ quan, bước xử lý", "Thời gian giao, nhận hồ sơ", "Thời gian chuyển", "Kết quả (trước hạn/đúng hạn/quá hạn)", "Ghi chú"],
          rows or [["(Chưa có bước xử lý)", "", "", "", ""]], [5.0, 3.6, 3.0, 2.6, 2.3], size=10.5)


# ---- Mẫu 07: the register ---------------------------------------------------------------------------------------
def build_register(session: Session, unit: Unit, unit_ids_select, start: date, end: date) -> Document:
    """Sổ theo dõi hồ sơ of a unit (and what is under it) for dossiers received in [start, end]."""
    if end < start:
        raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.", field="den_ngay")
    window = (Dossier.received_at >= datetime.combine(start, datetime.min.time()),
              Dossier.received_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    query = (select(Dossier, Procedure.name).join(Procedure, Procedure.id == Dossier.procedure_id)
             .where(Dossier.unit_id.in_(unit_ids_select), *window).order_by(Dossier.received_at, Dossier.id)
             .limit(REGISTER_MAX_ROWS + 1))
    records = session.execute(query).all()
    if len(records) > REGISTER_MAX_ROWS:
        raise ValidationError(f"Khoảng thời gian có hơn {vn.fmt_int(REGISTER_MAX_ROWS)} hồ sơ: hãy chọn khoảng ngắn hơn để in sổ.", field="den_ngay")
    doc = Document()
    setup_a4(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(1.5)
    _heading(doc, session, unit, "", end)
    _title(doc, FORMS["07"], f"(từ ngày {vn.fmt_date(start)} đến ngày {vn.fmt_date(end)})")
    rows = []
    for i, (d, proc_name) in enumerate(records, 1):
        rows.append([
            str(i), d.code, proc_name, str(d.copies), d.applicant_name,
            "; ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
            vn.fmt_datetime(d.received_at), vn.fmt_datetime(d.due_at), vn.fmt_datetime(d.ended_at),
            vn.fmt_datetime(d.returned_at), Timeliness(d.timeliness).label if d.timeliness else "",
        ])
    _grid(doc, ["STT", "Mã hồ sơ", "Tên TTHC", "Số bộ", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại", "Nhận hồ sơ",
                "Hẹn trả kết quả", "Kết thúc xử lý", "Trả kết quả", "Ghi chú"],
          rows or [["", "(Không có hồ sơ trong khoảng thời gian này)"] + [""] * 9],
          [1.0, 3.6, 4.2, 1.1, 2.8, 3.0, 2.0, 2.0, 2.0, 2.0, 2.2], size=9)
    paragraph(doc, f"Tổng số: {vn.fmt_int(len(records))} hồ sơ.", italic=True, indent=None, before=6)
    return doc


def save(doc: Document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def to_bytes(doc: Document) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

