"""Progress that remembers: passes kept by the instructor's side, the page by notebook."""

from __future__ import annotations

import json
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pandas as pd

from k8slab.exercises import tell_the_hub
from k8slab.workshop._progress import PassLog, by_notebook, remembered


def _frame(cells: dict[str, list[bool]]) -> pd.DataFrame:
    df = pd.DataFrame(cells, index=pd.Index(["a-01", "a-02"], name="attendee"), dtype=bool)
    df.attrs["messages"] = {("a-01", "05.scale"): "5 replicas ready"}
    return df


def test_a_pass_stays_a_pass_after_the_clean_up(tmp_path):
    log = PassLog(tmp_path / "hub" / "passed.json")
    # While the attendee's objects exist, the check passes, and the pass is kept...
    live = _frame({"05.scale": [True, False], "05.rollback": [False, False],
                   "06.frontend": [True, True]})
    shown = remembered(live, log)
    assert shown.equals(live.astype(bool))
    assert stat.S_IMODE((tmp_path / "hub" / "passed.json").stat().st_mode) == 0o600
    # ...then the notebook's clean-up deletes them: every check fails now, the page keeps them.
    gone = _frame({"05.scale": [False, False], "05.rollback": [False, False],
                   "06.frontend": [False, False]})
    shown = remembered(gone, log)
    assert shown.to_dict("index") == {
        "a-01": {"05.scale": True, "05.rollback": False, "06.frontend": True},
        "a-02": {"05.scale": False, "05.rollback": False, "06.frontend": True}}
    assert sorted(shown.attrs["remembered"]) == [("a-01", "05.scale"), ("a-01", "06.frontend"),
                                                 ("a-02", "06.frontend")]
    assert shown.attrs["messages"] == gone.attrs["messages"]
    # A pass keeps the time it was first seen.
    first = log.load()["a-01"]["05.scale"]
    assert not log.record("a-01", "05.scale", when=first + 100)
    assert log.load()["a-01"]["05.scale"] == first
    # Deleted attendees take their passes with them.
    log.forget(["a-01"])
    assert set(log.load()) == {"a-02"}


def test_progress_by_notebook_for_the_page():
    df = _frame({"05.scale": [True, False], "05.rollback": [True, False],
                 "05.unstuck": [False, False], "06.frontend": [True, True]})
    summary = by_notebook(df)
    assert summary.attrs["totals"] == {"05": 3, "06": 1}
    assert summary.to_dict("index") == {"a-01": {"05": 2, "06": 1}, "a-02": {"05": 0, "06": 1}}


def test_the_page_shows_one_large_cell_per_notebook(tmp_path):
    from k8slab.workshop._hub.progress import render

    df = remembered(_frame({"05.scale": [True, False], "05.rollback": [False, False],
                            "06.frontend": [True, True]}), PassLog(tmp_path / "p.json"))
    page = render(df, "w", 0.5)
    assert page.count("<tr class='attendee'") == 2
    assert ("<td class='nb some' data-notebook='05' data-passed='1' data-total='2'>1/2</td>"
            in page)
    assert "<td class='nb all' data-notebook='06' data-passed='1' data-total='1'>1/1</td>" in page
    assert "<td class='nb none' data-notebook='05' data-passed='0' data-total='2'>0/2</td>" in page
    assert "Deployments" in page        # the notebook's name under its number


class _Hub(BaseHTTPRequestHandler):
    seen: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hub.seen.append((self.path, self.headers["Authorization"], json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_lab_check_asks_the_hub_to_look_with_the_server_token(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/services/progress/api/checked"
        monkeypatch.delenv("K8SLAB_PROGRESS_URL", raising=False)
        assert not tell_the_hub("05.scale")                   # outside the hub: nothing
        monkeypatch.setenv("K8SLAB_PROGRESS_URL", url)
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "tok-123")
        assert tell_the_hub("05.scale")
        assert _Hub.seen == [("/services/progress/api/checked", "token tok-123",
                              {"exercise": "05.scale"})]
        # The token never goes anywhere but this machine's loopback.
        monkeypatch.setenv("K8SLAB_PROGRESS_URL", "http://192.0.2.1:8000/x")
        assert not tell_the_hub("05.scale")
        assert len(_Hub.seen) == 1
    finally:
        server.shutdown()
