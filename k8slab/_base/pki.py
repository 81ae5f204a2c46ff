"""Certificates for the embedded cluster's private links: etcd and the exec gate.

kwokctl starts etcd with a plain-HTTP client port on 127.0.0.1, so any local
process (a learner's ``kubectl exec`` on kwok runs one on this machine) could
read every Secret straight from the database. k8slab therefore gives etcd and
the API server certificates from a CA of its own and turns on client
certificate authentication: only a holder of ``apiserver-etcd-client.key``
(the API server) gets an answer. The same CA signs the exec gate's serving
certificate and the API server's client certificate for it (see
``k8slab.engines._execgate``), so the gate too answers the API server only,
and the workshop hub's HTTPS certificate (:func:`server_certificate`), whose
CA fingerprint (:func:`fingerprint`) the instructor hands out to the room.

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

import hashlib
import ipaddress
import secrets
import shutil
import ssl
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
    _make_ca(folder, "k8slab internal CA")
    for name, (cn, usages, sans) in LEAVES.items():
        _sign_leaf(folder, folder, name, cn, usages, sans, DAYS)
    for path in folder.iterdir():
        path.chmod(0o600)
    return pki


_CURVE = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def _make_ca(folder: Path, cn: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    _openssl("req", "-x509", *_CURVE, "-keyout", "ca.key", "-out", "ca.crt", "-days", DAYS,
             "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    for name in ("ca.key", "ca.crt"):
        (folder / name).chmod(0o600)


def _sign_leaf(ca_folder: Path, out: Path, name: str, cn: str, usages: str,
               sans: str | None, days: str) -> None:
    """``out/<name>.key`` and ``out/<name>.crt``, signed by the CA of ``ca_folder``."""
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        ext = Path(tmp) / f"{name}.ext"
        lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
                 f"extendedKeyUsage={usages}"]
        if sans:
            lines.append(f"subjectAltName={sans}")
        ext.write_text("\n".join(lines) + "\n")
        csr = Path(tmp) / f"{name}.csr"
        _openssl("req", "-new", *_CURVE, "-keyout", str(out / f"{name}.key"), "-out", str(csr),
                 "-subj", f"/CN={cn}", cwd=out)
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_folder / "ca.crt"),
                 "-CAkey", str(ca_folder / "ca.key"),
                 "-set_serial", str(secrets.randbits(63)), "-days", days,
                 "-extfile", str(ext), "-out", str(out / f"{name}.crt"), cwd=out)
    for suffix in (".key", ".crt"):
        (out / f"{name}{suffix}").chmod(0o600)


def ensure_ca(folder: Path, cn: str = "k8slab internal CA") -> Pki:
    """A CA in ``folder`` (0700, files 0600): the one there, or a new one if it has none.

    Unlike :func:`ensure_pki`, an existing CA is never replaced, whatever else
    the folder lacks: a running cluster's certificates stay valid.
    """
    pki = Pki(folder)
    if not (pki.ca_cert.is_file() and (folder / "ca.key").is_file()):
        _make_ca(folder, cn)
    return pki


def server_certificate(ca: Pki, out: Path, name: str, hosts: list[str],
                       days: int = 90) -> tuple[Path, Path]:
    """A serving certificate for ``hosts`` (names or IP addresses), signed by ``ca``.

    Written as ``out/<name>.crt`` and ``out/<name>.key`` (``out`` 0700, files
    0600); made anew at each call, so a change of address needs no clean-up.

    Returns:
        The certificate and key paths.

    Raises:
        K8sLabError: openssl is missing or failed, or ``hosts`` is empty.
    """
    if not hosts:
        raise K8sLabError("A server certificate needs at least one host name or address.",
                          "Name the host the room reaches, e.g. `--tls-host lab.example.org`.")
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    sans = ",".join(f"IP:{h}" if _is_ip(h) else f"DNS:{h}" for h in dict.fromkeys(hosts))
    _sign_leaf(ca.folder, out, name, hosts[0], "serverAuth", sans, str(days))
    return out / f"{name}.crt", out / f"{name}.key"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def fingerprint(cert: Path) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as browsers show it (``AB:CD:...``).

    Raises:
        K8sLabError: the file holds no PEM certificate.
    """
    text = cert.read_text()
    start = text.find("-----BEGIN CERTIFICATE-----")
    end = text.find("-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise K8sLabError(f"{cert} holds no PEM certificate.",
                          "Give the certificate file (`-----BEGIN CERTIFICATE-----`).")
    der = ssl.PEM_cert_to_DER_cert(text[start:end + len("-----END CERTIFICATE-----")])
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
