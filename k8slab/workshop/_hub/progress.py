"""The instructor's live progress page, served inside the workshop hub.

A JupyterHub managed service (``/services/progress/``) started by the hub
with the instructor's lab credentials. It knows what each attendee passed in
two ways, and keeps every pass it sees (:class:`k8slab.workshop._progress.PassLog`,
``passed.json`` in the hub's 0700 folder, which no attendee can reach):

* every ``interval`` seconds it runs all exercise checks for every attendee
  (:func:`k8slab.workshop.progress`);
* when an attendee's ``lab.check`` passes, their kernel asks the service to
  look (``POST /services/progress/api/checked`` with their server's hub token
  and the exercise id): the service finds out from the hub *who* asks, runs
  that check itself on that attendee's namespace, and keeps it if it passes.
  The attendee only chooses when the check runs, never its outcome; this
  catches passes that the notebook's clean-up undoes before the next round.

The page shows one row per attendee and one large cell per notebook
("3/4"), readable from the back of a room, with each exercise's result and
message below. Only a hub user holding ``access:services!service=progress``
may open it: the instructor's role has it, the attendees' does not
(JupyterHub's OAuth, :class:`jupyterhub.services.auth.HubOAuthenticated`).

Run by the hub as ``python -m k8slab.workshop._hub.progress WORKSHOP INTERVAL PASSED_JSON``.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from k8slab.exercises import exercises, run_check
from k8slab.workshop._cluster import attendees
from k8slab.workshop._hub.users import hub_dir
from k8slab.workshop._progress import PassLog, by_notebook, notebook_titles, progress, remembered

#: The path, under the service's prefix, that an attendee's lab.check posts to.
REPORT_PATH = "api/checked"


class Snapshot:
    """The last progress page body, refreshed by a background thread."""

    def __init__(self, workshop: str, interval: float, log: PassLog) -> None:
        self.workshop, self.interval, self.log = workshop, interval, log
        self.html = "<p>The first round of checks is running…</p>"
        self.updated = 0.0
        self.lock = threading.Lock()
        self.wake = threading.Event()

    def refresh(self) -> None:
        started = time.monotonic()
        try:
            df = remembered(progress(workshop=self.workshop), self.log)
            body = render(df, self.workshop, time.monotonic() - started)
        except Exception as exc:  # shown on the page; the loop goes on
            body = (f"<p class='error'>The checks failed: {html.escape(type(exc).__name__)}: "
                    f"{html.escape(str(exc))}</p>")
        with self.lock:
            self.html, self.updated = body, time.time()

    def loop(self) -> None:
        while True:
            self.refresh()
            self.wake.wait(self.interval)   # a reported pass shows at once
            self.wake.clear()


def _shade(done: int, total: int) -> str:
    """A cell's colour: red (none), amber (some), green (all)."""
    if total and done >= total:
        return "all"
    return "some" if done else "none"


def render(df, workshop: str, seconds: float) -> str:
    """The page body: the notebook grid (one row per attendee), then every exercise's result."""
    summary = by_notebook(df)
    totals = summary.attrs["totals"]
    names = notebook_titles()
    head = "".join(f"<th class='nb' title='{html.escape(names.get(nb, ''))}'>{html.escape(nb)}"
                   f"<small>{html.escape(names.get(nb, ''))}</small></th>" for nb in totals)
    rows = []
    for person in summary.index:
        cells = []
        for nb, total in totals.items():
            done = int(summary.at[person, nb])
            cells.append(f"<td class='nb {_shade(done, total)}' data-notebook='{html.escape(nb)}' "
                         f"data-passed='{done}' data-total='{total}'>{done}/{total}</td>")
        score = int(summary.loc[person].sum()) if len(totals) else 0
        rows.append(f"<tr class='attendee' data-attendee='{html.escape(person)}'>"
                    f"<th>{html.escape(person)}</th>{''.join(cells)}"
                    f"<td class='score'>{score}/{df.shape[1]}</td></tr>")
    grid = (f"<table class='grid'><tr><th>attendee</th>{head}<th>total</th></tr>"
            f"{''.join(rows)}</table>")

    messages = df.attrs.get("messages", {})
    earlier = set(df.attrs.get("remembered", []))
    titles = df.attrs.get("titles", {})
    detail_head = "".join(f"<th title='{html.escape(titles.get(c, ''))}'>{html.escape(str(c))}"
                          "</th>" for c in df.columns)
    detail_rows = []
    for person in df.index:
        cells = []
        for c in df.columns:
            ok = bool(df.at[person, c])
            note = ("passed earlier (its objects are gone now)" if (person, c) in earlier
                    else messages.get((person, c), ""))
            cells.append(f"<td class='{'pass' if ok else 'fail'}' title='{html.escape(note)}'>"
                         f"{'✓' if ok else '✗'}</td>")
        detail_rows.append(f"<tr class='detail' data-attendee='{html.escape(person)}'>"
                           f"<th>{html.escape(person)}</th>{''.join(cells)}</tr>")
    details = (f"<details><summary>Every exercise (hover a cell for its message)</summary>"
               f"<table class='exercises'><tr><th>attendee</th>{detail_head}</tr>"
               f"{''.join(detail_rows)}</table></details>")
    return (f"<p>{len(df.index)} attendees, {df.shape[1]} exercises in {len(totals)} notebooks; "
            f"checked in {seconds:.1f}s at {time.strftime('%H:%M:%S')}. A pass stays a pass "
            f"after the notebook's clean-up.</p>{grid}{details}")


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{refresh}"><title>Workshop progress</title>
<style>body{{font-family:sans-serif;margin:1.5em}} td,th{{padding:2px 6px}}
table.grid{{border-collapse:collapse;font-size:2.2em}}
table.grid th,table.grid td{{padding:.25em .6em;border:3px solid #fff;text-align:center}}
table.grid th small{{display:block;font-size:.4em;font-weight:normal}}
td.all{{background:#66bb6a}} td.some{{background:#ffd54f}} td.none{{background:#ef9a9a}}
td.score{{font-weight:bold}}
td.pass{{background:#81c784}} td.fail{{background:#ef9a9a}} details{{margin-top:2em}}</style>
</head><body><h1>Workshop {workshop}</h1>
<p>Exercises passed, by notebook: every check runs for every attendee's namespace with the
instructor's credentials every {interval:.0f} s, and when an attendee's <code>lab.check</code>
passes (this page reloads itself). <a href="{hub}">Hub control panel</a></p>{body}</body></html>"""


class ProgressHandler(HubOAuthenticated, web.RequestHandler):
    """The page: only for hub users with access to this service (the instructor)."""

    def initialize(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    @web.authenticated
    def get(self) -> None:
        with self.snapshot.lock:
            body = self.snapshot.html
        self.set_header("Cache-Control", "no-store")
        self.write(PAGE.format(refresh=max(5, int(self.snapshot.interval)), body=body,
                               workshop=html.escape(repr(self.snapshot.workshop)),
                               interval=self.snapshot.interval, hub="/hub/admin"))


class CheckedHandler(HubOAuthenticated, web.RequestHandler):
    """``POST api/checked {"exercise": id}``: an attendee asks the service to look now.

    The caller is whoever the hub says owns the token in ``Authorization``
    (their server's ``JUPYTERHUB_API_TOKEN``, which their kernels inherit);
    the check runs on *their* namespace with the instructor's credentials, and
    only a pass the service saw itself is kept.
    """

    def initialize(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def check_xsrf_cookie(self) -> None:
        """A token in the header, no cookie: nothing a page could forge from a browser."""

    async def post(self) -> None:
        match = self.hub_auth.auth_header_pat.match(self.request.headers.get("Authorization", ""))
        if not match:
            raise web.HTTPError(401, "a hub token is needed (Authorization: token ...)")
        model = await self.hub_auth.user_for_token(match.group(1), sync=False)
        if not model or model.get("kind", "user") != "user" or not model.get("name"):
            raise web.HTTPError(403, "this token is nobody's")
        name = model["name"]
        try:
            wanted = str(json.loads(self.request.body or b"{}").get("exercise", ""))
        except (ValueError, AttributeError) as err:
            raise web.HTTPError(400, "send {\"exercise\": \"05.scale\"}") from err
        if wanted not in {ex.id for ex in exercises()}:
            raise web.HTTPError(404, f"no exercise {wanted!r}")
        people = {a.name: a for a in await asyncio.to_thread(attendees, self.snapshot.workshop)}
        if name not in people:
            raise web.HTTPError(403, f"{name!r} is not an attendee of this workshop")
        result = await asyncio.to_thread(run_check, wanted, people[name].namespace)
        new = self.snapshot.log.record(name, wanted) if result.passed else False
        if new:
            self.snapshot.wake.set()
        self.write({"attendee": name, "exercise": wanted, "passed": result.passed,
                    "recorded": bool(new)})


def main(argv: list[str]) -> int:
    workshop, interval = argv[0], float(argv[1]) if len(argv) > 1 else 10.0
    log = PassLog(argv[2] if len(argv) > 2 else hub_dir() / "passed.json")
    snapshot = Snapshot(workshop, interval, log)
    threading.Thread(target=snapshot.loop, daemon=True, name="progress-checks").start()
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    app = web.Application([
        (prefix, ProgressHandler, {"snapshot": snapshot}),
        (url_path_join(prefix, REPORT_PATH), CheckedHandler, {"snapshot": snapshot}),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=os.urandom(32))
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port, url.hostname)
    # The hub stops its services with SIGINT: leave at once, even in the middle of a
    # round of checks (their worker threads would otherwise be waited for).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(0))
    ioloop.IOLoop.current().start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
