"""Charts of the report (matplotlib, PNG): on-time and online rates by level, and the trend over
the last periods, drawn in a font that has every Vietnamese letter."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cchc.errors import CchcError
from cchc.reports.assembly import chart_data

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


def _fmt(v: float) -> str:
    text = f"{v:.2f}".replace(".", ",")
    return text[:-3] if text.endswith(",00") else text


def bar_chart(path: Path, title: str, items: list[tuple[str, float]], ylabel: str = "Tỷ lệ (%)") -> Path:
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=find_font())
    plt, fig, ax = _figure()
    labels = [k for k, _ in items]
    values = [v for _, v in items]
    bars = ax.bar(labels, values, color=["#1f4e79", "#2e75b6", "#9dc3e6"][: len(values)] or "#1f4e79", width=0.55)
    for bar, v in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, _fmt(v) + "%", ha="center", va="bottom", fontproperties=font, fontsize=9)
    ax.set_ylim(0, 110)
    ax.set_title(title, fontproperties=font, fontsize=11)
    ax.set_ylabel(ylabel, fontproperties=font, fontsize=9)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def trend_chart(path: Path, title: str, points) -> Path:
    from matplotlib.font_manager import FontProperties

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
                ax.annotate(_fmt(v) + "%", (i, v), textcoords="offset points", xytext=(0, 6), ha="center", fontproperties=font, fontsize=8)
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
    if data["on_time_by_level"]:
        title = "Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp"
        out.append((title, bar_chart(directory / "ty_le_dung_han.png", title, data["on_time_by_level"])))
    if data["online_by_level"]:
        title = "Tỷ lệ hồ sơ nộp trực tuyến theo cấp"
        out.append((title, bar_chart(directory / "ty_le_truc_tuyen.png", title, data["online_by_level"])))
    if len(data["trend"]) > 1 and any(p.on_time_rate is not None or p.online_rate is not None for p in data["trend"]):
        title = f"Xu hướng qua {len(data['trend'])} kỳ báo cáo gần nhất"
        out.append((title, trend_chart(directory / "xu_huong.png", title, data["trend"])))
    return out
