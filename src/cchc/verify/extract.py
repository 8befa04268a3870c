"""Text out of a report: .txt/.md, .docx, .pdf → paragraphs (sentences kept together) and table rows."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cchc.errors import ValidationError


@dataclass
class Document:
    """Paragraphs of running text and table rows (lists of cell texts), each in reading order."""

    paragraphs: list[str] = field(default_factory=list)
    tables: list[list[str]] = field(default_factory=list)


_MARKUP = re.compile(r"\\\*|\*{1,3}|</?i>|</?b>|</?u>|_\{[^}]*\}")
_BULLET = re.compile(r"^\s*(?:#{1,6}\s*|[-+•]\s+)")
_QUOTE = re.compile(r"^(?:\s*>)+ ?")
_END = re.compile(r"[.:;!?)\]»”\"]\s*$")


def clean_markup(text: str) -> str:
    """'**410 TTHC**' → '410 TTHC'; HTML italics and escaped stars removed."""
    return _MARKUP.sub("", text).replace("\xa0", " ")


def split_text(text: str) -> Document:
    """Markdown-ish text (as the seeds) → Document.

    Lines holding a tab, and Markdown pipe-table lines, are table rows. Other lines are grouped into paragraphs at blank lines; a paragraph that
    does not end a sentence is joined with the next one when that one starts in lower case (a line or page break
    inside a sentence). A word cut by a hyphen at the end of a line is joined again.
    """
    doc = Document()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            para = " ".join(s.strip() for s in pending if s.strip())
            pending.clear()
            para = re.sub(r"\s+", " ", para).strip()
            if para:
                doc.paragraphs.append(para)

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _QUOTE.sub("", raw.rstrip())  # a quoted block («> …», a draft) reads as the text it quotes
        pipe = line.strip().startswith("|") and line.strip().endswith("|") and line.count("|") >= 3
        if "\t" in line or pipe:
            flush()
            if pipe and re.fullmatch(r"[\s|:\-]+", line):
                continue  # the |---|---| line under a Markdown table header
            parts = line.strip()[1:-1].split("|") if pipe else line.split("\t")
            cells = [re.sub(r"\s+", " ", clean_markup(c)).strip() for c in parts]
            if any(cells):
                doc.tables.append(cells)
            continue
        stripped = clean_markup(line).strip()
        if not stripped:
            flush()
            continue
        if pending and pending[-1].endswith("-") and stripped[:1].islower():
            pending[-1] = pending[-1][:-1] + stripped
            continue
        pending.append(stripped)
    flush()
    joined: list[str] = []
    for para in doc.paragraphs:
        body = _BULLET.sub("", para)
        unclosed = bool(joined) and joined[-1].count("(") > joined[-1].count(")")
        if joined and ((not _END.search(joined[-1]) and body[:1].islower()) or unclosed):
            joined[-1] = joined[-1].rstrip("-") + ("" if joined[-1].endswith("-") else " ") + body
        else:
            joined.append(para)
    doc.paragraphs = joined
    return doc


def _read_docx(path: Path) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        d = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ValidationError(f"Không đọc được tệp DOCX «{path.name}»: {exc}") from exc
    doc = split_text("\n\n".join(p.text for p in d.paragraphs))
    for table in d.tables:
        for row in table.rows:
            cells: list[str] = []
            previous = None
            for cell in row.cells:
                if cell._tc is previous:  # a merged cell repeats itself; keep it once
                    continue
                previous = cell._tc
                cells.append(re.sub(r"\s+", " ", cell.text).strip())
            if any(cells):
                doc.tables.append(cells)
    return doc


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        run = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True)
        if run.returncode != 0:
            raise ValidationError(f"Không đọc được tệp PDF «{path.name}»: {run.stderr.decode(errors='replace').strip()}")
        return run.stdout.decode("utf-8", errors="replace")
    try:
        from pdfminer.high_level import extract_text
    except ImportError as exc:
        raise ValidationError(
            "Không đọc được tệp PDF: máy chưa có pdftotext (gói poppler-utils) hoặc thư viện pdfminer.six."
        ) from exc
    try:
        return extract_text(str(path))
    except Exception as exc:  # pdfminer raises many unrelated classes for a damaged file
        raise ValidationError(f"Không đọc được tệp PDF «{path.name}»: {exc}") from exc


def _layout_to_text(text: str) -> str:
    """pdftotext -layout output: a line with runs of 2+ spaces between cells is a table row (cells by tab); an
    indented line opens a paragraph (a heading, a bullet, a first line) — the lines of a paragraph after its first
    start at the margin —; a line holding only a page number is left out."""
    out = []
    for line in text.replace("\f", "\n\n").split("\n"):
        if re.search(r"\S {3,}\S", line.strip()) and re.match(r"\s*\d+[.,]?(\d+\.?)*\s", line):
            out.append("\t".join(c for c in re.split(r" {3,}", line.strip())))
        elif re.fullmatch(r"\s*\d{1,3}\s*", line):
            out.append("")
        elif re.match(r"\s{2,}\S", line):
            out += ["", re.sub(r" {2,}", " ", line)]
        else:
            out.append(re.sub(r" {2,}", " ", line))
    return "\n".join(out)


def read_document(path: str | Path) -> Document:
    """Read a report file; unknown suffix or unreadable content → ValidationError (Vietnamese)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"Không tìm thấy tệp «{path}».")
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".markdown", ""):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"Tệp «{path.name}» không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start})."
            ) from exc
        return split_text(text)
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return split_text(_layout_to_text(_pdf_text(path)))
    raise ValidationError(
        f"Không đọc được tệp «{path.name}»: chỉ nhận .txt, .md, .docx hoặc .pdf (tệp này là «{suffix}»)."
    )
