"""The instructor's live progress page, served inside the workshop hub.

A JupyterHub managed service (``/services/progress/``) started by the hub
with the instructor's lab credentials: every ``interval`` seconds it runs all
exercise checks for every attendee of the workshop
(:func:`k8slab.workshop.progress`) and shows the heatmap
(:func:`k8slab.workshop.plot_progress`) with a table of the check messages.
Only a hub user holding ``access:services!service=progress`` may open it:
the instructor's role has it, the attendees' does not (JupyterHub's OAuth,
:class:`jupyterhub.services.auth.HubOAuthenticated`).

Run by the hub as ``python -m k8slab.workshop._hub.progress WORKSHOP INTERVAL``.
"""

from __future__ import annotations

import base64
import html
import io
import os
import signal
import sys
import threading
import time
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from k8slab.workshop._progress import plot_progress, progress


class Snapshot:
    """The last progress table and heatmap, refreshed by a background thread."""

    def __init__(self, workshop: str, interval: float) -> None:
        self.workshop, self.interval = workshop, interval
        self.html = "<p>The first round of checks is running…</p>"
        self.updated = 0.0
        self.lock = threading.Lock()

    def refresh(self) -> None:
        started = time.monotonic()
        try:
            df = progress(workshop=self.workshop)
            body = render(df, self.workshop, time.monotonic() - started)
        except Exception as exc:  # shown on the page; the loop goes on
            body = (f"<p class='error'>The checks failed: {html.escape(type(exc).__name__)}: "
                    f"{html.escape(str(exc))}</p>")
        with self.lock:
            self.html, self.updated = body, time.time()

    def loop(self) -> None:
        while True:
            self.refresh()
            time.sleep(self.interval)


def render(df, workshop: str, seconds: float) -> str:
    """The page body: heatmap (PNG, inline) and one row per attendee with each check's message."""
    fig = plot_progress(df, title=f"Workshop {workshop!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    png = base64.b64encode(buf.getvalue()).decode()
    messages = df.attrs.get("messages", {})
    head = "".join(f"<th title='{html.escape(df.attrs.get('titles', {}).get(c, ''))}'>"
                   f"{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for person in df.index:
        cells = "".join(
            f"<td class='{'pass' if df.at[person, c] else 'fail'}' "
            f"title='{html.escape(messages.get((person, c), ''))}'>"
            f"{'✓' if df.at[person, c] else '✗'}</td>" for c in df.columns)
        score = f"{int(df.loc[person].sum())}/{df.shape[1]}"
        rows.append(f"<tr class='attendee' data-attendee='{html.escape(person)}'>"
                    f"<th>{html.escape(person)}</th>{cells}<td>{score}</td></tr>")
    return (f"<p>{len(df.index)} attendees, {df.shape[1]} exercises; checked in "
            f"{seconds:.1f}s at {time.strftime('%H:%M:%S')}.</p>"
            f"<img alt='progress heatmap' src='data:image/png;base64,{png}'>"
            f"<table><tr><th>attendee</th>{head}<th>score</th></tr>{''.join(rows)}</table>")


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{refresh}"><title>Workshop progress</title>
<style>body{{font-family:sans-serif;margin:1.5em}} td,th{{padding:2px 6px}}
td.pass{{background:#81c784}} td.fail{{background:#ef9a9a}} img{{max-width:100%}}</style>
</head><body><h1>Workshop progress</h1>
<p>Every exercise check, run for every attendee's namespace with the instructor's
credentials, every {interval:.0f} s (this page reloads itself). Hover a cell for its message.
<a href="{hub}">Hub control panel</a></p>{body}</body></html>"""


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
                               interval=self.snapshot.interval, hub="/hub/admin"))


def main(argv: list[str]) -> int:
    workshop, interval = argv[0], float(argv[1]) if len(argv) > 1 else 10.0
    snapshot = Snapshot(workshop, interval)
    threading.Thread(target=snapshot.loop, daemon=True, name="progress-checks").start()
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    app = web.Application([
        (prefix, ProgressHandler, {"snapshot": snapshot}),
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
