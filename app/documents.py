"""One-record documents: the 志愿服务记录证明 (numbered, kept in a register) and meeting minutes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app import settings as settings_module
from app.access import require_admin
from app.consultation import participants_of
from app.errors import NotFound, UserError, ValidationError
from app.ledgers import Masker
from app.records import require
from app.timebank import hours_text
from app.validation import Collector, normalize_phone, optional_text, parse_date, required_text
from db import ledgers as queries
from db.stamps import next_serial
from db.sync import serial_prefix
from db.store import Row, Store


def issue_certificate(store: Store, data: dict[str, Any], *, today: date | None = None,
                      path: str | Path | None = None, masked: bool = False) -> Row:
    """Number and register a certificate of one volunteer's confirmed service in a period.

    The certificate is the volunteer's own document: it shows the full ID number unless asked to
    mask it. Its 服务时段 is when the volunteer actually served within the period asked for.
    With a path the PDF is written inside the same transaction: when the file cannot be
    written, the number is not used up.
    """
    today = today or store.clock.today()
    c = Collector()
    volunteer = require(store, "volunteers", data.get("volunteer_id") or "", "志愿者")
    start = c.field("period_start", parse_date, data.get("period_start"), field="开始日期")
    end = c.field("period_end", parse_date, data.get("period_end") or today, field="结束日期")
    if start and end and start > end:
        c.error("period_end", "结束日期不能早于开始日期")
    if end and end > today:
        c.error("period_end", "结束日期不能晚于今天")
    c.field("handler", required_text, data.get("handler"), field="经办人", max_length=30)
    c.field("contact", normalize_phone, data.get("contact"))
    c.field("content", optional_text, data.get("content"), field="服务内容", max_length=500)
    values = c.done()
    summary = queries.service_summary(store, volunteer["id"], start.isoformat(), end.isoformat())
    if not summary["minutes"]:
        raise UserError("该志愿者在这段时间没有审核确认的服务时长，不能开具证明")
    year = today.year
    with store.transaction():
        seq = next_serial(store, f"certificates:{year}")
        certificate = store.insert("certificates", {
            "serial": f"ZM{year}-{serial_prefix(store)}{seq:04d}", "year": year, "seq": seq, "volunteer_id": volunteer["id"],
            # The days served, not the window asked for (2026-07-02 至 2026-11-06, not 01-01 至 11-30).
            "period_start": summary["first_day"], "period_end": summary["last_day"], "minutes": summary["minutes"],
            "content": values["content"] or (summary["activities"] or "").replace(",", "、"),
            "issued_on": today.isoformat(),
            "handler": values["handler"], "contact": values["contact"],
        })
        if path is not None:
            write_certificate(store, certificate["id"], path, masked=masked)
    return certificate


def certificate_fields(store: Store, certificate: Row, *, masked: bool = False) -> dict[str, str]:
    volunteer = require(store, "volunteers", certificate["volunteer_id"], "志愿者")
    person = require(store, "people", volunteer["person_id"], "居民")
    config = settings_module.load(store)
    mask = Masker(masked)
    return {
        "number": certificate["serial"], "name": person["name"],
        "id_type": "居民身份证" if person["id_number"] else "", "id_number": mask.id(person["id_number"]),
        "volunteer_number": volunteer["volunteer_no"] or "",
        "period": f"{certificate['period_start']} 至 {certificate['period_end']}",
        "hours": hours_text(certificate["minutes"]), "content": certificate["content"] or "",
        "organization": " ".join(x for x in (config.street, config.community_name) if x),
        "person_in_charge": config.reviewer,
        "handler": certificate["handler"] or "", "contact_phone": certificate["contact"] or "",
        "contact_role": "经办人",
        "issued_on": certificate["issued_on"],
    }


def write_certificate(store: Store, certificate_id: str, path: str | Path, *, masked: bool = False) -> Path:
    from exports.layouts import certificate_pdf

    certificate = require(store, "certificates", certificate_id, "证明")
    write_safely(lambda: certificate_pdf(path, certificate_fields(store, certificate, masked=masked)), path)
    return Path(path)


def write_safely(write, path: str | Path) -> None:
    """Run a PDF writer; a file that cannot be written becomes a message the user can act on, and an
    existing file that is no PDF is never written over."""
    from app.paths import refuse_other_file

    refuse_other_file(path, (".pdf",), "PDF 文件")
    try:
        write()
    except PermissionError:
        raise UserError(f"无法写入“{Path(path).name}”：文件被占用或没有权限，请关闭该文件或换一个位置。") from None
    except OSError:
        raise UserError(f"无法写入“{path}”，请检查文件夹是否存在、U 盘或磁盘是否可写。") from None


def certificates(store: Store, year: int | None = None) -> list[Row]:
    """The register of issued certificates, by serial (voided ones included: a number is never reused)."""
    rows = queries.certificates(store)
    return [r for r in rows if year is None or r["year"] == year]


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: enough to match a paper certificate, not enough to list who volunteers."""
    name = name or ""
    return name[:1] + "*" * (len(name) - 1)


def register_entries(store: Store, year: int | None = None) -> list[dict[str, Any]]:
    """The register as printed and listed: holder masked, hours, period, issued, voided."""
    return [
        {"number": r["serial"], "holder": mask_name(r["name"]), "hours": round(r["minutes"] / 60, 2),
         "period": f"{r['period_start']} 至 {r['period_end']}", "issued_on": r["issued_on"],
         "handler": r["handler"] or "", "voided": bool(r["voided_on"]),
         "voided_on": r["voided_on"] or "", "void_reason": r["void_reason"] or ""}
        for r in certificates(store, year)
    ]


def verify_certificate(store: Store, number: str) -> dict[str, Any]:
    """What the register says of one certificate number (a caller checking a paper certificate)."""
    wanted = (number or "").strip().upper()
    for entry in register_entries(store):
        if entry["number"].upper() == wanted:
            return entry
    raise NotFound(f"证明登记簿中没有编号为“{number}”的证明")


def void_certificate(store: Store, number: str, reason: str, *, today: date | None = None) -> Row:
    """作废 a certificate: kept in the register with the date and reason; its number is not reused.
    Only a 管理员 may (the window and the command line alike)."""
    today = today or store.clock.today()
    require_admin(store, "作废证明")
    text = required_text(reason, field="作废原因", max_length=200)
    found = [r for r in certificates(store) if r["serial"].upper() == (number or "").strip().upper()]
    if not found:
        raise NotFound(f"证明登记簿中没有编号为“{number}”的证明")
    if found[0]["voided_on"]:
        raise UserError(f"证明 {found[0]['serial']} 已于 {found[0]['voided_on']} 作废")
    return store.update("certificates", found[0]["id"], {"voided_on": today.isoformat(), "void_reason": text})


def register_ledger(store: Store, year: int | None = None, *, today: date | None = None):
    """证明登记簿 as a printable Ledger."""
    from exports.ledger import Column, Ledger, Total

    today = today or store.clock.today()
    config = settings_module.load(store)
    rows = [{**e, "voided": f"已作废（{e['voided_on']}，{e['void_reason']}）" if e["voided"] else "有效"}
            for e in register_entries(store, year)]
    columns = [Column("number", "证明编号", 14), Column("holder", "持证人", 8), Column("period", "服务时段", 24),
               Column("hours", "服务时长（小时）", 10, "hours"), Column("issued_on", "出具日期", 11, "date"),
               Column("handler", "经办人", 8), Column("voided", "状态", 22)]
    return Ledger(title="志愿服务记录证明登记簿", community=config.community_name, street=config.street,
                  period=f"{year}年" if year else f"截至{today.isoformat()}", columns=columns, rows=rows,
                  totals=[Total("合计", counts=("holder",))], preparer=config.preparer, reviewer=config.reviewer,
                  prepared_on=today, note="持证人姓名已遮盖；作废的证明保留编号，不再使用。")


def register_years(store: Store) -> list[int]:
    """The years certificates were issued in, newest first (the register's year filter)."""
    return sorted({r["year"] for r in certificates(store)}, reverse=True)


def write_register(store: Store, path: str | Path, year: int | None = None) -> Path:
    """证明登记簿 printed to a PDF (one year, or every certificate)."""
    from exports.pdf import write_pdf

    ledger = register_ledger(store, year)
    write_safely(lambda: write_pdf(ledger, path), path)
    return Path(path)


def meeting_document(store: Store, meeting_id: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    meeting = queries.meeting_with_topic(store, meeting_id)
    if meeting is None:
        raise NotFound("找不到该会议，可能已被删除")
    config = settings_module.load(store)
    text = lambda v: "" if v is None else str(v)  # noqa: E731
    fields = {
        "community": " ".join(x for x in (config.street, config.community_name) if x), "date": meeting["date"], "place": text(meeting["location"]),
        "form": meeting["form"], "host": text(meeting["host"]), "recorder": text(meeting["recorder"]),
        "topic": text(meeting["topic_title"]), "minutes": text(meeting["minutes_text"]),
        "agree": text(meeting["votes_for"]), "oppose": text(meeting["votes_against"]),
        "abstain": text(meeting["votes_abstain"]), "outcome": text(meeting["outcome"]),
        "procedure": "\n".join(_procedure(store, meeting["topic_id"])),
        "present": text(meeting["present"]),  # blank until the meeting is held: written in by hand
    }
    people = [{"name": p["name"], "role": text(p["role"]), "unit": text(p["organization"])}
              for p in participants_of(store, meeting_id)]
    return fields, people


def _procedure(store: Store, topic_id: str | None) -> list[str]:
    """The meeting's topic's 四议两公开 steps as printed in 08 (nothing for an ordinary consultation)."""
    from app.ledgers import procedure_lines

    if not topic_id:
        return []
    topic = store.query("SELECT * FROM topics WHERE id = ? AND deleted_at IS NULL", [topic_id])
    if not topic:
        return []
    return procedure_lines(topic[0], queries.topic_steps(store, [topic_id]).get(topic_id, []))


def write_minutes(store: Store, meeting_id: str, path: str | Path) -> Path:
    from exports.layouts import minutes_pdf

    fields, people = meeting_document(store, meeting_id)
    write_safely(lambda: minutes_pdf(path, fields, people), path)
    return Path(path)


def meetings_on(store: Store, day: Any) -> list[Row]:
    try:
        when = parse_date(day, field="会议日期")
    except ValidationError:
        raise
    return queries.meetings_on(store, when.isoformat())
