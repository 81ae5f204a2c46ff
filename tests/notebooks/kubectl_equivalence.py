"""Run every kubectl line a notebook prints with the real kubectl, while the notebook runs.

Installed inside the notebook's kernel by the harness (``run_notebook(...,
kubectl_log=PATH)``): a hook on :data:`k8slab._base.display.hooks` sees each
announced command (not the muted internal reads) just before the library sends
its own request, runs the kubectl line against the same cluster and writes one
JSON line per command to ``PATH``. The test then requires every line to be ok.

What "the same result" means, by verb:

- reads (``get``, ``get --raw``, ``logs``, ``events``, ``api-resources``,
  ``auth can-i``): kubectl succeeds and, for ``get``, names the same objects as
  the REST request the library announced (retried a few times: controllers
  move); a read that kubectl refuses counts only if the REST request is refused
  with it.
- ``apply``: before the library applies, ``--dry-run=server`` is accepted;
  after it applied (at the next command or the end of the cell),
  ``kubectl diff`` with the same flags shows nothing.
- ``wait`` / ``rollout status``: after the library's wait returned, kubectl's
  wait succeeds too.
- destructive verbs (``delete``, ``scale``, ``rollout restart``...): the line
  with ``--dry-run=server`` is accepted, before the library acts.
- the HTTP line (port-forward in the background, then curl): the shell runs it
  and curl gets an answer; ``port-forward`` alone: kubectl starts forwarding.
- ``exec``: replayed only for commands that change nothing (``cat``, ``ls``...).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from k8slab._base import display as _display
from k8slab._core.client import connect
from k8slab._runners import kubectl as _kubectl

READ_ONLY_EXEC = {"cat", "ls", "env", "printenv", "id", "whoami", "hostname", "echo", "pwd",
                  "uname", "df", "ps", "nslookup", "getent", "date", "true", "head", "tail"}
DESTRUCTIVE = {"delete", "scale", "patch", "label", "annotate", "create", "replace", "cordon",
               "uncordon", "drain", "taint", "set"}


def _run(args: list[str], *, stdin: str | None = None, timeout: float = 60,
         ) -> subprocess.CompletedProcess:
    return subprocess.run([str(_kubectl.binary()), *_kubectl.connection_args(), *args],
                          input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=_kubectl.environment())


def _rest(path: str) -> tuple[int, Any]:
    """GET a path with the lab's client: (status, parsed JSON or text)."""
    from kubernetes.client.exceptions import ApiException

    api = connect()
    try:
        resp = api.call_api(path, "GET", auth_settings=["BearerToken"], _preload_content=False,
                            _return_http_data_only=True)
    except ApiException as exc:
        return exc.status or 0, exc.reason
    raw = resp.data.decode("utf-8", "replace")
    try:
        return 200, json.loads(raw)
    except ValueError:
        return 200, raw


def _names(doc: Any) -> set[str]:
    if not isinstance(doc, dict):
        return set()
    items = doc.get("items") if "items" in doc else [doc]
    return {(i.get("metadata") or {}).get("name", "") for i in items or []}


class Checker:
    """The hook: checks each announced kubectl line and logs the outcome."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.pending: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    # -- logging -------------------------------------------------------------
    def _write(self, line: str, check: str, ok: bool, detail: str = "") -> None:
        with self.log.open("a") as out:
            out.write(json.dumps({"line": line, "check": check, "ok": ok,
                                  "detail": detail[-600:]}) + "\n")

    # -- the hook ------------------------------------------------------------
    def __call__(self, command: str, verb: str, path: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            self._write(str(command), "background", True, "announced by a background thread")
            return
        with self.lock:
            line = str(command)
            if line.startswith("helm "):
                self._write(line, "helm", True, "not a kubectl line")
                return
            if not isinstance(command, _display.Command):
                self._write(line, "not-a-command", False, "announced as a plain string")
                return
            if not (self.pending and self.pending[-1][0] == "apply"
                    and str(self.pending[-1][1][0]) == line):
                self.flush()
            try:
                self._check(command, path)
            except subprocess.TimeoutExpired as exc:
                self._write(line, "timeout", False, str(exc))

    def flush(self, *_: Any) -> None:
        """Run the checks that must wait until the library's call is done."""
        pending, self.pending = self.pending, []
        for what, command in pending:
            try:
                if what == "apply":
                    self._diff(command)
                else:
                    self._after_wait(command)
            except subprocess.TimeoutExpired as exc:
                self._write(str(command), what, False, f"timeout: {exc}")

    def _target(self, argv: list[str]) -> str | None:
        """The object name a ``get`` names, if any (``get pods web -n demo`` -> ``web``)."""
        words, skip = [], False
        for a in argv[1:]:
            if skip:
                skip = False
            elif a in ("-n", "-l", "-o", "--namespace", "--selector", "-c"):
                skip = True
            elif not a.startswith("-"):
                words.append(a)
        if len(words) >= 2:
            return words[1]
        if words and "/" in words[0]:
            return words[0].split("/", 1)[1]
        return None

    # -- per verb ------------------------------------------------------------
    def _check(self, command: _display.Command, path: str) -> None:
        argv = list(command.argv)
        line = str(command)
        if command.shell:
            proc = subprocess.run(["bash", "-c", line], capture_output=True, text=True,
                                  timeout=60, env=_shell_env())
            self._write(line, "http", proc.returncode == 0 and bool(proc.stdout),
                        f"rc={proc.returncode} out={proc.stdout[:200]!r} err={proc.stderr}")
            return
        head = argv[0]
        if head == "apply":
            proc = _run([*argv, "--dry-run=server", "-o", "name"], stdin=command.stdin)
            self.pending.append(("apply", (command, proc.returncode, proc.stderr)))
            return
        if head == "wait" or argv[:2] == ["rollout", "status"]:
            self.pending.append(("wait", command))
            return
        if head == "get" and "--raw" in argv:
            proc = _run(argv)
            status, expected = _rest(argv[argv.index("--raw") + 1])
            same = proc.returncode == 0 and status == 200 and _parsed(proc.stdout) == expected
            self._write(line, "get --raw", same or (proc.returncode != 0 and status != 200),
                        f"rc={proc.returncode} rest={status} {proc.stderr}")
            return
        if head == "get":
            self._get(argv, line, path)
            return
        if head in ("logs", "events", "api-resources", "kustomize", "explain", "version"):
            proc = _run([a for a in argv if a not in ("--watch", "-w", "-f", "--follow")])
            ok = proc.returncode == 0
            if not ok and head == "logs":
                status, _ = _rest(path)
                ok = status != 200  # the API refuses the library's request too
            self._write(line, head, ok, f"rc={proc.returncode} {proc.stderr}")
            return
        if argv[:2] == ["auth", "can-i"]:
            proc = _run(argv)
            answer = proc.stdout.strip()
            self._write(line, "auth can-i", (proc.returncode, answer) in ((0, "yes"), (1, "no")),
                        f"rc={proc.returncode} {answer} {proc.stderr}")
            return
        if head == "port-forward":
            self._port_forward(argv, line)
            return
        if head == "exec":
            self._exec(argv, line)
            return
        if head in DESTRUCTIVE or argv[:2] in (["rollout", "restart"], ["rollout", "undo"]):
            proc = _run([*argv, "--dry-run=server"])
            self._write(line, f"{head} --dry-run=server", proc.returncode == 0,
                        f"rc={proc.returncode} {proc.stdout} {proc.stderr}")
            return
        self._write(line, "unknown verb", False, "the equivalence test has no rule for it")

    def _get(self, argv: list[str], line: str, path: str) -> None:
        args = [a for a in argv if a not in ("--watch", "-w")]
        if "-o" in args:
            at = args.index("-o")
            del args[at:at + 2]
        args = [a for a in args if not a.startswith("--request-timeout")]
        paths = [_without_watch(p) for p in path.split(" + ")]
        detail = ""
        for _attempt in range(4):
            proc = _run([*args, "-o", "json"])
            answers = [_rest(p) for p in paths]
            status = max(a[0] for a in answers)
            expected = {"items": [i for _, doc in answers if isinstance(doc, dict)
                                  for i in (doc.get("items") if "items" in doc else [doc])]}
            if proc.returncode != 0:
                ok = status != 200
                detail = f"kubectl rc={proc.returncode} rest={status} {proc.stderr}"
            else:
                got, want = _names(_parsed(proc.stdout)), _names(expected)
                target = self._target(argv)
                if target is not None:  # one object; the REST path may list the namespace
                    want &= {target}
                ok = status == 200 and got == want
                detail = f"kubectl={sorted(got)[:20]} rest={sorted(want)[:20]}"
            if ok:
                break
            time.sleep(0.5)
        self._write(line, "get", ok, detail)

    def _diff(self, pending: tuple[_display.Command, int, str]) -> None:
        command, dry_rc, dry_err = pending
        argv = list(command.argv)
        for _attempt in range(6):  # controllers may be writing the object's status right now
            proc = _run(["diff", *argv[1:]], stdin=command.stdin)
            if proc.returncode != 1:
                break
            time.sleep(1)
        if dry_rc == 0:
            self._write(str(command), "apply: --dry-run=server, then diff shows nothing",
                        proc.returncode == 0, f"rc={proc.returncode} {proc.stdout[:400]} "
                        f"{proc.stderr}")
        else:  # the API server refused kubectl's dry run: the library's apply was refused too
            self._write(str(command), "apply refused (dry run and diff)", proc.returncode > 1,
                        f"dry-run: {dry_err} diff rc={proc.returncode} {proc.stderr}")

    def _after_wait(self, command: _display.Command) -> None:
        argv = [a if not a.startswith("--timeout=") else "--timeout=30s" for a in command.argv]
        proc = _run(argv, timeout=60)
        self._write(str(command), "wait after the library's wait", proc.returncode == 0,
                    f"rc={proc.returncode} {proc.stdout} {proc.stderr}")

    def _port_forward(self, argv: list[str], line: str) -> None:
        spec = next(a for a in argv if ":" in a and not a.startswith("pod/"))
        args = [a if a != spec else "0:" + spec.split(":", 1)[1] for a in argv]
        proc = subprocess.Popen([str(_kubectl.binary()), *_kubectl.connection_args(), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=_kubectl.environment())
        try:
            first = proc.stdout.readline() if proc.stdout else ""
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        self._write(line, "port-forward (local port 0)", first.startswith("Forwarding from"),
                    first)

    def _exec(self, argv: list[str], line: str) -> None:
        cmd = argv[argv.index("--") + 1:] if "--" in argv else []
        program = cmd[0] if cmd else ""
        if program in ("sh", "bash") and len(cmd) > 2:
            program = shlex.split(cmd[2])[0] if cmd[2].strip() else ""
        if program not in READ_ONLY_EXEC:
            self._write(line, "exec (not replayed)", True,
                        f"{program!r} may change something: not run twice")
            return
        proc = _run(argv)
        self._write(line, "exec", proc.returncode == 0, f"rc={proc.returncode} {proc.stderr}")


def _without_watch(path: str) -> str:
    """The list request a watch starts from (``?watch=true`` dropped, selectors kept)."""
    base, _, query = path.partition("?")
    kept = [q for q in query.split("&") if q and q != "watch=true"]
    return base + ("?" + "&".join(kept) if kept else "")


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _shell_env() -> dict[str, str]:
    """The shell line's kubectl is the lab's, first on PATH, with the lab kubeconfig."""
    env = _kubectl.environment()
    env["PATH"] = f"{_kubectl.binary().parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def install(log: str) -> Checker:
    """Hook the checker into k8slab (and the end of every cell, in IPython)."""
    checker = Checker(Path(log))
    _display.hooks.append(checker)
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.events.register("post_run_cell", checker.flush)
    except ImportError:  # pragma: no cover - the kernel always has IPython
        pass
    return checker


def read(log: Path) -> list[dict]:
    """The logged outcomes, one dict per checked line."""
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def assert_equivalent(log: Path) -> list[dict]:
    """Every replayed kubectl line was ok, and the run printed enough of them to mean it.

    Returns:
        The outcomes read from ``log``.
    """
    from collections import Counter

    outcomes = read(log)
    failed = [o for o in outcomes if not o["ok"]]
    assert not failed, "\n".join(f"{o['check']}: {o['line']}\n    {o['detail']}"
                                 for o in failed[:15])
    kinds = Counter(o["check"].split(" ")[0].rstrip(":") for o in outcomes)
    assert kinds["get"] >= 1 and kinds["apply"] >= 1, kinds
    assert len(outcomes) >= 5, outcomes
    return outcomes
