"""Run the real etcdctl and etcdutl against the embedded cluster's etcd.

Why: the first thing a sysadmin asks of a new cluster is "how do I back it
up?", and the answer is etcd's own tools, not ours: ``etcdctl snapshot save``
copies the database from the running etcd, ``etcdutl snapshot status`` and
``etcdutl snapshot restore`` work on the file. On the lab's own engines (kwok
and host) etcd listens on 127.0.0.1 and answers only clients that show a
certificate of the lab's CA (:mod:`k8slab._base.pki`); these helpers pass the one
the API server uses, which only the instructor's user can read. Every call
prints the full command line first, so it can be typed in a terminal as it is.

On kind or minikube etcd runs as a static pod of the control plane: there the
same commands run inside it with ``kubectl -n kube-system exec etcd-<node> --
etcdctl ...``, and the error says so.

Example:
    >>> lab.etcdctl("snapshot", "save", "/tmp/lab.db")           # doctest: +SKIP
    $ etcdctl --endpoints https://127.0.0.1:39191 --cacert ... snapshot save /tmp/lab.db
    Snapshot saved at /tmp/lab.db
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import state_dir
from k8slab._base.pki import Pki
from k8slab._base.procs import free_port as _free_port
from k8slab._base.procs import stop as _stop_process
from k8slab.errors import ClusterUnavailable, EtcdctlFailed, K8sLabError


def _binary(name: str) -> Path:
    from k8slab._binaries import catalog as _tools

    return _tools.locate(name, quiet=True)


def connection_args() -> list[str]:
    """``--endpoints`` and the TLS flags of the lab's etcd, from the cluster record.

    Raises:
        ClusterUnavailable: no lab cluster is recorded.
        K8sLabError: the cluster's etcd is not one k8slab started (kind, minikube, existing).
    """
    record = ClusterRecord.load()
    if record is None:
        raise ClusterUnavailable("No lab cluster is running, so there is no etcd to talk to.",
                                 "Start one with `k8slab up`, then run this cell again.")
    from k8slab.engines import engine_for  # lazy: `import k8slab` loads no engine code

    port = (record.extra.get("internal_ports") or {}).get("etcd")
    if not engine_for(record).owns_etcd or not port:
        raise K8sLabError(
            f"The {record.engine} engine's etcd is not one k8slab started, so its address and "
            "certificates are not in the lab's state folder.",
            "On kind or minikube etcd is a static pod: run the same command inside it, e.g. "
            "`kubectl -n kube-system exec etcd-<control-plane-node> -- etcdctl --endpoints "
            "https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert "
            "/etc/kubernetes/pki/etcd/server.crt --key /etc/kubernetes/pki/etcd/server.key "
            "snapshot save /var/lib/etcd/backup.db`.",
        )
    pki = Pki(state_dir() / "pki")
    if not pki.cert("apiserver-etcd-client").is_file():
        raise K8sLabError(
            f"etcd's client certificate is missing from {pki.folder}.",
            "It is made by `k8slab up`; run `k8slab down` then `k8slab up` to make it again.",
        )
    return ["--endpoints", f"https://127.0.0.1:{port}", "--cacert", str(pki.ca_cert),
            "--cert", str(pki.cert("apiserver-etcd-client")),
            "--key", str(pki.key("apiserver-etcd-client"))]


def _run(command: list[str], shown: str) -> str:
    # Printed always, not through _display.announce: the command *is* the lesson here.
    print(f"$ {shown}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    output = done.stdout.strip()
    if done.returncode != 0:
        why = (done.stderr.strip() or output or "no output")[-1500:]
        raise EtcdctlFailed(
            f"`{shown}` exited with status {done.returncode}: {why}",
            "Read etcd's message above; `k8slab status` tells whether the cluster is up.",
        )
    # Their progress logs (JSON, on stderr) are left out; the result is on stdout.
    print(output)
    return output


def etcdctl(*args: str) -> str:
    """Run the real etcdctl against the lab's etcd (with the API server's certificate).

    Args:
        args: etcdctl's own arguments, e.g. ``"snapshot", "save", path``.

    Returns:
        What etcdctl printed (also printed).

    Raises:
        EtcdctlFailed: etcdctl exited non-zero; the message is etcdctl's.

    Example:
        >>> lab.etcdctl("endpoint", "status", "-w", "table")      # doctest: +SKIP
    """
    conn = connection_args()
    binary = _binary("etcdctl")
    return _run([str(binary), *conn, *args], shlex.join(["etcdctl", *conn, *args]))


def etcdutl(*args: str) -> str:
    """Run the real etcdutl (offline work on snapshot files and data folders).

    Example:
        >>> lab.etcdutl("snapshot", "status", "/tmp/lab.db", "-w", "table")  # doctest: +SKIP
    """
    words = [str(a) for a in args]
    return _run([str(_binary("etcdutl")), *words], shlex.join(["etcdutl", *words]))


@contextmanager
def restored_etcd(snapshot: str | Path, folder: str | Path) -> Iterator[list[str]]:
    """Restore a snapshot into ``folder`` and run a second, throw-away etcd on it.

    Why: a backup is only proven by a restore. This restores next to the lab,
    never over it (the lab's etcd keeps running), on free 127.0.0.1 ports and
    behind the same certificates as the lab's etcd (a restored database holds
    every Secret, so it must not answer strangers either). The etcd stops when
    the ``with`` block ends; ``folder`` is left for you to look at or delete.

    Yields:
        The etcdctl connection flags of the restored etcd (for ``etcdctl_to``).

    Example:
        >>> with lab.restored_etcd("/tmp/lab.db", "/tmp/restored") as conn:  # doctest: +SKIP
        ...     lab.etcdctl_to(conn, "get", "/registry/namespaces/demo", "--keys-only")
    """
    pki = Pki(state_dir() / "pki")
    client, peer = _free_port(), _free_port()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise K8sLabError(f"{folder} is not empty: etcdutl restores only into a new folder.",
                          f"Pick another folder, or delete this one (rm -r {folder}).")
    etcdutl("snapshot", "restore", str(snapshot), "--data-dir", str(folder), "--name", "restored",
            "--initial-cluster", f"restored=https://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"https://127.0.0.1:{peer}")
    tls = ["--cert-file", str(pki.etcd_cert), "--key-file", str(pki.key("etcd")),
           "--trusted-ca-file", str(pki.ca_cert), "--client-cert-auth",
           "--peer-cert-file", str(pki.etcd_cert), "--peer-key-file", str(pki.key("etcd")),
           "--peer-trusted-ca-file", str(pki.ca_cert), "--peer-client-cert-auth"]
    log = (state_dir() / "logs")
    log.mkdir(parents=True, exist_ok=True)
    with open(log / "etcd-restored.log", "ab") as out:
        proc = subprocess.Popen(
            [str(_binary("etcd")), "--name", "restored", "--data-dir", str(folder),
             "--listen-client-urls", f"https://127.0.0.1:{client}",
             "--advertise-client-urls", f"https://127.0.0.1:{client}",
             "--listen-peer-urls", f"https://127.0.0.1:{peer}", "--listen-metrics-urls", "",
             *tls], stdout=out, stderr=subprocess.STDOUT)
    conn = ["--endpoints", f"https://127.0.0.1:{client}", "--cacert", str(pki.ca_cert),
            "--cert", str(pki.cert("apiserver-etcd-client")),
            "--key", str(pki.key("apiserver-etcd-client"))]
    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run([str(_binary("etcdctl")), *conn, "endpoint", "health"],
                                   capture_output=True, text=True, timeout=20)
            if probe.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise EtcdctlFailed(
                    f"the restored etcd did not become healthy: {probe.stderr.strip()}",
                    f"Its log is {log / 'etcd-restored.log'}.")
            time.sleep(0.3)
        print(f"a restored etcd runs on 127.0.0.1:{client} from {folder} (the lab's etcd is "
              "untouched)")
        yield conn
    finally:
        _stop_process(proc, grace=10)


def etcdctl_to(conn: list[str], *args: str) -> str:
    """Run etcdctl against another etcd than the lab's (e.g. :func:`restored_etcd`'s)."""
    return _run([str(_binary("etcdctl")), *conn, *args], shlex.join(["etcdctl", *conn, *args]))
