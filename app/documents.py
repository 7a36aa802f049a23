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
                      path: str | Path | None = None, masked: bool = True) -> Row:
    """Number and register a certificate of one volunteer's confirmed service in a period.

    With a path the PDF is written inside the same transaction: when the file cannot be
    written, the number is not used up.
    """
    today = today or store.clock.today()
    if not masked:
        require_admin(store, "开具显示完整身份证号的证明")
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
            "period_start": start.isoformat(), "period_end": end.isoformat(), "minutes": summary["minutes"],
            "content": values["content"] or (summary["activities"] or "").replace(",", "、"),
            "issued_on": today.isoformat(),
            "handler": values["handler"], "contact": values["contact"],
        })
        if path is not None:
            write_certificate(store, certificate["id"], path, masked=masked)
    return certificate


def certificate_fields(store: Store, certificate: Row, *, masked: bool = True) -> dict[str, str]:
    if not masked:
        require_admin(store, "开具显示完整身份证号的证明")
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
        "organization": config.community_name, "person_in_charge": config.reviewer,
        "handler": certificate["handler"] or "", "contact_phone": certificate["contact"] or "",
        "issued_on": certificate["issued_on"],
    }


def write_certificate(store: Store, certificate_id: str, path: str | Path, *, masked: bool = True) -> Path:
    from exports.layouts import certificate_pdf

    certificate = require(store, "certificates", certificate_id, "证明")
    _writing(lambda: certificate_pdf(path, certificate_fields(store, certificate, masked=masked)), path)
    return Path(path)


def _writing(write, path: str | Path) -> None:
    """Run a document writer; a file that cannot be written becomes a message the user can act on."""
    try:
        write()
    except PermissionError:
        raise UserError(f"无法写入“{Path(path).name}”：文件被占用或没有权限，请关闭该文件或换一个位置。") from None
    except OSError:
        raise UserError(f"无法写入“{path}”，请检查文件夹是否存在、U 盘或磁盘是否可写。") from None


def certificates(store: Store) -> list[Row]:
    """The register of issued certificates, by serial."""
    return queries.certificates(store)


def meeting_document(store: Store, meeting_id: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    meeting = queries.meeting_with_topic(store, meeting_id)
    if meeting is None:
        raise NotFound("找不到该会议，可能已被删除")
    config = settings_module.load(store)
    text = lambda v: "" if v is None else str(v)  # noqa: E731
    fields = {
        "community": config.community_name, "date": meeting["date"], "place": text(meeting["location"]),
        "form": meeting["form"], "host": text(meeting["host"]), "recorder": text(meeting["recorder"]),
        "topic": text(meeting["topic_title"]), "minutes": text(meeting["minutes_text"]),
        "agree": text(meeting["votes_for"]), "oppose": text(meeting["votes_against"]),
        "abstain": text(meeting["votes_abstain"]), "outcome": text(meeting["outcome"]),
    }
    people = [{"name": p["name"], "role": text(p["role"]), "unit": text(p["organization"])}
              for p in participants_of(store, meeting_id)]
    return fields, people


def write_minutes(store: Store, meeting_id: str, path: str | Path) -> Path:
    from exports.layouts import minutes_pdf

    fields, people = meeting_document(store, meeting_id)
    _writing(lambda: minutes_pdf(path, fields, people), path)
    return Path(path)


def meetings_on(store: Store, day: Any) -> list[Row]:
    try:
        when = parse_date(day, field="会议日期")
    except ValidationError:
        raise
    return queries.meetings_on(store, when.isoformat())
