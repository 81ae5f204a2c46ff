"""The images the course runs, made locally, and how they reach a cluster.

Why local images: the lab may have no registry at all (this project's CI has
none, a training room often has a poor network). Every image the course uses
is therefore made on this machine, from Debian's own packages or from a small
Go program built from source, and imported into the cluster's runtime. Each
image says so: its labels name the packages and versions it was made from,
and its name lives under ``k8slab.local/`` so that nobody mistakes it for an
upstream image of another version.

Example:
    >>> from k8slab._binaries.images import CATALOG
    >>> CATALOG["k8slab.local/busybox:1.35"].source
    'Debian package busybox-static'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from k8slab._base.paths import cache_dir, tools_src_dir
from k8slab._binaries import build as _build
from k8slab._binaries import gotoolchain as _gotoolchain
from k8slab._binaries import oci as _oci
from k8slab._binaries.oci import ImageConfig, layer_from_dir, read_index, write_layout
from k8slab.errors import K8sLabError, ToolMissing

#: Packages that a Debian package depends on only for its maintainer scripts:
#: an image never runs those scripts, so their whole subtree is left out.
SCRIPT_ONLY = frozenset({
    "adduser", "debconf", "cdebconf", "dpkg", "init-system-helpers", "lsb-base",
    "sysvinit-utils", "iproute2", "tar", "install-info", "passwd", "login",
    "libelogind0", "perl-base", "gcc-12-base",
})

_PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
           "nginx:x:101:101:nginx:/tmp:/bin/false\n"
           "redis:x:999:999:redis:/data:/bin/false\n"
           "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
_GROUP = "root:x:0:\nnginx:x:101:\nredis:x:999:\nnogroup:x:65534:\n"


@dataclass
class ImageSpec:
    """One image of the course: its name, what it is made of, how it starts."""

    ref: str
    source: str
    what: str
    packages: tuple[str, ...] = ()
    config: ImageConfig = field(default_factory=ImageConfig)
    #: Extra files written into the image (path -> text).
    files: dict[str, str] = field(default_factory=dict)
    #: A command (inside the image) that proves the image works, run at build time.
    smoke: tuple[str, ...] = ()
    #: A lab binary (a name of ``k8slab._binaries.catalog.TOOLS``) copied to ``/<name>``.
    tool: str = ""
    #: Made only when asked (``k8slab images build``, or the lesson that needs it),
    #: never as a side effect of starting a cluster: its binary takes long to build.
    on_demand: bool = False

    @property
    def fingerprint(self) -> str:
        """Changes whenever the recipe does, so a changed image is made again."""
        parts: list = [self.ref, self.packages, self.files, self.smoke,
                       self.config.to_json(), _oci.FORMAT]
        if self.tool:
            from k8slab._binaries.catalog import TOOLS

            parts.append([self.tool, TOOLS[self.tool].version])
        recipe = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(recipe.encode()).hexdigest()[:12]

    @property
    def archive(self) -> Path:
        safe = self.ref.replace("/", "_").replace(":", "_")
        return cache_dir() / "images" / f"{safe}-{self.fingerprint}.tar"


def _nginx_conf(version: str) -> str:
    """nginx as the course needs it: unprivileged (port 8080), logs to the
    container's stdout/stderr, and a few answers that show *which* pod served
    a request (useful behind a Service or an Ingress)."""
    return f"""# Written by k8slab: nginx from Debian, run as an unprivileged user.
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    server {{
        listen 8080;
        root /usr/share/nginx/html;
        location = /hello {{
            default_type text/plain;
            return 200 "Hello from $hostname (web {version})\\n";
        }}
        location = /healthz {{
            default_type text/plain;
            return 200 "ok\\n";
        }}
        location = /whoami {{
            default_type text/plain;
            return 200 "pod=$hostname host=$host uri=$request_uri version={version}\\n";
        }}
    }}
}}
"""


def _web(version: str) -> ImageSpec:
    page = (f"<!doctype html><title>web {version}</title>"
            f"<h1>web {version}</h1><p>nginx from Debian, packed by k8slab.</p>\n")
    return ImageSpec(
        ref=f"k8slab.local/web:{version}",
        source="Debian packages nginx, nginx-common, busybox-static",
        what=f"nginx from Debian as an unprivileged web server on port 8080 (page 'web {version}')",
        # BusyBox gives the image a shell and the usual commands, as the
        # Debian-based upstream nginx images have, so `kubectl exec` has tools.
        packages=("nginx", "nginx-common", "busybox-static"),
        config=ImageConfig(entrypoint=["/usr/sbin/nginx", "-c", "/etc/nginx/k8slab.conf",
                                       "-e", "stderr", "-g", "daemon off;"],
                           user="101:101", ports=["8080/tcp"]),
        files={"/etc/nginx/k8slab.conf": _nginx_conf(version),
               "/usr/share/nginx/html/index.html": page},
        smoke=("/usr/sbin/nginx", "-v"),
    )


def _echo_conf() -> str:
    """nginx as an echo server: every path answers one line that says who served it.

    Why: a routing lesson must *see* where a request went. The line names the
    Service and pod (from the downward API, see :data:`_ECHO_START`), the Host
    header and the path the pod received, and the proxy that relayed it
    (``X-Forwarded-Server``, which Traefik sets to its own pod's name; ``-``
    when the request came straight from a port-forward).
    """
    return """# Written by k8slab: an echo server made of Debian's nginx, unprivileged.
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events { worker_connections 256; }
http {
    access_log /dev/stdout;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    map $http_x_forwarded_server $via { "" "-"; default $http_x_forwarded_server; }
    map $http_x_forwarded_prefix $prefix { "" "-"; default $http_x_forwarded_prefix; }
    server {
        listen 8080;
        set $pod_name $hostname;
        set $pod_namespace "-";
        set $service "-";
        include /tmp/echo-vars*.conf;
        location = /healthz {
            default_type text/plain;
            return 200 "ok\n";
        }
        location / {
            default_type text/plain;
            return 200 "service=$service pod=$pod_name namespace=$pod_namespace host=$host \
path=$request_uri via=$via prefix=$prefix\n";
        }
    }
}
"""


#: The echo image's start: the downward API's values become nginx variables.
_ECHO_START = (
    'printf \'set $pod_name "%s";\\nset $pod_namespace "%s";\\nset $service "%s";\\n\' '
    '"${POD_NAME:-$HOSTNAME}" "${POD_NAMESPACE:--}" "${SERVICE:--}" > /tmp/echo-vars.conf '
    '&& exec /usr/sbin/nginx -c /etc/nginx/k8slab-echo.conf -e stderr -g "daemon off;"'
)


CATALOG: dict[str, ImageSpec] = {s.ref: s for s in [
    ImageSpec(
        ref="k8slab.local/pause:1.0",
        source="Go program tools/pause, built from source",
        what="the pod sandbox: holds the pod's namespaces, reaps orphans",
        config=ImageConfig(entrypoint=["/pause"]),
    ),
    ImageSpec(
        ref="k8slab.local/busybox:1.35",
        source="Debian package busybox-static",
        what="BusyBox 1.35 (sh, ls, cat, sleep, nc, httpd, ...) as one static binary",
        packages=("busybox-static",),
        config=ImageConfig(cmd=["sh"]),
        smoke=("/bin/busybox", "true"),
    ),
    _web("1.0"),
    _web("2.0"),
    ImageSpec(
        ref="k8slab.local/redis:7.0",
        source="Debian packages redis-server, redis-tools, busybox-static",
        what="Redis 7.0 from Debian, run as user redis, data in /data",
        packages=("redis-server", "redis-tools", "busybox-static"),
        config=ImageConfig(entrypoint=["/usr/bin/redis-server"],
                           cmd=["--protected-mode", "no", "--dir", "/data"],
                           user="999:999", ports=["6379/tcp"], working_dir="/data"),
        smoke=("/usr/bin/redis-server", "--version"),
    ),
    ImageSpec(
        ref="k8slab.local/echo:1.0",
        source="Debian packages nginx, nginx-common, busybox-static",
        what="an echo server (nginx, port 8080): every path answers the Service, pod, "
             "host, path and proxy of the request",
        packages=("nginx", "nginx-common", "busybox-static"),
        config=ImageConfig(entrypoint=["/bin/sh", "-c", _ECHO_START],
                           user="101:101", ports=["8080/tcp"]),
        files={"/etc/nginx/k8slab-echo.conf": _echo_conf()},
        # Check the configuration, then drop what the check (run as root) left in /tmp.
        smoke=("/bin/sh", "-c", "/usr/sbin/nginx -t -q -c /etc/nginx/k8slab-echo.conf "
                                "&& rm -rf /tmp/*"),
    ),
    ImageSpec(
        ref="k8slab.local/traefik:3.7.13",
        source="Go module github.com/traefik/traefik/v3 v3.7.13 (wrapper module tools/traefik)",
        what="Traefik v3.7.13, the Ingress and Gateway API controller of notebook 10",
        config=ImageConfig(entrypoint=["/traefik"], user="65534:65534",
                           ports=["8000/tcp", "8080/tcp"]),
        tool="traefik",
        on_demand=True,
    ),
]}

#: The sandbox image containerd is told to use (``sandbox_image``).
PAUSE_IMAGE = "k8slab.local/pause:1.0"


# -- Debian packages -------------------------------------------------------
def _apt_depends(package: str) -> list[str]:
    """Direct Depends/PreDepends of a package (first choice of each)."""
    out = subprocess.run(
        ["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances", package],
        capture_output=True, text=True, check=False)
    deps: list[str] = []
    for line in out.stdout.splitlines():
        stripped = line.strip()
        if stripped.startswith(("Depends:", "PreDepends:", "|Depends:")):
            name = stripped.split(":", 1)[1].strip()
            if not name.startswith("<"):
                deps.append(name.split(":")[0])
    return deps


def package_closure(packages: tuple[str, ...],
                    depends: Callable[[str], list[str]] = _apt_depends) -> list[str]:
    """Every package an image needs: the named ones and what they load.

    Maintainer-script helpers (:data:`SCRIPT_ONLY`) and their dependencies are
    skipped, since no package script ever runs inside an image.
    """
    seen: list[str] = []
    todo = list(packages)
    while todo:
        name = todo.pop(0)
        if name in seen or name in SCRIPT_ONLY:
            continue
        seen.append(name)
        todo.extend(depends(name))
    return seen


def _download_debs(names: list[str], into: Path) -> list[Path]:
    if shutil.which("apt-get") is None:
        raise ToolMissing("Building the course images needs Debian's apt-get and dpkg-deb.",
                          "Build them on Debian or Ubuntu, or load images you already have.")
    into.mkdir(parents=True, exist_ok=True)
    missing = [n for n in names if not list(into.glob(f"{n}_*.deb"))]
    if missing:
        proc = subprocess.run(["apt-get", "download", *missing], cwd=into,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise K8sLabError(
                f"apt-get could not download {', '.join(missing)}:\n{proc.stderr.strip()[-800:]}",
                "Run `apt-get update` once (as root), then `k8slab images build` again.")
    return [next(iter(sorted(into.glob(f"{n}_*.deb")))) for n in names]


def _deb_version(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True,
                          text=True, check=True).stdout.strip()


# -- building ----------------------------------------------------------------
def _build_rootfs(spec: ImageSpec, root: Path) -> dict[str, str]:
    """Fill ``root`` with the image's files; return labels naming the sources."""
    labels: dict[str, str] = {}
    if spec.tool:
        return _tool_rootfs(spec, root)
    if spec.ref == PAUSE_IMAGE:
        # The user's Go 1.26+, else Go's toolchain (downloaded into the cache
        # when allowed); a ToolMissing that says what to install otherwise.
        go = _build.go_executable()
        subprocess.run([go, "build", "-trimpath", "-ldflags", "-s -w", "-o",
                        str(root / "pause"), "."], cwd=tools_src_dir() / "pause",
                       env={**_gotoolchain.go_environ(go), "CGO_ENABLED": "0"}, check=True,
                       capture_output=True)
        labels["k8slab.io/made-from"] = "tools/pause (Go, built from source)"
        return labels
    debs = _download_debs(package_closure(spec.packages), cache_dir() / "debs")
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    labels["k8slab.io/made-from"] = ", ".join(
        f"{d.name.split('_')[0]} {_deb_version(d)}" for d in debs
        if d.name.split("_")[0] in spec.packages)
    for sub in ("etc", "tmp", "data", "dev", "proc", "sys"):
        (root / sub).mkdir(exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "data").chmod(0o1777)
    (root / "etc" / "passwd").write_text(_PASSWD)
    (root / "etc" / "group").write_text(_GROUP)
    if "busybox-static" in spec.packages:
        _busybox_links(root)
    for path, text in spec.files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return labels


def _tool_rootfs(spec: ImageSpec, root: Path) -> dict[str, str]:
    """An image made of one static lab binary (built or downloaded like the others)."""
    from k8slab._binaries import catalog as _tools

    binary = _tools.locate(spec.tool)
    shutil.copy2(binary, root / spec.tool)
    (root / spec.tool).chmod(0o755)
    for sub in ("etc", "tmp", "dev", "proc", "sys"):
        (root / sub).mkdir(exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "etc" / "passwd").write_text(_PASSWD)
    (root / "etc" / "group").write_text(_GROUP)
    return {"k8slab.io/made-from": f"{spec.tool} {_tools.TOOLS[spec.tool].version} "
                                   f"({binary.parent.name} in k8slab's cache)"}


def _busybox_links(root: Path) -> None:
    """``/bin/sh``, ``/bin/ls``...: one symlink per BusyBox applet."""
    busybox = root / "bin" / "busybox"
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        link = root / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")


def _smoke(spec: ImageSpec, root: Path) -> None:
    """Run the image's check command in a chroot, when we are root."""
    if not spec.smoke or os.geteuid() != 0:
        return
    proc = subprocess.run(["chroot", str(root), *spec.smoke], capture_output=True, text=True)
    if proc.returncode != 0:
        raise K8sLabError(f"The image {spec.ref} was built but `{' '.join(spec.smoke)}` "
                          f"fails inside it:\n{(proc.stderr or proc.stdout).strip()[-600:]}",
                          "A library is probably missing from its package list "
                          "(k8slab/_binaries/images.py).")


def build(spec: ImageSpec, *, force: bool = False) -> Path:
    """Make one image into the cache (``~/.cache/k8slab/images``), once."""
    if spec.archive.is_file() and not force:
        return spec.archive
    with tempfile.TemporaryDirectory(prefix="k8slab-image-") as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        labels = _build_rootfs(spec, root)
        _smoke(spec, root)
        config = dataclasses.replace(spec.config, labels={
            "org.opencontainers.image.title": spec.ref,
            "org.opencontainers.image.description": spec.what,
            "org.opencontainers.image.vendor": "made locally by k8slab (not an upstream image)",
            "k8slab.io/source": spec.source,
            **labels,
        })
        write_layout(spec.archive, spec.ref, layer_from_dir(root), config)
    return spec.archive


def build_all(*, force: bool = False, say: Callable[[str], None] = print,
              on_demand: bool = False) -> list[Path]:
    """Make every image of :data:`CATALOG` that is not made yet.

    ``on_demand``: also those made only when asked (Traefik's), else they are
    left as they are.
    """
    out = []
    for spec in CATALOG.values():
        if spec.on_demand and not on_demand:
            if spec.archive.is_file():
                out.append(spec.archive)
            continue
        fresh = force or not spec.archive.is_file()
        out.append(build(spec, force=force))
        if fresh:
            say(f"k8slab: built image {spec.ref} ({spec.archive.stat().st_size // 1024} KiB)")
    return out


def describe() -> list[dict]:
    """One row per course image: name, made or not, what it is made from."""
    rows = []
    for spec in CATALOG.values():
        made = spec.archive.is_file()
        labels = read_index(spec.archive)["labels"] if made else {}
        rows.append({"image": spec.ref, "built": made,
                     "made from": labels.get("k8slab.io/made-from", spec.source),
                     "what": spec.what})
    return rows


# -- loading into a cluster --------------------------------------------------
def load_command(engine: str, archive: Path, *, containerd_socket: Path | None = None,
                 name: str = "k8slab") -> list[str] | None:
    """The command that puts one image archive into the cluster's runtime.

    Returns None for kwok, whose simulated pods need no image at all.

    Example:
        >>> load_command("kind", Path("/c/web.tar"))
        ['kind', 'load', 'image-archive', '/c/web.tar', '--name', 'k8slab']
    """
    if engine == "host":
        if containerd_socket is None:
            raise K8sLabError("The host engine's containerd socket is unknown.",
                              "Start the lab first: `k8slab up --engine host`.")
        return ["ctr", "--address", str(containerd_socket), "--namespace", "k8s.io",
                "images", "import", str(archive)]
    if engine == "kind":
        return ["kind", "load", "image-archive", str(archive), "--name", name]
    if engine == "minikube":
        return ["minikube", "-p", name, "image", "load", str(archive)]
    if engine == "kwok":
        return None
    raise K8sLabError(f"k8slab cannot load images into a {engine!r} cluster.",
                      "Push the images to a registry that cluster can reach, or use the "
                      "host, kind or minikube engine.")


def load_all(engine: str, *, containerd_socket: Path | None = None,
             say: Callable[[str], None] = print, on_demand: bool = False) -> int:
    """Build what is missing, then load every course image; return how many were loaded.

    Images made on demand are loaded when they are made (or ``on_demand``).
    """
    build_all(say=say, on_demand=on_demand)
    count = 0
    for spec in CATALOG.values():
        if spec.on_demand and not spec.archive.is_file():
            continue
        cmd = load_command(engine, spec.archive, containerd_socket=containerd_socket)
        if cmd is None:
            say("k8slab: the kwok engine simulates pods: no image is needed, none loaded.")
            return 0
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise K8sLabError(f"Loading {spec.ref} failed ({' '.join(cmd[:3])}...):\n"
                              f"{(proc.stderr or proc.stdout).strip()[-600:]}",
                              "Is the cluster running? `k8slab status`")
        count += 1
        say(f"k8slab: loaded {spec.ref} into the {engine} cluster")
    return count
