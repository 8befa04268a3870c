"""Charts of the report (matplotlib, PNG): on-time and online rates by level — or, for a unit that receives
at one level, by receiving unit or procedure field — and the trend over the last periods that had dossiers, drawn
in a font that has every Vietnamese letter, their labels written as the report writes rates."""

from __future__ import annotations

import os
import textwrap
from functools import lru_cache
from pathlib import Path

from cchc.errors import CchcError
from cchc.reports.assembly import chart_data
from cchc.reports.wording import percent

# Every letter Vietnamese writes, lower and upper case: a font missing one would draw boxes.
VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
# Preferred faces, best first (Debian: fonts-liberation2, fonts-noto-core, fonts-dejavu-core).
FONT_FILES = (
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "NotoSans-Regular.ttf",
    "NotoSerif-Regular.ttf",
    "DejaVuSans.ttf",
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"), str(Path.home() / ".local/share/fonts"))


class FontMissing(CchcError):
    pass


def covers_vietnamese(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError):
        return False
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    return all(ord(ch) in charmap for ch in letters)


@lru_cache(maxsize=1)
def find_font() -> str:
    """Path of a TTF with every Vietnamese letter; FontMissing (Vietnamese) when there is none."""
    extra = os.environ.get("CCHC_CHART_FONT")
    candidates: list[str] = [extra] if extra else []
    found: dict[str, str] = {}
    for base in FONT_DIRS:
        if not os.path.isdir(base):
            continue
        for root, _dirs, files in os.walk(base):
            for name in files:
                if name in FONT_FILES and name not in found:
                    found[name] = os.path.join(root, name)
    candidates += [found[name] for name in FONT_FILES if name in found]
    for path in candidates:
        if path and os.path.isfile(path) and covers_vietnamese(path):
            return path
    raise FontMissing(
        "Không tìm thấy phông chữ có đủ chữ cái tiếng Việt để vẽ biểu đồ. Hãy cài gói Debian fonts-liberation2 "
        "hoặc fonts-noto-core (apt-get install fonts-liberation2), hoặc đặt biến CCHC_CHART_FONT trỏ tới một tệp .ttf."
    )


def _figure(width: float = 6.4, height: float = 3.4):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    return plt, fig, ax


# How a long unit name is shortened on a chart's axis (the report's text keeps the full name).
SHORT_NAMES = (("Trung tâm Phục vụ hành chính công", "TTPVHCC"), ("Ủy ban nhân dân", "UBND"), ("Bộ phận Một cửa", "BPMC"))


def short_label(label: str, width: int = 28) -> str:
    for long, short in SHORT_NAMES:
        label = label.replace(long, short)
    return "\n".join(textwrap.wrap(label, width)) or label


def bar_chart(path: Path, title: str, items: list[tuple[str, float]], ylabel: str = "Tỷ lệ (%)") -> Path:
    """Bars labelled as the report writes rates ('98,37%', '100%'); up to three short labels stand upright,
    more or longer ones lie down so that every name can be read."""
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=find_font())
    labels = [short_label(k) for k, _ in items]
    values = [float(v) for _, v in items]
    lying = len(items) > 3 or any(len(k) > 16 for k, _ in items)
    plt, fig, ax = _figure(height=max(3.4, 0.55 * len(items) + 1.2) if lying else 3.4)
    colours = ["#1f4e79", "#2e75b6", "#9dc3e6"]
    if lying:
        ys = list(range(len(items)))[::-1]
        bars = ax.barh(ys, values, color="#2e75b6", height=0.6)
        for bar, v in zip(bars, values):
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, percent(v), ha="left", va="center",
                    fontproperties=font, fontsize=8)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels)
        ax.set_xlim(0, 115)
        ax.set_xlabel(ylabel, fontproperties=font, fontsize=9)
    else:
        bars = ax.bar(labels, values, color=colours[: len(values)] or colours[0], width=0.55)
        for bar, v in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, percent(v), ha="center", va="bottom",
                    fontproperties=font, fontsize=9)
        ax.set_ylim(0, 110)
        ax.set_ylabel(ylabel, fontproperties=font, fontsize=9)
    ax.set_title(title, fontproperties=font, fontsize=11)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(8 if lying else 9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def trend_chart(path: Path, title: str, points) -> Path:
    """The rates over the periods that have one: a period with no dossier is left out, not drawn as a gap."""
    from matplotlib.font_manager import FontProperties

    points = [p for p in points if p.on_time_rate is not None or p.online_rate is not None]
    font = FontProperties(fname=find_font())
    plt, fig, ax = _figure()
    labels = [p.label for p in points]
    x = list(range(len(points)))
    for attr, name, color in (("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "#1f4e79"), ("online_rate", "Tỷ lệ hồ sơ trực tuyến", "#c55a11")):
        ys = [getattr(p, attr) for p in points]
        xs = [i for i, y in zip(x, ys) if y is not None]
        vs = [y for y in ys if y is not None]
        if vs:
            ax.plot(xs, vs, marker="o", color=color, label=name)
            for i, v in zip(xs, vs):
                ax.annotate(percent(v), (i, v), textcoords="offset points", xytext=(0, 6), ha="center", fontproperties=font, fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 110)
    ax.set_title(title, fontproperties=font, fontsize=11)
    ax.set_ylabel("Tỷ lệ (%)", fontproperties=font, fontsize=9)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(8)
    ax.legend(prop=FontProperties(fname=find_font(), size=8), loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def render_charts(report, directory: Path) -> list[tuple[str, Path]]:
    """Draw the report's charts into `directory`; (caption, PNG path) of each chart that has data."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = chart_data(report)
    out: list[tuple[str, Path]] = []
    for key, what, name in (("on_time", "giải quyết đúng hạn", "ty_le_dung_han.png"), ("online", "nộp trực tuyến", "ty_le_truc_tuyen.png")):
        by, items = data[key]
        if items:
            title = f"Tỷ lệ hồ sơ {what} theo {by}"
            out.append((title, bar_chart(directory / name, title, items)))
    if len(data["trend"]) > 1 and any(p.on_time_rate is not None or p.online_rate is not None for p in data["trend"]):
        title = f"Xu hướng qua {len(data['trend'])} kỳ báo cáo gần nhất"
        out.append((title, trend_chart(directory / "xu_huong.png", title, data["trend"])))
    return out
