"""时间银行: hours earned from confirmed service, redemptions; never negative."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.errors import UserError
from app.validation import Collector, optional_text, parse_date, parse_minutes, required_text
from app.volunteers import get_volunteer
from db import service as queries
from db.store import Row, Store


def hours_text(minutes: int) -> str:
    """`12.5 小时`: ledgers and messages speak hours, storage keeps minutes."""
    hours = minutes / 60
    return f"{hours:.2f}".rstrip("0").rstrip(".") + " 小时"


def balance(store: Store, volunteer_id: str) -> int:
    """Minutes available: confirmed service minus redemptions."""
    return queries.confirmed_minutes(store, volunteer_id) - queries.redeemed_minutes(store, volunteer_id)


def statement(store: Store, volunteer_id: str) -> list[Row]:
    """The time bank's statement: each confirmed service and redemption with the balance after it."""
    get_volunteer(store, volunteer_id)
    left = 0
    lines = []
    for line in queries.time_bank_lines(store, volunteer_id):
        left += line["earned"] - line["spent"]
        lines.append({"date": line["date"], "what": line["what"], "earned": line["earned"],
                      "spent": line["spent"], "balance": left})
    return lines


def clean_redemption(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """A 兑换 as typed: minutes, date (not after today), reason, handler."""
    c = Collector()
    c.values["volunteer_id"] = data.get("volunteer_id")
    # One 兑换 may spend many days of service, unlike one service record.
    c.field("minutes", parse_minutes, data.get("minutes"), field="兑换时长", max_hours=10000)
    day = c.field("date", parse_date, data.get("date") or today, field="兑换日期")
    if day and day > today:
        c.error("date", "兑换日期不能晚于今天")
    c.field("reason", required_text, data.get("reason"), field="兑换事由", max_length=200)
    c.field("handler", optional_text, data.get("handler"), field="经办人", max_length=30)
    values = c.done()
    values["date"] = day.isoformat()
    return values


def ensure_not_negative(store: Store, volunteer_id: str) -> None:
    """Called inside a write transaction after a change; raising rolls it back."""
    left = balance(store, volunteer_id)
    if left < 0:
        raise UserError(
            f"该志愿者的时间银行已兑换的时长超过确认时长 {hours_text(-left)}，"
            "不能这样修改；请先撤销相应的兑换记录"
        )


def redeem(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Record a 兑换; refused when it would take the balance below zero."""
    today = today or store.clock.today()
    values = clean_redemption(data, today=today)
    get_volunteer(store, values["volunteer_id"])
    with store.transaction():
        available = balance(store, values["volunteer_id"])
        if values["minutes"] > available:
            raise UserError(
                f"时间银行余额不足：现有 {hours_text(available)}，"
                f"本次兑换 {hours_text(values['minutes'])}"
            )
        return store.insert("redemptions", values)


def cancel_redemption(store: Store, redemption_id: str) -> Row:
    return store.delete("redemptions", redemption_id)
