"""设置 › 关爱对象类别: an administrator adds a group and changes its rules through app/care.py;
a 工作人员 sees the rules read-only; every field checked with a Chinese message."""

from __future__ import annotations

import pytest

from app import care
from tests.ui.conftest import settle
from tests.ui.test_accounts_ui import staff_store, staff_window  # noqa: F401 (fixtures)


def open_panel(qtbot, window, group: str | None = None):
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.care_groups
    page.tabs.setCurrentWidget(panel)
    if group:
        panel.list.setCurrentRow([g.name for g in panel.groups].index(group))
    return panel


def test_the_administrator_changes_a_groups_rules(qtbot, window):
    store = window.ops.store
    panel = open_panel(qtbot, window, "困境儿童")
    assert panel.name.text() == "困境儿童" and panel.name.isReadOnly()  # a built-in group keeps its name
    assert panel.max_age.text() == "17" and panel.field_boxes["guardian"].isChecked()
    panel.intervals["一般"].setCurrentText("每季度")
    panel.methods["重点"]["电话"].setChecked(False)
    panel.checklist.setPlainText(panel.checklist.toPlainText() + "\n网络沉迷")
    panel.responsible.setText("儿童督导员")
    assert panel.save_button.isEnabled()
    panel.save()
    settle(qtbot, window)
    group = care.group_named(store, "困境儿童")
    assert group.intervals["一般"] == "quarter" and group.counting["重点"] == ["上门", "视频"]
    assert group.checklist[-1] == "网络沉迷" and group.responsible == "儿童督导员"
    assert "已保存" in panel.message.text()
    assert panel.current.id == group.id and panel.intervals["一般"].currentText() == "每季度"


@pytest.mark.parametrize("change, key, message", [
    (lambda p: p.checklist.setPlainText(""), "checklist", "探访清单至少要有一项"),
    (lambda p: p.checklist.setPlainText("安全隐患\n安全隐患"), "checklist", "重复"),
    (lambda p: p.checklist.setPlainText("很长" * 11), "checklist", "最多 20 个字"),
    (lambda p: p.min_age.setText("十岁"), "min_age", "最低年龄应为整数"),
    (lambda p: p.max_age.setText("200"), "max_age", "0 到 150"),
    (lambda p: (p.min_age.setText("12"), p.max_age.setText("6")), "max_age", "最高年龄不能小于最低年龄"),
    (lambda p: [b.setChecked(False) for b in p.methods["高风险"].values()], "counting", "高风险至少要有一种"),
    (lambda p: p.responsible.setText("责" * 31), "responsible", "责任人"),
])
def test_every_field_is_checked_as_it_is_typed(qtbot, window, change, key, message):
    panel = open_panel(qtbot, window, "残疾人")
    before = care.group_named(window.ops.store, "残疾人")
    change(panel)
    assert message in panel.errors[key].text() and panel.errors[key].isVisibleTo(panel)
    assert not panel.save_button.isEnabled()
    panel.save()
    settle(qtbot, window)
    assert care.group_named(window.ops.store, "残疾人") == before


def test_the_administrator_adds_a_group_and_the_care_page_offers_it(qtbot, window):
    store = window.ops.store
    panel = open_panel(qtbot, window)
    panel.new_group()
    assert panel.current is None and panel.name.text() == "" and not panel.save_button.isEnabled()
    assert "请填写" in panel.errors["name"].text() or "类别名称" in panel.errors["name"].text()
    panel.name.setText("残疾人")  # the service refuses a name in use, under the field
    panel.checklist.setPlainText("心理状况\n基本生活")
    panel.save()
    settle(qtbot, window)
    assert "已有名为“残疾人”的类别" in panel.errors["name"].text()
    panel.name.setText("失独家庭")
    panel.min_age.setText("50")
    panel.field_boxes["household"].setChecked(True)
    panel.save()
    settle(qtbot, window)
    group = care.group_named(store, "失独家庭")
    assert (group.min_age, group.fields, group.checklist, group.intervals["高风险"], group.counting["高风险"]) == (
        50, ["household"], ["心理状况", "基本生活"], "week", ["上门"])
    assert "失独家庭" in [panel.list.item(i).text() for i in range(panel.list.count())]
    care_page = window.go("关爱对象")
    settle(qtbot, window)
    assert "失独家庭" in [care_page.group_filter.itemText(i) for i in range(care_page.group_filter.count())]
    care_page.new_record()
    settle(qtbot, window)
    care_page.dialog.widgets["groups"].boxes["失独家庭"].setChecked(True)
    assert care_page.dialog.field_visible("household") and not care_page.dialog.field_visible("guardian")
    care_page.dialog.discard()


def test_the_elders_group_keeps_its_age_and_fields(qtbot, window):
    panel = open_panel(qtbot, window, "特殊困难老年人")
    assert panel.min_age.isReadOnly() and not panel.field_boxes["guardian"].isEnabled()
    assert "老年人探访" in panel.explain.text()




def test_staff_see_the_rules_read_only(qtbot, staff_window):
    panel = open_panel(qtbot, staff_window, "残疾人")
    assert panel.checklist.toPlainText().startswith("身体与康复情况")
    assert panel.checklist.isReadOnly() and panel.responsible.isReadOnly() and panel.min_age.isReadOnly()
    assert not panel.intervals["一般"].isEnabled() and not panel.methods["一般"]["电话"].isEnabled()
    assert not panel.field_boxes["disability_no"].isEnabled()
    assert panel.save_button.isHidden() and panel.add_button.isHidden()
    assert "只有管理员" in panel.message.text()
