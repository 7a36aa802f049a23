"""One 关爱对象's visit history as a printable document: every group, visit, finding and 转介 with its state."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app import care
from app import settings as settings_module
from app.access import require_admin
from app.documents import write_safely
from app.errors import NotFound, UserError
from app.ledgers import Masker, _address
from app.records import require
from db.care import REGISTER
from db.store import Row, Store

EVERY_VISIT = 100_000  # the printed history has every visit, not the window's last hundred


def find_person_in_care(store: Store, text: str) -> Row:
    """The one person in care (any group, any state) a name or ID number names; a clear message otherwise."""
    wanted = (text or "").strip()
    if not wanted:
        raise UserError("请写出关爱对象的姓名或身份证号")
    found = store.query(
        f"""SELECT DISTINCT p.* FROM people p JOIN {REGISTER} m ON m.person_id = p.id
            WHERE p.deleted_at IS NULL AND m.deleted_at IS NULL AND (p.name = ? OR p.id_number = ?)
            ORDER BY p.sort_key""", [wanted, wanted.upper()])
    if not found:
        raise NotFound(f"找不到关爱对象“{wanted}”，请核对姓名或身份证号")
    if len(found) > 1:
        raise UserError(f"有 {len(found)} 位关爱对象叫“{wanted}”，请用身份证号指明")
    return found[0]


def _referral_text(r: Row, today: date) -> str:
    """转介 区残联（部门），期限 2026-12-05，状态：已办结 2026-12-03，补贴已发放."""
    line = f"转介 {r['target']}（{r['target_kind']}），期限 {r['due_on']}，状态：{r['state']}"
    if r["state"] == "已接收" and r.get("received_on"):
        line += f" {r['received_on']}"
    if r["state"] == "已办结":
        line += f" {r.get('closed_on') or ''}".rstrip() + (f"，{r['outcome']}" if r.get("outcome") else "")
    elif r["due_on"] < today.isoformat():
        line += "（已逾期）"
    return line


def _checklist_text(findings: list[dict[str, Any]]) -> str:
    return "；".join(f["item"] + (f"：{f['note']}" if f.get("note") else "") for f in findings)


def history_document(store: Store, person_id: str, *, masked: bool = True,
                     today: date | None = None) -> tuple[dict[str, str], list[dict[str, str]], list[str]]:
    """(person, visits, other referrals) as exports.layouts.care_history_pdf prints them."""
    today = today or store.clock.today()
    person = require(store, "people", person_id, "居民")
    mask = Masker(masked)
    members = care.memberships(store, person_id)
    visits = care.visit_history(store, person_id, limit=EVERY_VISIT)
    home = sum(v["method"] == "上门" for v in visits)
    config = settings_module.load(store)
    fields = {
        "name": person["name"], "gender": person["gender"] or "", "birth_date": person["birth_date"] or "",
        "id_number": mask.id(person["id_number"]), "phone": mask.phone(person["phone"]),
        "address": _address(person),
        "groups": "、".join(f"{m['group_name']}（{m['risk_level']}，{m['status']}）" for m in members) or "—",
        "visitor": "、".join(dict.fromkeys(m["responsible_visitor"] for m in members if m["responsible_visitor"])),
        "community": " ".join(x for x in (config.street, config.community_name) if x),
        "as_of": today.isoformat(),
        "summary": f"共 {len(visits)} 次，其中上门 {home} 次",
    }
    rows = []
    for v in visits:
        follow = [_referral_text(r, today) for r in v["referrals"]]
        rows.append({"date": v["date"], "method": v["method"], "visitor": v["visitor"] or "",
                     "checklist": _checklist_text(v["findings"]), "problems": v.get("problems") or "",
                     "measures": v.get("measures") or "",
                     "referrals": "\n".join(([v["referral"]] if v.get("referral") else []) + follow)})
    seen = {v["id"] for v in visits}
    others = [f"{r['referred_on']} {r['problem']}：{_referral_text(r, today)}"
              for r in care.referrals(store, person_id=person_id) if r["visit_id"] not in seen]
    return fields, rows, others


def write_history(store: Store, person_id: str, path: str | Path, *, masked: bool = True,
                  today: date | None = None) -> Path:
    """The visit history as a PDF; full ID number and phone only for a 管理员, and then audited."""
    from exports.layouts import care_history_pdf

    if not masked:
        require_admin(store, "导出完整的身份证号和电话")
    person, visits, others = history_document(store, person_id, masked=masked, today=today)
    write_safely(lambda: care_history_pdf(path, person, visits, others=others), path)
    if not masked:
        store.log_event("export", "people", person_id, detail={"document": "关爱对象探访记录", "masked": False})
    return Path(path)
