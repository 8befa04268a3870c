"""Drafts of sections III (strengths, weaknesses, causes) and IV (directions) from the period's figures: the
trend against earlier periods, the weakest groups of the 766 index and what pulls them down, the units and
procedure fields with the most late or overdue dossiers, tasks and plan items still open.

A draft states what the figures show, in the third person, never a judgement only the unit can make; the report
marks it as a draft for the officer to edit (cchc.reports.assembly), and the officer's own text for the section
replaces it. Thresholds are data (report.yaml, `drafting`). Each function returns (kind, text) pieces: 'bullet',
'para'.
"""

from __future__ import annotations

from cchc.reports.wording import change, count_of, lower_first, n, percent, points, upper_first

Piece = tuple[str, str]


def _num(value) -> float | None:
    return None if value is None else float(value)


def _previous(trend, attr: str):
    """The latest earlier period with a value of `attr` (the trend's last point is the report's own period)."""
    for point in reversed(list(trend)[:-1]):
        if getattr(point, attr, None) is not None:
            return point
    return None


def _moved(now, trend, attr: str, limit: float) -> tuple[float, object, object] | None:
    """(change in points, the earlier period, the trend's first period when it is another and the rate moved the
    same way since then) when the rate moved by at least `limit` points since the earlier period, else None."""
    before = _previous(trend, attr)
    diff = change(now, getattr(before, attr, None)) if before is not None else None
    if diff is None or abs(diff) < limit:
        return None
    first = next((p for p in list(trend)[:-1] if getattr(p, attr, None) is not None), None)
    since = change(now, getattr(first, attr, None)) if first is not None and first is not before else None
    return diff, before, (first if since is not None and since * diff > 0 and abs(since) >= limit else None)


def _compared(moved: tuple, attr: str, now) -> str:
    diff, before, first = moved
    word = "tăng" if diff > 0 else "giảm"
    text = f"{word} {points(abs(diff))} điểm phần trăm so với kỳ trước ({before.label}: {percent(getattr(before, attr))})"
    if first is not None:
        text += f" và {points(abs(change(now, getattr(first, attr))))} điểm phần trăm so với {first.label} ({percent(getattr(first, attr))})"
    return text


def _online(figures: dict) -> tuple[float | None, int, int]:
    d = figures.get("dossiers") or {}
    new, online = int(d.get("new_total") or 0), int(d.get("new_online") or 0)
    return (round(online * 100 / new, 2) if new else None), online, new


def _groups(figures: dict) -> list[dict]:
    """The 766 groups scored in the period, each with its share of the points scored (percent)."""
    idx = figures.get("index766")
    if not isinstance(idx, dict):
        return []
    out = []
    for g in idx.get("groups") or []:
        if isinstance(g, dict) and g.get("scored_maximum"):
            share = round(float(g.get("score") or 0) * 100 / float(g["scored_maximum"]), 2)
            out.append({**g, "share": share})
    return out


def _group_text(g: dict) -> str:
    return f"{lower_first(str(g['name']))} {points(g.get('score'))}/{points(g.get('scored_maximum'))} điểm ({percent(g['share'])})"


def _late(r: dict) -> int:
    return int(r.get("resolved_late") or 0) + int(r.get("in_progress_overdue") or 0)


def _most_late(rows: list[dict], name_key: str, most: int, key=_late) -> list[dict]:
    hit = [r for r in rows if key(r)]
    hit.sort(key=lambda r: (-key(r), str(r.get(name_key))))
    return hit[:most]


def _late_place(r: dict, name_key: str) -> str:
    """'Sở Y tế (2 hồ sơ trễ hạn, 1 hồ sơ quá hạn)'."""
    parts = []
    if int(r.get("resolved_late") or 0):
        parts.append(f"{n(r['resolved_late'])} hồ sơ trễ hạn")
    if int(r.get("in_progress_overdue") or 0):
        parts.append(f"{n(r['in_progress_overdue'])} hồ sơ quá hạn")
    return f"{r.get(name_key)} ({', '.join(parts)})"


def _rows(figures: dict) -> tuple[list[dict], list[dict]]:
    """Receiving units (when the report covers several) and procedure fields (when there are several)."""
    units = (figures.get("dossiers") or {}).get("by_unit") or []
    fields = figures.get("by_field") or []
    return (units if len(units) > 1 else []), (fields if len(fields) > 1 else [])


def _places(figures: dict, most: int) -> tuple[list[str], list[str]]:
    """The units and fields with the most late and overdue dossiers, each with its counts."""
    units, fields = _rows(figures)
    return ([_late_place(r, "unit_name") for r in _most_late(units, "unit_name", most)],
            [_late_place(r, "field_name") for r in _most_late(fields, "field_name", most)])


def _names(groups: list[dict]) -> str:
    return ", ".join(f"«{lower_first(str(g['name']))}»" for g in groups)


def strengths(figures: dict, trend, rules: dict) -> list[Piece]:
    d = figures.get("dossiers") or {}
    limit = float(rules.get("change_noted", 1))
    out: list[Piece] = []
    rate = _num(d.get("on_time_rate"))
    if d.get("resolved_total") and rate is not None and rate >= float(rules.get("on_time_good", 95)):
        text = f"Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt {percent(rate)} ({n(d.get('resolved_in_time'))}/{n(d['resolved_total'])} hồ sơ)"
        moved = _moved(rate, trend, "on_time_rate", limit)
        if moved and moved[0] > 0:
            text += ", " + _compared(moved, "on_time_rate", rate)
        out.append(("bullet", text + "."))
    online, got, new = _online(figures)
    moved = _moved(online, trend, "online_rate", limit)
    if moved and moved[0] > 0:
        out.append(("bullet", (
            f"Tỷ lệ hồ sơ nộp trực tuyến đạt {percent(online)} ({n(got)}/{n(new)} hồ sơ mới tiếp nhận), "
            + _compared(moved, "online_rate", online) + "."
        )))
    strong = [g for g in _groups(figures) if g["share"] >= float(rules.get("group_strong", 90))]
    if strong:
        out.append(("bullet", (
            "Theo Bộ chỉ số 766 tính từ số liệu của hệ thống, các nhóm chỉ số đạt từ "
            f"{percent(rules.get('group_strong', 90))} số điểm trở lên: " + "; ".join(_group_text(g) for g in strong) + "."
        )))
    fb = figures.get("feedback") or {}
    if fb.get("received") and fb.get("resolved") == fb.get("received"):
        out.append(("bullet", (
            f"Đã giải quyết xong {n(fb['resolved'])}/{n(fb['received'])} phản ánh, kiến nghị về quy định TTHC tiếp nhận trong kỳ, "
            f"đạt {percent(fb.get('rate'))}."
        )))
    sat = figures.get("satisfaction")
    if isinstance(sat, dict) and sat.get("ratings") and _num(sat.get("rate")) is not None \
            and float(sat["rate"]) >= float(rules.get("on_time_good", 95)):
        out.append(("bullet", (
            f"Tỷ lệ người dân, tổ chức hài lòng với việc giải quyết TTHC đạt {percent(sat['rate'])} "
            f"({n(sat.get('satisfied_total'))}/{n(sat['ratings'])} phiếu đánh giá)."
        )))
    tasks = figures.get("tasks") or {}
    if tasks.get("assigned_total") and not tasks.get("not_done_overdue") and not tasks.get("done_late"):
        out.append(("bullet", f"Các nhiệm vụ được giao ({n(tasks['assigned_total'])} nhiệm vụ) không có nhiệm vụ quá hạn hoặc hoàn thành chậm."))
    return out


def weaknesses(figures: dict, trend, rules: dict) -> list[Piece]:
    d = figures.get("dossiers") or {}
    limit, weak = float(rules.get("change_noted", 1)), float(rules.get("rate_weak", 50))
    most = int(rules.get("most", 3))
    out: list[Piece] = []
    late, overdue = int(d.get("resolved_late") or 0), int(d.get("in_progress_overdue") or 0)
    if late or overdue:
        text = f"Còn {count_of(late, 'hồ sơ')} giải quyết trễ hạn và {count_of(overdue, 'hồ sơ')} đang giải quyết quá hạn"
        units, fields = _places(figures, most)
        if units:
            text += "; nhiều nhất ở: " + "; ".join(units)
        if fields:
            text += "; theo lĩnh vực: " + "; ".join(fields)
        out.append(("bullet", text + "."))
    rate = _num(d.get("on_time_rate"))
    moved = _moved(rate, trend, "on_time_rate", limit)
    if moved and moved[0] < 0:
        out.append(("bullet", f"Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt {percent(rate)}, " + _compared(moved, "on_time_rate", rate) + "."))
    online, got, new = _online(figures)
    moved = _moved(online, trend, "online_rate", limit)
    if moved and moved[0] < 0:
        out.append(("bullet", (
            f"Tỷ lệ hồ sơ nộp trực tuyến đạt {percent(online)} ({n(got)}/{n(new)} hồ sơ mới tiếp nhận), "
            + _compared(moved, "online_rate", online) + "."
        )))
    elif online is not None and online < weak:
        out.append(("bullet", f"Tỷ lệ hồ sơ nộp trực tuyến mới đạt {percent(online)} ({n(got)}/{n(new)} hồ sơ mới tiếp nhận)."))
    dig = figures.get("digitisation") or {}
    low = []
    for key, what in (("receipt", "số hóa hồ sơ khi tiếp nhận"), ("result", "số hóa kết quả giải quyết")):
        part = dig.get(key) or {}
        if part.get("total") and _num(part.get("rate")) is not None and float(part["rate"]) < weak:
            low.append(f"tỷ lệ {what} mới đạt {percent(part['rate'])} ({n(part.get('digitized'))}/{n(part['total'])} hồ sơ)")
    if low:
        out.append(("bullet", upper_first("; ".join(low)) + "."))
    weak_groups = sorted((g for g in _groups(figures) if g["share"] < float(rules.get("group_weak", 80))), key=lambda g: g["share"])
    if weak_groups:
        out.append(("bullet", "Các nhóm chỉ số 766 đạt thấp: " + "; ".join(_group_text(g) for g in weak_groups) + "."))
    tasks = figures.get("tasks") or {}
    if tasks.get("not_done_overdue") or tasks.get("done_late"):
        out.append(("bullet", (
            f"Nhiệm vụ được giao: còn {count_of(tasks.get('not_done_overdue'), 'nhiệm vụ')} quá hạn chưa hoàn thành, "
            f"{count_of(tasks.get('done_late'), 'nhiệm vụ')} hoàn thành chậm."
        )))
    fb = figures.get("feedback") or {}
    if fb.get("received") and int(fb.get("resolved") or 0) < int(fb["received"]):
        out.append(("bullet", f"Còn {n(int(fb['received']) - int(fb.get('resolved') or 0))} phản ánh, kiến nghị về quy định TTHC chưa giải quyết xong."))
    return out


def causes(figures: dict, trend, rules: dict) -> list[Piece]:
    most = int(rules.get("most", 3))
    out: list[Piece] = []
    for g in sorted((g for g in _groups(figures) if g["share"] < float(rules.get("group_weak", 80))), key=lambda g: g["share"]):
        lost = [
            i for i in g.get("indicators") or []
            if isinstance(i, dict) and i.get("measured") and i.get("maximum") and float(i.get("score") or 0) < float(i["maximum"])
        ]
        lost.sort(key=lambda i: (-(float(i["maximum"]) - float(i.get("score") or 0)), str(i.get("id"))))
        if not lost:
            continue
        items = "; ".join(
            f"chỉ số {i['id']} «{i.get('name')}» đạt {percent(i.get('rate'))}"
            + (f" ({n(i.get('numerator'))}/{n(i.get('denominator'))})" if i.get("denominator") else "")
            + f", {points(i.get('score'))}/{points(i['maximum'])} điểm"
            for i in lost[:most]
        )
        out.append(("bullet", f"Nhóm chỉ số «{lower_first(str(g['name']))}» đạt thấp chủ yếu do {items}."))
    idx = figures.get("index766") if isinstance(figures.get("index766"), dict) else {}
    sync = next((i for g in idx.get("groups") or [] for i in g.get("indicators") or []
                 if isinstance(i, dict) and i.get("metric") == "dossier_sync"), None)
    if sync is not None and sync.get("denominator") and not sync.get("numerator"):
        ids = ", ".join([sync["id"], *[i for i in idx.get("sync_indicators") or [] if i != sync["id"]]])
        out.append(("bullet", f"Hệ thống chưa ghi nhận hồ sơ nào được đồng bộ lên Cổng Dịch vụ công quốc gia, nên chỉ số {ids} không đạt điểm."))
    units, fields = (_most_late(rows, key, most) for rows, key in zip(_rows(figures), ("unit_name", "field_name")))
    if units or fields:
        where = "; ".join(x for x in ("đơn vị " + ", ".join(u["unit_name"] for u in units) if units else "",
                                       "lĩnh vực " + ", ".join(f["field_name"] for f in fields) if fields else "") if x)
        out.append(("bullet", (
            f"Hồ sơ trễ hạn, quá hạn tập trung ở {where}; nguyên nhân của từng hồ sơ cần được xác định từ Phiếu kiểm soát "
            "quá trình giải quyết hồ sơ (Mẫu 06) và văn bản xin lỗi, gia hạn (Mẫu 04)."
        )))
    return out


def directions(figures: dict, trend, rules: dict, *, year: int) -> list[Piece]:
    d = figures.get("dossiers") or {}
    weak, most = float(rules.get("rate_weak", 50)), int(rules.get("most", 3))
    items: list[str] = []
    unit_rows, field_rows = _rows(figures)
    overdue, late = int(d.get("in_progress_overdue") or 0), int(d.get("resolved_late") or 0)
    if overdue:
        holding = _most_late(unit_rows, "unit_name", most, key=lambda r: int(r.get("in_progress_overdue") or 0))
        who = f" tại {', '.join(u['unit_name'] for u in holding)}" if holding else ""
        items.append(
            f"Xử lý dứt điểm {n(overdue)} hồ sơ đang giải quyết quá hạn{who}; thực hiện xin lỗi, hẹn lại ngày trả kết quả "
            "đối với hồ sơ chậm theo quy định."
        )
    late_fields = _most_late(field_rows, "field_name", most, key=lambda r: int(r.get("resolved_late") or 0))
    if late and late_fields:
        items.append(
            "Rà soát quy trình giải quyết TTHC các lĩnh vực có hồ sơ trễ hạn ("
            + ", ".join(f["field_name"] for f in late_fields) + ") để bảo đảm giải quyết đúng hạn."
        )
    elif late:
        items.append("Rà soát nguyên nhân các hồ sơ giải quyết trễ hạn trong kỳ để bảo đảm giải quyết đúng hạn.")
    weak_groups = sorted((g for g in _groups(figures) if g["share"] < float(rules.get("group_weak", 80))), key=lambda g: g["share"])
    if weak_groups:
        items.append(f"Tập trung cải thiện các nhóm chỉ số 766 đạt thấp: {_names(weak_groups)}.")
    online, _, _ = _online(figures)
    if online is not None and online < weak:
        items.append(f"Đẩy mạnh hướng dẫn người dân, tổ chức nộp hồ sơ trực tuyến (tỷ lệ trong kỳ đạt {percent(online)}).")
    dig = figures.get("digitisation") or {}
    result = dig.get("result") or {}
    if result.get("total") and _num(result.get("rate")) is not None and float(result["rate"]) < weak:
        items.append(f"Đẩy mạnh số hóa kết quả giải quyết TTHC (tỷ lệ trong kỳ đạt {percent(result['rate'])}).")
    tasks = figures.get("tasks") or {}
    if tasks.get("not_done_overdue"):
        items.append(f"Hoàn thành {n(tasks['not_done_overdue'])} nhiệm vụ được giao đang quá hạn.")
    plan = figures.get("plan") or {}
    if plan.get("total") and int(plan.get("done") or 0) < int(plan["total"]):
        items.append(
            f"Tiếp tục triển khai {n(int(plan['total']) - int(plan.get('done') or 0))} nhiệm vụ còn lại của Kế hoạch cải cách hành chính "
            f"năm {plan.get('year') or year} (đã hoàn thành {n(plan.get('done'))}/{n(plan['total'])} nhiệm vụ)."
        )
    items.append(f"Tiếp tục thực hiện các nhiệm vụ cải cách hành chính theo kế hoạch năm {year}; duy trì các kết quả đã đạt được.")
    return [("para", f"{i}. {text}") for i, text in enumerate(items, start=1)]


DRAFTS = {"strengths": strengths, "weaknesses": weaknesses, "causes": causes}


def draft(kind: str, figures: dict, trend, rules: dict, *, year: int) -> list[Piece]:
    """The pieces of the draft `kind` (strengths, weaknesses, causes, directions); [] when the figures say nothing."""
    if kind == "directions":
        return directions(figures, trend, rules, year=year)
    return DRAFTS[kind](figures, trend, rules)
