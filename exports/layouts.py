"""One-off printed forms: 志愿服务记录证明, 协商会议记录 with its 签到表. PDF only, same font as the ledgers."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from exports.fonts import cjk_font
from exports.pdf import NumberedCanvas, Section, para

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN
FORM_WIDTHS = [26 * mm, WIDTH / 2 - 26 * mm, 26 * mm, WIDTH / 2 - 26 * mm]
WIDE_VALUE = WIDTH - 26 * mm  # a value cell spanning the three right-hand columns
PAD = 6
LABEL_SHADE = colors.HexColor("#EEEEEE")

CERTIFICATE_FIELDS = (
    "number", "name", "id_type", "id_number", "volunteer_number", "period", "hours", "content",
    "organization", "person_in_charge", "handler", "contact_phone", "issued_on", "statement", "title",
    "contact_role",
)
MEETING_FIELDS = (
    "title", "community", "date", "place", "form", "host", "recorder", "topic", "minutes",
    "agree", "oppose", "abstain", "outcome", "procedure", "present",
)
DEFAULT_STATEMENT = "兹证明上述志愿者的志愿服务记录真实有效，特此证明。"


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()

    def style(name: str, size: float, leading: float, align: int = TA_LEFT) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, alignment=align, wordWrap="CJK")

    return {
        "title": style("title", 20, 28, TA_CENTER),
        "label": style("label", 11, 15, TA_CENTER),
        "value": style("value", 11, 15),
        "statement": ParagraphStyle("statement", fontName=font, fontSize=12, leading=20, firstLineIndent=24,
                                    wordWrap="CJK"),
        "small": style("small", 10, 14),
        "right": style("right", 11, 15, TA_RIGHT),
        "seal": style("seal", 12, 18, TA_RIGHT),
        "cell": style("cell", 11, 14, TA_CENTER),
    }


def _check(fields: Mapping[str, Any], known: Sequence[str], what: str) -> dict[str, str]:
    """Plain strings for every known field; an unknown key is a caller's typo, not data to drop."""
    unknown = set(fields) - set(known)
    if unknown:
        raise ValueError(f"unknown {what} fields: {sorted(unknown)}")
    return {k: "" if fields.get(k) is None else str(fields[k]) for k in known}


def _form(rows: list[list[Any]], heights: list[float | None] | None = None, spans: Sequence[tuple] = (),
          split_rows: bool = False, pad: float = PAD) -> Table:
    """A bordered label/value form, labels shaded: four columns, or two when every value is wide."""
    widths = FORM_WIDTHS if len(rows[0]) == 4 else [FORM_WIDTHS[0], WIDE_VALUE]
    table = Table(rows, colWidths=widths, rowHeights=heights, splitInRow=1 if split_rows else 0)
    spanned = {start[1] for start, _ in spans}
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]
    if len(widths) == 4:
        commands += [("BACKGROUND", (2, r), (2, r), LABEL_SHADE) for r in range(len(rows)) if r not in spanned]
    commands += [("SPAN", start, end) for start, end in spans]
    table.setStyle(TableStyle(commands))
    return table


def _at_least(p: Paragraph, minimum: float) -> float | None:
    """A row height of at least minimum; None (grow freely) when the text needs more."""
    needed = p.wrap(WIDE_VALUE - 10, 100_000)[1] + 2 * PAD
    return minimum if needed < minimum else None


def certificate_pdf(path: str | os.PathLike, fields: Mapping[str, Any]) -> None:
    """志愿服务记录证明 on one A4 portrait page, with an empty area for the seal.

    fields (plain strings, prepared by the caller): number, name, id_type, id_number, volunteer_number,
    period, hours, content, organization, person_in_charge, handler, contact_phone, issued_on;
    optional statement (default: 兹证明…) and title (default: 志愿服务记录证明).
    """
    f = _check(fields, CERTIFICATE_FIELDS, "certificate")
    s = _styles()
    lab, val = partial(para, style=s["label"]), partial(para, style=s["value"])
    content = val(f["content"])
    rows = [
        [lab("姓名"), val(f["name"]), lab("证件类型"), val(f["id_type"])],
        [lab("证件号码"), val(f["id_number"]), "", ""],
        [lab("志愿者编号"), val(f["volunteer_number"]), "", ""],
        [lab("服务时段"), val(f["period"]), "", ""],
        [lab("服务时长"), val(f["hours"]), "", ""],
        [lab("服务内容"), content, "", ""],
        [lab("出具单位"), val(f["organization"]), "", ""],
        [lab("单位负责人"), val(f["person_in_charge"]), lab("经办人"), val(f["handler"])],
        [lab(f"联系电话（{f['contact_role']}）" if f["contact_role"] else "联系电话"), val(f["contact_phone"]),
         lab("出具日期"), val(f["issued_on"])],
    ]
    spans = [((1, r), (3, r)) for r in range(1, 7)]
    heights: list[float | None] = [None] * len(rows)  # padding makes a one-line row about 12 mm
    heights[5] = _at_least(content, 36 * mm)
    table = _form(rows, heights, spans, pad=9)

    # The seal goes over the organisation's name and the date, as on any paper certificate.
    seal = Table([[para("出具单位（盖章）", s["seal"])], [""], [para(f["organization"], s["seal"])],
                  [para(f["issued_on"] or "年\u3000\u3000月\u3000\u3000日", s["seal"])]],
                 colWidths=[95 * mm], rowHeights=[None, 24 * mm, None, None], hAlign="RIGHT")
    seal.setStyle(TableStyle([("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

    # Names are printed in the form; the signatures go here, by hand.
    line = "_" * 16
    signatures = _side_by_side([f"单位负责人（签字）：{line}", f"经办人（签字）：{line}"], s["value"])

    story = [
        para(f"编号：{f['number']}", s["right"]),
        Spacer(0, 8 * mm),
        para(f["title"] or "志愿服务记录证明", s["title"], bold=True),
        Spacer(0, 10 * mm),
        table,
        Spacer(0, 8 * mm),
        para(f["statement"] or DEFAULT_STATEMENT, s["statement"]),
        Spacer(0, 10 * mm),
        signatures,
        Spacer(0, 6 * mm),
        seal,
    ]
    doc = SimpleDocTemplate(os.fspath(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=f["title"] or "志愿服务记录证明")
    doc.build(story)


def _participants_by_role(participants: Sequence[Mapping[str, Any]]) -> str:
    """`居民代表：张三、李四` one role a line, roles in the order they first appear."""
    groups: dict[str, list[str]] = {}
    for p in participants:
        groups.setdefault(str(p.get("role") or "其他"), []).append(str(p.get("name") or ""))
    return "\n".join(f"{role}（{len(names)}人）：{'、'.join(names)}" for role, names in groups.items())


def _side_by_side(texts: Sequence[str], style: ParagraphStyle) -> Table:
    """Texts spread over one line without borders (a Paragraph would collapse the spaces between them)."""
    table = Table([[para(t, style) for t in texts]], colWidths=[WIDTH / len(texts)] * len(texts))
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _votes(m: dict[str, str]) -> str:
    if not (m["agree"] or m["oppose"] or m["abstain"]):
        return ""
    blank = "\u3000\u3000"
    return f"同意 {m['agree'] or blank} 票，反对 {m['oppose'] or blank} 票，弃权 {m['abstain'] or blank} 票"


def minutes_pdf(path: str | os.PathLike, meeting: Mapping[str, Any], participants: Sequence[Mapping[str, Any]],
                *, blank_rows: int = 5) -> None:
    """协商会议记录, then on a new page the 签到表 with an empty 签名 column (and blank rows for walk-ins).

    meeting (plain strings): date, place, form, host, recorder, topic, minutes, agree, oppose, abstain,
    outcome; optional title (default 协商会议记录), community, procedure (the topic's 四议两公开 record,
    one step a line) and present (实到; blank: filled in by hand once the sheet is signed). participants: {name, role, unit?}.
    """
    m = _check(meeting, MEETING_FIELDS, "meeting")
    s = _styles()
    lab, val = partial(para, style=s["label"]), partial(para, style=s["value"])
    record = val(m["minutes"])
    top = _form([
        [lab("会议时间"), val(m["date"]), lab("会议地点"), val(m["place"])],
        [lab("会议形式"), val(m["form"]), lab("主持人"), val(m["host"])],
        [lab("记录人"), val(m["recorder"]), lab("参会人数"), val(f"{len(participants)} 人")],
    ])
    # Two columns without spans below: reportlab loses a SPAN when it splits a row over two pages,
    # and a long 会议记录 must continue on the next page.
    bottom = _form([
        [lab("协商议题"), val(m["topic"])],
        [lab("参会人员"), val(_participants_by_role(participants))],
        [lab("会议记录"), record],
        [lab("表决情况"), val(_votes(m))],
        [lab("协商结果"), val(m["outcome"])],
        *([[lab("四议两公开"), val(m["procedure"])]] if m["procedure"] else []),
    ], [None, None, _at_least(record, 80 * mm), None, None] + ([None] if m["procedure"] else []), split_rows=True)  # short record: room to write
    bottom.setStyle(TableStyle([("VALIGN", (1, 2), (1, 2), "TOP")]))  # typed text on top, handwriting below

    title = m["title"] or "协商会议记录"
    story: list[Any] = [Section(0), para(title, s["title"], bold=True), Spacer(0, 4 * mm)]
    if m["community"]:
        story += [para(f"单位：{m['community']}", s["small"]), Spacer(0, 2 * mm)]
    story += [top, bottom, Spacer(0, 12 * mm), _side_by_side(["主持人（签字）：", "记录人（签字）："], s["value"])]

    story += [PageBreak(), Section(1), para("签到表", s["title"], bold=True), Spacer(0, 4 * mm),
              _side_by_side([f"会议：{m['topic']}"], s["value"]),
              _side_by_side([f"时间：{m['date']}", f"地点：{m['place']}", f"应到：{len(participants)} 人",
                            f"实到：{m['present'] or '____'} 人"], s["value"]),
              Spacer(0, 4 * mm)]
    sheet = [[para(h, s["cell"], bold=True) for h in ("序号", "姓名", "身份/单位", "签名")]]
    for i, p in enumerate(participants, 1):
        who = "／".join(str(x) for x in (p.get("role"), p.get("unit")) if x)
        sheet.append([str(i), para(str(p.get("name") or ""), s["cell"]), para(who, s["cell"]), ""])
    sheet += [[str(len(participants) + i), "", "", ""] for i in range(1, blank_rows + 1)]
    table = Table(sheet, colWidths=[16 * mm, 34 * mm, 60 * mm, WIDTH - 110 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), cjk_font(), 11),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")),
        # About 12 mm a row: room to sign by hand; a long 身份/单位 makes its row taller, never overflows.
        ("TOPPADDING", (0, 1), (-1, -1), 10),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 10),
    ]))
    story.append(table)
    doc = SimpleDocTemplate(os.fspath(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=title)
    doc.build(story, canvasmaker=NumberedCanvas)


CARE_PERSON_FIELDS = (
    "name", "gender", "birth_date", "id_number", "phone", "address", "groups", "visitor", "community", "as_of",
    "summary",
)
CARE_VISIT_FIELDS = ("date", "method", "visitor", "checklist", "problems", "measures", "referrals")


def care_history_pdf(path: str | os.PathLike, person: Mapping[str, Any], visits: Sequence[Mapping[str, Any]],
                     *, others: Sequence[str] = ()) -> int:
    """关爱对象探访记录: one person's details, then every visit as a block (清单、问题、措施、转介), newest first.

    person (plain strings, numbers masked by the caller): name, gender, birth_date, id_number, phone, address,
    groups (each group with its risk level and state), visitor, community, as_of, summary (探访 n 次…).
    visits: date, method, visitor, checklist (the findings), problems, measures, referrals (one a line).
    others: 转介 not opened from a visit, one a line. Returns the pages written.
    """
    p = _check(person, CARE_PERSON_FIELDS, "care person")
    s = _styles()
    lab, val = partial(para, style=s["label"]), partial(para, style=s["value"])
    title = f"关爱对象探访记录（{p['name']}）"
    details = _form([
        [lab("姓名"), val(p["name"]), lab("性别"), val(p["gender"])],
        [lab("出生日期"), val(p["birth_date"]), lab("身份证号"), val(p["id_number"])],
        [lab("联系电话"), val(p["phone"]), lab("住址"), val(p["address"])],
        [lab("所属类别"), val(p["groups"]), "", ""],
        [lab("责任探访人"), val(p["visitor"]), lab("探访次数"), val(p["summary"])],
    ], spans=[((1, 3), (3, 3))], pad=4)
    story: list[Any] = [Section(0, title), para(title, s["title"], bold=True), Spacer(0, 3 * mm),
                        _side_by_side([f"单位：{p['community']}", f"截至：{p['as_of']}"], s["small"]),
                        Spacer(0, 2 * mm), details, Spacer(0, 6 * mm)]
    if not visits:
        story.append(para("还没有探访记录。", s["value"]))
    for v in visits:
        v = _check(v, CARE_VISIT_FIELDS, "care visit")
        head = f"{v['date']}\u3000{v['method']}\u3000探访人：{v['visitor']}"
        rows = [[para(head, s["value"], bold=True), ""]]
        rows += [[lab(label), val(v[key])] for key, label in (
            ("checklist", "探访清单"), ("problems", "发现问题"), ("measures", "帮扶措施"), ("referrals", "转介与办理"))
            if v[key]]
        if len(rows) == 1:
            rows.append([lab("情况"), val("（本次未勾选清单项，未发现问题）")])
        block = _form(rows, spans=[((0, 0), (1, 0))], pad=4)
        block.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9"))]))
        story += [KeepTogether([block, Spacer(0, 4 * mm)])]  # a visit is not cut in two between pages
    if others:
        story += [para("未随探访登记的转介", s["value"], bold=True), Spacer(0, 1 * mm),
                  para("\n".join(others), s["value"]), Spacer(0, 4 * mm)]
    story += [Spacer(0, 6 * mm), _side_by_side(["探访负责人（签字）：", "审核人（签字）：", f"打印日期：{p['as_of']}"],
                                               s["value"])]
    doc = SimpleDocTemplate(os.fspath(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=title)
    doc.build(story, canvasmaker=NumberedCanvas)
    return doc.page
