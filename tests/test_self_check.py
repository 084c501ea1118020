from __future__ import annotations

import io

from homa_desk.cli import main
from homa_desk.self_check import run_self_check
from homa_desk.ui.common import resources


def test_self_check_opens_the_main_window_on_a_throwaway_database_and_says_ok(qapp, capsys):
    assert main(["--self-check"]) == 0
    out, err = capsys.readouterr()
    line = out.strip().splitlines()[-1]
    assert line.startswith("self-check OK: database ")
    for step in ("migrations", "admin", "window", "total"):
        assert f"{step} " in line
    assert "FAILED" not in err


def test_a_missing_style_sheet_fails_the_check_with_a_clear_message(qapp, monkeypatch):
    monkeypatch.setattr(resources, "resource_dirs", lambda: [])
    out, err = io.StringIO(), io.StringIO()
    assert run_self_check(out, err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().strip() == "self-check FAILED: the desk's style sheet (resources/desk.qss) was not found"
