"""Certificates for the embedded cluster's private links: etcd and the exec gate.

kwokctl starts etcd with a plain-HTTP client port on 127.0.0.1, so any local
process (a learner's ``kubectl exec`` on kwok runs one on this machine) could
read every Secret straight from the database. k8slab therefore gives etcd and
the API server certificates from a CA of its own and turns on client
certificate authentication: only a holder of ``apiserver-etcd-client.key``
(the API server) gets an answer. The same CA signs the exec gate's serving
certificate and the API server's client certificate for it (see
``k8slab.engines._execgate``), so the gate too answers the API server only.

Everything lives in one folder, mode 0700, keys and certificates 0600, owned
by the user who started the cluster (the same user kwokctl runs etcd and the
API server as). The keys are made with the ``openssl`` command line, present
on every Linux and macOS machine, so no extra Python dependency is needed.

Example:
    >>> pki = ensure_pki(Path(".k8slab/pki"))          # doctest: +SKIP
    >>> pki.etcd_cert.name
    'etcd.crt'
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from k8slab.errors import K8sLabError

DAYS = "3650"

#: name -> (subject CN, extended key usages, subject alternative names)
LEAVES: dict[str, tuple[str, str, str | None]] = {
    # etcd serves clients and its own peer port with one certificate.
    "etcd": ("k8slab-etcd", "serverAuth,clientAuth", "IP:127.0.0.1,DNS:localhost"),
    "apiserver-etcd-client": ("kube-apiserver-etcd-client", "clientAuth", None),
    "execgate": ("k8slab-execgate", "serverAuth", "IP:127.0.0.1,DNS:localhost"),
    "apiserver-kubelet-client": ("kube-apiserver-kubelet-client", "clientAuth", None),
}


@dataclass(frozen=True)
class Pki:
    """Paths of the CA and the leaf certificates in a PKI folder."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    def cert(self, name: str) -> Path:
        return self.folder / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.folder / f"{name}.key"

    @property
    def etcd_cert(self) -> Path:
        return self.cert("etcd")

    def complete(self) -> bool:
        """True when the CA and every leaf are present."""
        return self.ca_cert.is_file() and all(
            self.cert(n).is_file() and self.key(n).is_file() for n in LEAVES)


def _openssl(*args: str, cwd: Path) -> None:
    exe = shutil.which("openssl")
    if exe is None:
        raise K8sLabError("The openssl command is not installed: k8slab needs it to make the "
                          "certificates that keep etcd private.",
                          "Install it (`apt-get install openssl`), then run `k8slab up` again.")
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise K8sLabError(f"openssl {args[0]} failed: {done.stderr.strip()[-400:]}",
                          "Check that `openssl version` works (OpenSSL 1.1.1 or newer).")


def ensure_pki(folder: Path, *, fresh: bool = False) -> Pki:
    """Create (or keep) the CA and leaf certificates in ``folder``, owner-only.

    Args:
        folder: where the files go; created with mode 0700.
        fresh: throw away what is there and make a new CA (a new cluster).

    Raises:
        K8sLabError: openssl is missing or failed.
    """
    pki = Pki(folder)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if pki.complete():
        return pki
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", DAYS,
             "-subj", "/CN=k8slab internal CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for name, (cn, usages, sans) in LEAVES.items():
            ext = Path(tmp) / f"{name}.ext"
            lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
                     f"extendedKeyUsage={usages}"]
            if sans:
                lines.append(f"subjectAltName={sans}")
            ext.write_text("\n".join(lines) + "\n")
            csr = Path(tmp) / f"{name}.csr"
            _openssl("req", "-new", *curve, "-keyout", f"{name}.key", "-out", str(csr),
                     "-subj", f"/CN={cn}", cwd=folder)
            _openssl("x509", "-req", "-in", str(csr), "-CA", "ca.crt", "-CAkey", "ca.key",
                     "-set_serial", str(secrets.randbits(63)), "-days", DAYS,
                     "-extfile", str(ext), "-out", f"{name}.crt", cwd=folder)
    for path in folder.iterdir():
        path.chmod(0o600)
    return pki
