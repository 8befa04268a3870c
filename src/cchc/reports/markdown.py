"""The report as Markdown: the same text as the DOCX, for review, diffs and tests."""

from __future__ import annotations

import re
from pathlib import Path

from cchc.reports.assembly import Report, chart_data, percent


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report, chart_files: list[tuple[str, Path]] | None = None, base: Path | None = None) -> str:
    h = report.header
    lines: list[str] = []
    if h.superior:
        lines.append(h.superior)
    lines += [f"**{b}**" for b in h.body]
    lines += ["", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "**Độc lập - Tự do - Hạnh phúc**", "", h.number, "", f"*{h.place_date}*", ""]
    lines += ["# BÁO CÁO", "", f"**{h.subject}**", "", f"*{h.window}*", "", f"Kính gửi: {h.recipient}", "", h.legal_basis, ""]
    for sec in report.sections:
        lines.append(("## " if sec.level == 1 else "### ") + sec.title)
        lines.append("")
        for b in sec.blocks:
            # A draft is quoted, so that it never reads as the unit's own words.
            quote = "> " if b.draft else ""
            if b.kind == "draft_note":
                lines += [f"> ***{b.text}***", ">"]
            elif b.kind == "bullet":
                lines.append(f"{quote}- {b.text}")
            elif b.kind == "sub":
                lines.append(f"{quote}    + {b.text}")
            elif b.kind == "subheading":
                lines += ["", f"{quote}*{b.text}*", ""]
            elif b.kind == "missing":
                lines += [f"*{b.text}*", ""]
            elif b.draft:
                lines += [f"> {b.text}", ">"]
            else:
                lines += [b.text, ""]
        if lines and lines[-1] == ">":
            lines[-1] = ""
        if sec.key == "II.6" and chart_files:
            lines.append("")
            for title, path in chart_files:
                rel = path.relative_to(base) if base is not None and path.is_relative_to(base) else path
                lines += [f"![{title}]({rel.as_posix()})", ""]
        lines.append("")
    lines += [report.closing, "", "**Nơi nhận:**", ""]
    lines += [f"- {r}" for r in report.header.recipients]
    lines += [""] + [f"**{s}**" for s in h.signature] + [""]
    if h.signer:
        lines += [f"**{h.signer}**", ""]
    data = chart_data(report)
    if data["trend"]:
        lines += ["", "### Xu hướng qua các kỳ", "", "| Kỳ | Tỷ lệ giải quyết đúng hạn | Tỷ lệ hồ sơ trực tuyến |", "|---|---|---|"]
        for p in data["trend"]:
            lines.append(f"| {p.label} | {percent(p.on_time_rate)} | {percent(p.online_rate)} |")
        lines.append("")
    lines += ["", "---", "", "## Phụ lục", "", f"**{report.appendix_title}**", "", f"*{report.appendix_ref}*", ""]
    for t in report.tables:
        lines += [f"### {t.form.name}", "", f"**{t.form.title}**", ""]
        lines += ["| STT | Chỉ tiêu | Đơn vị tính | Số liệu | Ghi chú |", "|---|---|---|---|---|"]
        for row in t.form.rows:
            label = f"**{row.label}**" if row.is_heading else row.label
            lines.append(
                f"| {row.stt} | {_escape_cell(label)} | {_escape_cell(row.unit)} | {t.display(row)} | {_escape_cell(t.notes.get(row.stt, ''))} |"
            )
        lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip() + "\n"


def write(report: Report, path: Path, chart_files: list[tuple[str, Path]] | None = None) -> Path:
    path = Path(path)
    path.write_text(render(report, chart_files, base=path.parent), encoding="utf-8")
    return path
