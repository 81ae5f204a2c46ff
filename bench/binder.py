"""A Binder session from cold, as the Binder test plays it: times and peak memory.

What it runs (``tests/integration/test_binder.py``, ``binder_session``): a
throwaway ordinary user with an empty cache and the repository copied into
its home, ``binder/postBuild`` against a release mirror on 127.0.0.1, then
``binder/start jupyter lab`` in a cgroup of 2 GiB and one CPU (Binder's
session), then notebook 05 with papermill in the same cgroup. Prints
postBuild's time, the time until JupyterLab answers, the time until the
background cluster start ends, notebook 05's time and the cgroup's peak
memory. Asserts nothing. Needs root, the cgroup v1 memory and cpu
controllers, and the cluster's binaries in this user's cache.

    python bench/binder.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.test_binder import (  # noqa: E402
    binder_available,
    binder_session,
    wait_for_cluster,
)


def main() -> None:
    why = binder_available()
    if why is not None:
        raise SystemExit(f"bench: cannot play Binder here: {why}")
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="k8slab-bench-binder-") as tmp, \
            binder_session(Path(tmp), timings) as session:
        wait_for_cluster(session["state"])
        cluster = time.monotonic() - session["started"]
        user = session["user"]
        started = time.monotonic()
        proc = subprocess.run(
            [*session["run"], str(user.python), "-m", "papermill",
             str(user.home / "notebooks" / "05-deployments.ipynb"), str(user.home / "05.ipynb"),
             "-p", "namespace", "bench-binder", "-k", "python3",
             "--cwd", str(user.home / "notebooks")],
            capture_output=True, text=True, timeout=900, cwd=str(user.home))
        notebook = time.monotonic() - started
        group = session["cgroup"]
        print(f"postBuild (empty cache, local mirror, no Go build): {timings['postBuild']:.0f} s"
              f"{'; not mirrored: ' + ', '.join(session['missing']) if session['missing'] else ''}")
        print(f"binder/start -> JupyterLab answers /api: {timings['jupyterlab']:.1f} s "
              "(2 GiB, 1 CPU)")
        code = (session["state"] / "background-up.rc").read_text().strip()
        print(f"binder/start -> background cluster start ended: {cluster:.0f} s "
              f"({'ok' if code == '0' else 'FAILED, exit ' + code})")
        print(f"notebook 05 in the session: {notebook:.0f} s (papermill exit {proc.returncode})")
        print(f"peak memory of the session's cgroup: {group.peak_mib():.0f} MiB "
              f"(limit 2048 MiB, page cache included; {group.oom_kills()} OOM kills)")


if __name__ == "__main__":
    main()
