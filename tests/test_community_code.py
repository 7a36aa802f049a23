"""A community code, once given, cannot be emptied: it tells this community's backups, sync
packages and street reports from another's."""

from __future__ import annotations

import pytest

from app import settings
from app.cli import main
from app.database import open_ledger
from app.errors import ValidationError
from tests.conftest import pinned_clock


def code_of(db) -> str:
    store = open_ledger(db, clock=pinned_clock())
    try:
        return settings.load(store).community_code
    finally:
        store.close()


@pytest.mark.parametrize("empty", ["community_code=", "community_code=   ", " community_code = "])
def test_the_command_line_refuses_an_empty_code_in_one_line(db_path, capsys, empty):
    open_ledger(db_path, clock=pinned_clock()).close()
    assert main(["--db", str(db_path), "settings", "--set", "community_name=阳光社区",
                 "--set", "community_code=320505001001"], clock=pinned_clock()) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "settings", "--set", empty], clock=pinned_clock()) == 2
    out, err = capsys.readouterr()
    assert "社区代码不能清空" in err and len(err.strip().splitlines()) == 1 and out == ""
    assert code_of(db_path) == "320505001001"
    # Changing it to another code is allowed.
    assert main(["--db", str(db_path), "settings", "--set", "community_code=320505001002"], clock=pinned_clock()) == 0
    assert code_of(db_path) == "320505001002"


def test_a_community_without_a_code_still_saves_its_other_settings(store):
    # The code is optional at set-up: a form saving an empty code that was never given is fine.
    saved = settings.save(store, {"community_name": "阳光社区", "community_code": "", "reviewer": "赵书记"})
    assert saved.community_code == "" and saved.reviewer == "赵书记"
    settings.save(store, {"community_code": "320505001001"})
    with pytest.raises(ValidationError) as refused:
        settings.save(store, {"community_code": "", "reviewer": "钱书记"})
    assert "community_code" in refused.value.errors
    assert settings.load(store).reviewer == "赵书记"  # nothing of the refused form is saved
