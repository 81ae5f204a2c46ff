"""binder/start, as far as this machine allows: from a clean state it starts
the embedded cluster, then runs the command it is given (here, the first
notebook instead of JupyterLab), which must work against that cluster."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8slab._binaries.catalog import KUBE_VERSION
from tests.conftest import ROOT, k8slab_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_binder_start_runs_the_first_notebook(tmp_path):
    state = tmp_path / "state"
    bindir = Path(sys.executable).parent
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(_free_port()),
           "HOME": str(tmp_path), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "K8SLAB_CACHE": os.environ.get("K8SLAB_CACHE",
                                          str(Path.home() / ".cache" / "k8slab"))}
    output = tmp_path / "01-out.ipynb"
    try:
        proc = subprocess.run(
            [str(ROOT / "binder" / "start"), sys.executable, "-m", "papermill",
             str(ROOT / "notebooks" / "01-getting-started.ipynb"), str(output),
             "-p", "namespace", "binder-start", "-p", "solve_exercises", "True",
             "--cwd", str(ROOT / "notebooks"), "-k", "python3"],
            env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert "starting the lab cluster in the background" in proc.stdout
        assert "the lab cluster is running" in (state / "background-up.log").read_text()
        assert output.exists()
        assert (state / "cluster.json").exists()
    finally:
        k8slab_cli("down", env=env, check=False)
    assert not (state / "kubeconfig.yaml").exists()


def test_binder_start_as_an_ordinary_user_shows_exec_output(tmp_path):
    """Binder runs the image as jovyan, not root: binder/start, then notebook 04's exec.

    kwok cannot switch users when it is not root; an exec that silently
    answered "" would leave the lesson blank. The command's own output (``id``
    naming this very user, ``pwd``) must reach the notebook, or the notebook
    must fail; here it must reach it.
    """
    import json
    import pwd

    from k8slab._base.paths import cache_dir
    from k8slab._course.recorded import extract
    from k8slab.workshop._hub.users import _closed_ancestor
    from tests.tools.throwaway_user import throwaway_user

    # This test runs binder/start from the checkout itself as the other user (the
    # other Binder test copies it, as repo2docker does): they must be able to enter it.
    closed = _closed_ancestor(ROOT)
    assert closed is None, (
        f"{closed} (mode {oct(closed.stat().st_mode & 0o777)}) keeps other users out of the "
        f"checkout {ROOT}, which this test runs as an ordinary user: run the suite from a "
        f"folder others may enter, or `chmod o+x {closed}`.")
    with throwaway_user(cache_dir()) as user:
        state = user.home / "state"
        port = str(_free_port())
        bindir = user.python.parent
        env = user.env(K8SLAB_STATE=str(state), K8SLAB_API_PORT=port,
                       K8SLAB_SHOW_COMMANDS="0", PATH=f"{bindir}{os.pathsep}/usr/bin:/bin")
        output = user.home / "04-out.ipynb"
        run = [*user.prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items())]
        try:
            proc = subprocess.run(
                [*run, str(ROOT / "binder" / "start"), str(user.python), "-m", "papermill",
                 str(ROOT / "notebooks" / "04-pods.ipynb"), str(output),
                 "-p", "namespace", "binder-exec", "-p", "solve_exercises", "True",
                 "--cwd", str(ROOT / "notebooks"), "-k", "python3"],
                capture_output=True, text=True, timeout=900, cwd=str(user.home))
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
            assert "the lab cluster is running" in (state / "background-up.log").read_text()
            record = json.loads((state / "cluster.json").read_text())
            # Every process of the lab runs as the ordinary user.
            for pid_file in (state / "kwok" / "clusters" / "k8slab" / "pids").glob("*.pid"):
                pid = int(pid_file.read_text())
                assert Path(f"/proc/{pid}").stat().st_uid == user.uid, pid_file.name
            records = extract(json.loads(output.read_text()))
            exec_output = records["exec_output"][-1]
            name = pwd.getpwuid(user.uid).pw_name
            assert f"uid={user.uid}({name})" in exec_output, exec_output
            if record["extra"]["exec_sandbox"] == "bwrap":   # the pod's own folder
                assert "/sandbox" in exec_output, exec_output
            else:                                            # said why, and still ran
                assert record["extra"]["exec_sandbox_reason"]
        finally:
            subprocess.run([*run, str(user.python), "-m", "k8slab", "down"],
                           capture_output=True, timeout=300, cwd=str(user.home))
        assert not (state / "kubeconfig.yaml").exists()


# -- Binder as Binder builds and runs it, without Docker ---------------------------------

#: What the Binder test runs in a session, and what it cannot serve: Flux's
#: controllers have no upstream release (postBuild builds them with Go, which
#: this test does not run), nor have the Gateway API CRDs a download here.
BINDER_NOTEBOOKS = ("01-getting-started", "04-pods", "05-deployments")
NOT_MIRRORED = ("source-controller", "kustomize-controller", "gateway-api")
SESSION_TOOLS = ("kwokctl", "kwok", "etcd", "kube-apiserver", "kube-controller-manager",
                 "kube-scheduler", "kubectl", "helm", "etcdctl", "etcdutl")
MEMORY_LIMIT = 2 * 1024 ** 3


def copy_repository(target: Path, uid: int, gid: int) -> None:
    """The repository as repo2docker copies it into REPO_DIR (= HOME): its files, the user's.

    Tracked and untracked-but-not-ignored files of this checkout: what a clone
    of this commit holds (no ``.venv``, no ``.k8slab`` state).
    """
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout
    existing = b"\0".join(f for f in files.split(b"\0") if f and (ROOT / f.decode()).exists())
    subprocess.run(["tar", "-C", str(ROOT), "--null", "-T", "-", "-cf", "repo.tar"],
                   input=existing, cwd=target, check=True)
    subprocess.run(["tar", "-xf", "repo.tar"], cwd=target, check=True)
    (target / "repo.tar").unlink()
    subprocess.run(["chown", "-R", f"{uid}:{gid}", str(target)], check=True)


class Cgroup:
    """A v1 memory + cpu cgroup: Binder's 2 GiB and one CPU for everything started in it."""

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, name: str, memory: int, cpus: float) -> None:
        self.memory = self.ROOT / "memory" / name
        self.cpu = self.ROOT / "cpu" / name
        self.memory.mkdir()
        self.cpu.mkdir()
        (self.memory / "memory.limit_in_bytes").write_text(str(memory))
        (self.cpu / "cpu.cfs_period_us").write_text("100000")
        (self.cpu / "cpu.cfs_quota_us").write_text(str(int(100000 * cpus)))

    def prefix(self) -> list[str]:
        """A command prefix that enters the cgroup, then runs the rest of the line."""
        return ["sh", "-c", f'echo $$ > {self.memory}/cgroup.procs && '
                            f'echo $$ > {self.cpu}/cgroup.procs && exec "$@"', "cgroup"]

    def peak_mib(self) -> float:
        return int((self.memory / "memory.max_usage_in_bytes").read_text()) / 2 ** 20

    def oom_kills(self) -> int:
        """Processes the kernel killed for want of memory in this cgroup (0 if it cannot say)."""
        for line in (self.memory / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def remove(self) -> None:
        for folder in (self.memory, self.cpu):
            for _ in range(20):
                try:
                    folder.rmdir()
                    break
                except OSError:   # processes still leaving
                    time.sleep(0.5)


def binder_available() -> str | None:
    """Why the Binder test cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (a throwaway user, cgroups)"
    if not (Cgroup.ROOT / "memory" / "memory.limit_in_bytes").exists() or \
            not (Cgroup.ROOT / "cpu" / "cpu.cfs_quota_us").exists():
        return "needs the cgroup v1 memory and cpu controllers"
    return None


@contextlib.contextmanager
def binder_session(tmp_path: Path, timings: dict[str, float]) -> Iterator[dict]:
    """postBuild as a fresh user with an empty cache against the mirror, then ``start jupyter lab``.

    Yields what the test (and ``bench/binder.py``) looks at: the user, the
    prefix to run a command as them inside the cgroup, JupyterLab's URL and
    token, the mirror, the cgroup, postBuild's output.
    """
    from tests.tools import release_mirror
    from tests.tools.throwaway_user import throwaway_user

    mirror_root = tmp_path / "mirror"
    missing = release_mirror.publish_from(mirror_root, list(SESSION_TOOLS))
    if set(missing) & set(_tools_needed_by_the_cluster()):
        pytest.skip(f"the developer's cache lacks {missing}: run `k8slab tools` first")
    with release_mirror.serve(mirror_root) as mirror, \
            throwaway_user(None, own_venv=True) as user:
        copy_repository(user.home, user.uid, user.home.stat().st_gid)
        port, api_port, token = _free_port(), _free_port(), uuid.uuid4().hex
        bindir = user.python.parent
        env = user.env(
            PATH=f"{user.home}/.local/bin{os.pathsep}{bindir}{os.pathsep}/usr/bin:/bin",
            K8SLAB_API_PORT=str(api_port), K8SLAB_SHOW_COMMANDS="0",
            K8SLAB_TEST_BINDER_SKIP=" ".join([*NOT_MIRRORED, *missing]),
            **release_mirror.mirror_env(mirror))
        run = [*user.prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items())]
        started = time.monotonic()
        build = subprocess.run([*run, str(user.home / "binder" / "postBuild")],
                               capture_output=True, text=True, timeout=600,
                               cwd=str(user.home))
        timings["postBuild"] = time.monotonic() - started
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
        group = Cgroup(f"k8slab-binder-{user.name}", MEMORY_LIMIT, 1.0)
        lab = None
        lab_log = (tmp_path / "jupyterlab.log").open("w")
        try:
            started = time.monotonic()
            lab = subprocess.Popen(
                [*group.prefix(), *run, str(user.home / "binder" / "start"),
                 "jupyter", "lab", "--no-browser",
                 "--ip", "127.0.0.1", "--port", str(port),
                 f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"],
                stdout=lab_log, stderr=subprocess.STDOUT, cwd=str(user.home))
            url = f"http://127.0.0.1:{port}"
            timings["jupyterlab"] = _wait_for_api(url, token, lab, tmp_path / "jupyterlab.log",
                                                  limit=120)
            yield {"user": user, "run": [*group.prefix(), *run], "url": url, "token": token,
                   "mirror": mirror, "cgroup": group, "postbuild": build.stdout,
                   "state": user.home / ".k8slab", "started": started, "lab": lab,
                   "missing": missing}
        finally:
            if lab is not None:
                lab.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    lab.wait(timeout=30)
            subprocess.run([*run, str(user.python), "-m", "k8slab", "down"],
                           capture_output=True, timeout=300, cwd=str(user.home))
            group.remove()
            lab_log.close()


def _tools_needed_by_the_cluster() -> tuple[str, ...]:
    from k8slab._binaries.catalog import KWOK_CLUSTER_TOOLS

    return KWOK_CLUSTER_TOOLS


def _wait_for_api(url: str, token: str, lab: subprocess.Popen, log: Path, limit: float
                  ) -> float:
    """Seconds until JupyterLab's ``/api`` answers 200 with the token (at most ``limit``)."""
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < limit:
        if lab.poll() is not None:
            raise AssertionError(f"JupyterLab ended ({lab.returncode}): "
                                 f"{log.read_text()[-3000:]}")
        request = urllib.request.Request(f"{url}/api",
                                         headers={"Authorization": f"token {token}"})
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=2) as answer:
            if answer.status == 200:
                return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"JupyterLab did not answer within {limit:.0f} s")


def wait_for_cluster(state: Path, limit: float = 300) -> float:
    """Seconds until the background start wrote its exit status (``background-up.rc``)."""
    started = time.monotonic()
    while not (state / "background-up.rc").is_file():
        if time.monotonic() - started > limit:
            raise AssertionError(f"the background start did not end within {limit:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


@pytest.mark.skipif(binder_available() is not None, reason=str(binder_available()))
def test_binder_as_binder_builds_and_runs_it(tmp_path):
    """postBuild from cold against the mirror, then JupyterLab in 2 GiB and 1 CPU at once.

    The user is fresh (no cache, no ``~/go``), the repository is a copy of
    the git tree that the user owns, downloads come from a mirror on
    127.0.0.1 serving real binaries with their real SHA-256. JupyterLab must
    answer within 30 s, before the cluster is needed; notebooks 01, 04 and 05
    then pass in the same cgroup, 01's first cell waiting for the cluster.
    """
    import urllib.request

    timings: dict[str, float] = {}
    with binder_session(tmp_path, timings) as session:
        user, run, state = session["user"], session["run"], session["state"]
        assert timings["jupyterlab"] < 30, timings
        # postBuild downloaded, checked, and linked; no Go cache is left.
        requests = session["mirror"].requests
        assert any(r.endswith("/kube-apiserver.sha256") for r in requests), requests
        assert any(r.endswith("/SHA256SUMS") for r in requests), requests
        assert not (user.home / "go").exists()
        assert not (user.home / ".cache" / "go-build").exists()
        kubectl = subprocess.run([*run, "kubectl", "version", "--client"],
                                 capture_output=True, text=True, timeout=60,
                                 cwd=str(user.home))
        assert kubectl.returncode == 0, kubectl.stderr
        assert (user.home / ".local" / "bin" / "kubectl").resolve() == \
            user.cache / "bin" / f"kubernetes-{KUBE_VERSION}" / "kubectl"
        # The session's notebooks, as this user, in the cgroup, against the started cluster.
        for name in BINDER_NOTEBOOKS:
            output = user.home / f"{name}-out.ipynb"
            proc = subprocess.run(
                [*run, str(user.python), "-m", "papermill",
                 str(user.home / "notebooks" / f"{name}.ipynb"), str(output),
                 "-p", "namespace", f"binder-{name[:2]}", "-p", "solve_exercises", "True",
                 "--cwd", str(user.home / "notebooks"), "-k", "python3"],
                capture_output=True, text=True, timeout=600, cwd=str(user.home))
            assert proc.returncode == 0, name + proc.stdout[-2000:] + proc.stderr[-3000:]
        assert (state / "background-up.rc").read_text().strip() == "0"
        assert "the lab cluster is running" in (state / "background-up.log").read_text()
        first = json.loads((user.home / "01-getting-started-out.ipynb").read_text())
        setup_cell = next(c for c in first["cells"] if "setup" in c["metadata"].get("tags", []))
        text = "".join("".join(o.get("text", "")) for o in setup_cell.get("outputs", []))
        # Either the cluster was up before the kernel asked, or the cell said it waited.
        assert "is starting" not in text or "the lab cluster is running" in text, text
        # JupyterLab still answers, and nothing was killed for want of memory.
        request = urllib.request.Request(f"{session['url']}/api/kernelspecs",
                                          headers={"Authorization": f"token {session['token']}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        assert session["cgroup"].oom_kills() == 0, session["cgroup"].peak_mib()
