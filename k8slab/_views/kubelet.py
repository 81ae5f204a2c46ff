"""What a pod's containers see of its ConfigMaps and Secrets, computed from the API.

On a real node the kubelet reads the ConfigMaps and Secrets a pod refers to,
turns them into environment variables when a container starts, and writes
them as files into volumes (refreshing those files when the objects change).
The embedded kwok cluster runs no kubelet and no container, so there is no
environment or file to look at. :func:`pod_view` computes them instead, with
the kubelet's rules, from the pod spec and the objects it names, and says so.
On kind or minikube you can compare with ``lab.exec(pod, "env", ns)``.

The rules, in short:

* ``env`` entries and ``envFrom`` sources become variables when a container
  *starts*; a later change to the ConfigMap does not reach a running process.
* ``configMap``, ``secret`` and ``projected`` volumes become one file per key,
  and the kubelet rewrites them after a change (within about a minute), except
  for files mounted with ``subPath``, which are never refreshed.
* Secret values are base64 in the API object and plain text in the container.

When an object changed after a container started (its ``managedFields``
times are later than the container's ``startedAt``; within the same second,
its resourceVersion is later than the pod's), the variables it provided are
flagged: the process still holds the older value, which the API no longer
stores, so the view shows ``None`` and says why.

Example:
    >>> pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
    ...     "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef":
    ...         {"name": "cfg", "key": "mode"}}}],
    ...     "volumeMounts": [{"name": "v", "mountPath": "/etc/cfg"}]}],
    ...     "volumes": [{"name": "v", "configMap": {"name": "cfg"}}]}}
    >>> cfg = {"metadata": {"name": "cfg"}, "data": {"mode": "fast"}}
    >>> view = render(pod, configmaps=[cfg])
    >>> view.env(), view.files()
    ({'MODE': 'fast'}, {'/etc/cfg/mode': 'fast'})
"""

from __future__ import annotations

import base64
import html
import posixpath
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from k8slab._base import display as _display
from k8slab._base.frames import dataframe
from k8slab._core.api_errors import translate
from k8slab._core.objects import parse_time
from k8slab._core.resources import dynamic, get, resource_for
from k8slab.errors import ApiError

if TYPE_CHECKING:
    import pandas as pd

AT_START = "fixed when the container starts"
REFRESHED = "refreshed by the kubelet after a change"
NEVER = "fixed (subPath mounts are never refreshed)"
COMPUTED_NOTE = ("computed by k8slab from the pod spec and the ConfigMaps/Secrets it names, "
                 "with the kubelet's rules (on a real node, `lab.exec` shows the same from "
                 "inside the container; on kwok there is no container to look into)")


@dataclass(frozen=True)
class Seen:
    """One thing a container sees: an environment variable or a file."""

    container: str
    kind: str              # "env" or "file"
    name: str              # variable name, or file path
    value: str | None      # None: missing, or unknown since a change (see note)
    source: str            # e.g. "configmap/app-config[LOG_LEVEL]"
    updates: str           # AT_START, REFRESHED or NEVER
    changed: bool = False  # the source changed after the container started
    note: str = ""


def decode(secret: dict) -> dict[str, str]:
    """A Secret's values, base64-decoded (``data``) merged with ``stringData``.

    Example:
        >>> decode({"data": {"password": "czNjcjN0"}})
        {'password': 's3cr3t'}
    """
    out = {k: _b64(v) for k, v in (secret.get("data") or {}).items()}
    out.update(secret.get("stringData") or {})
    return out


def _b64(value: str) -> str:
    raw = base64.b64decode(value)
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes of binary data>"



def last_change(obj: dict) -> datetime | None:
    """When an object was last written, from its ``managedFields`` (None if unknown).

    Example:
        >>> last_change({"metadata": {"managedFields": [{"time": "2024-05-01T10:00:00Z"},
        ...     {"time": "2024-05-01T10:05:00Z"}]}}).minute
        5
    """
    fields = (obj.get("metadata") or {}).get("managedFields") or []
    times = [parse_time(m.get("time")) for m in fields]
    known = [t for t in times if t]
    return max(known) if known else None


def started_at(pod: dict, container: str) -> datetime | None:
    """When a container (last) started, from the pod's status (None if not running)."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return parse_time(((status.get("state") or {}).get("running") or {}).get("startedAt"))
    return None


def _valid_env_name(key: str) -> bool:
    # Kubernetes 1.34+ accepts any printable ASCII except "=" (older: C identifiers).
    return bool(key) and "=" not in key and all(" " <= ch <= "~" for ch in key)


class _Objects:
    """The ConfigMaps and Secrets a pod may refer to, keyed by (kind, name)."""

    def __init__(self, configmaps: Iterable[dict], secrets: Iterable[dict]) -> None:
        self.objects = {**{("configmap", c["metadata"]["name"]): c for c in configmaps},
                        **{("secret", s["metadata"]["name"]): s for s in secrets}}

    def values(self, kind: str, name: str) -> dict[str, str] | None:
        obj = self.objects.get((kind, name))
        if obj is None:
            return None
        if kind == "secret":
            return decode(obj)
        binary = {k: f"<{len(base64.b64decode(v))} bytes of binary data>"
                  for k, v in (obj.get("binaryData") or {}).items()}
        return {**(obj.get("data") or {}), **binary}

    def changed_since(self, kind: str, name: str, start: datetime | None,
                      pod_version: str | None = None) -> bool:
        """Did the object change after ``start`` (a container's start, second precision)?

        Within the same second, fall back on resource versions: an object
        written after the pod's last update was written after its start.
        (Versions are opaque in the API; with one etcd they increase.)
        """
        obj = self.objects.get((kind, name))
        changed = last_change(obj) if obj else None
        if not (start and changed):
            return False
        if changed != start:
            return changed > start
        version = (obj.get("metadata") or {}).get("resourceVersion", "")
        return (version.isdigit() and (pod_version or "").isdigit()
                and int(version) > int(pod_version))


def _field(pod: dict, path: str) -> str | None:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP")}
    if path in simple:
        return simple[path]
    for prefix, mapping in (("metadata.labels", meta.get("labels")),
                            ("metadata.annotations", meta.get("annotations"))):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return (mapping or {}).get(path[len(prefix) + 2:-2])
    return None


class _Builder:
    """Collects what one container sees, applying the kubelet's rules."""

    def __init__(self, pod: dict, container: dict, objs: _Objects) -> None:
        self.pod, self.container, self.objs = pod, container, objs
        self.start = started_at(pod, container["name"])

    def item(self, kind: str, name: str, source_kind: str, source_name: str, key: str,
             value: str | None, updates: str, optional: bool = False) -> Seen | None:
        source = f"{source_kind}/{source_name}[{key}]" if key else f"{source_kind}/{source_name}"
        if value is None:
            if optional:
                return None
            return Seen(self.container["name"], kind, name, None, source, updates,
                        note=f"{source} is missing: the kubelet would not start the container")
        version = (self.pod.get("metadata") or {}).get("resourceVersion")
        if not self.objs.changed_since(source_kind, source_name, self.start, version):
            return Seen(self.container["name"], kind, name, value, source, updates)
        if updates == REFRESHED:
            return Seen(self.container["name"], kind, name, value, source, updates, True,
                        f"{source_kind}/{source_name} changed after the container started: "
                        "the kubelet rewrites this file within about a minute")
        kept = "process still has" if kind == "env" else "file keeps"
        return Seen(self.container["name"], kind, name, None, source, updates, True,
                    f"{source_kind}/{source_name} changed after the container started: the "
                    f"{kept} the older value; the object now says {value!r}")

    def env(self) -> list[Seen]:
        found: dict[str, Seen | None] = {}
        for source in self.container.get("envFrom") or []:
            prefix = source.get("prefix", "")
            for kind, ref_key in (("configmap", "configMapRef"), ("secret", "secretRef")):
                ref = source.get(ref_key)
                if not ref:
                    continue
                values = self.objs.values(kind, ref["name"])
                if values is None:
                    found[f"<{kind}/{ref['name']}>"] = self.item(
                        "env", f"<every key of {kind}/{ref['name']}>", kind, ref["name"], "",
                        None, AT_START, bool(ref.get("optional")))
                    continue
                for key, value in values.items():
                    if _valid_env_name(prefix + key):
                        found[prefix + key] = self.item("env", prefix + key, kind, ref["name"],
                                                        key, value, AT_START)
        for var in self.container.get("env") or []:
            found[var["name"]] = self._one_var(var)
        return [s for s in found.values() if s is not None]

    def _one_var(self, var: dict) -> Seen | None:
        name, value_from = var["name"], var.get("valueFrom")
        if value_from is None:
            return Seen(self.container["name"], "env", name, var.get("value", ""),
                        "literal in the pod spec", AT_START)
        for kind, ref_key in (("configmap", "configMapKeyRef"), ("secret", "secretKeyRef")):
            ref = value_from.get(ref_key)
            if ref:
                values = self.objs.values(kind, ref["name"]) or {}
                return self.item("env", name, kind, ref["name"], ref["key"],
                                 values.get(ref["key"]), AT_START, bool(ref.get("optional")))
        if "fieldRef" in value_from:
            path = value_from["fieldRef"]["fieldPath"]
            return Seen(self.container["name"], "env", name, _field(self.pod, path),
                        f"field {path}", AT_START)
        resource = (value_from.get("resourceFieldRef") or {}).get("resource", "?")
        return Seen(self.container["name"], "env", name, None, f"resource {resource}",
                    AT_START, note="computed by the kubelet from the container's resources")

    def files(self) -> list[Seen]:
        volumes = {v["name"]: v for v in (self.pod.get("spec") or {}).get("volumes") or []}
        seen = []
        for mount in self.container.get("volumeMounts") or []:
            volume = volumes.get(mount["name"])
            if volume is None:
                continue
            sub = mount.get("subPath")
            updates = NEVER if sub else REFRESHED
            for path, kind, obj_name, key, value, optional in self._volume(volume):
                if sub and path != sub:
                    continue
                target = mount["mountPath"] if sub else posixpath.join(mount["mountPath"], path)
                if kind in ("field", "token"):
                    source = f"field {key}" if kind == "field" else "ServiceAccount token"
                    seen.append(Seen(self.container["name"], "file", target, value, source,
                                     updates))
                    continue
                item = self.item("file", target, kind, obj_name, key, value, updates, optional)
                if item is not None:
                    seen.append(item)
        return seen

    def _volume(self, volume: dict) -> list[tuple[str, str, str, str, str | None, bool]]:
        """(path, source kind, source name, key, value, optional) per file of a volume."""
        refs: list[tuple[str, dict]] = []
        if "configMap" in volume:
            refs.append(("configmap", volume["configMap"]))
        if "secret" in volume:
            refs.append(("secret", {**volume["secret"], "name": volume["secret"]["secretName"]}))
        files: list[tuple[str, str, str, str, str | None, bool]] = []
        downward = list((volume.get("downwardAPI") or {}).get("items") or [])
        account = (self.pod.get("spec") or {}).get("serviceAccountName") or "default"
        for source in (volume.get("projected") or {}).get("sources") or []:
            for kind, key in (("configmap", "configMap"), ("secret", "secret")):
                if key in source:
                    refs.append((kind, source[key]))
            downward.extend((source.get("downwardAPI") or {}).get("items") or [])
            if "serviceAccountToken" in source:
                files.append((source["serviceAccountToken"].get("path", "token"), "token", "",
                              "", f"<a short-lived token of ServiceAccount {account}>", False))
        for kind, ref in refs:
            optional = bool(ref.get("optional"))
            values = self.objs.values(kind, ref["name"])
            if values is None:
                files.append(("", kind, ref["name"], "", None, optional))
                continue
            items = ref.get("items")
            chosen = [(i["key"], i["path"]) for i in items] if items else [(k, k) for k in values]
            files.extend((path, kind, ref["name"], key, values.get(key), optional)
                         for key, path in chosen)
        for item in downward:
            path = (item.get("fieldRef") or {}).get("fieldPath", "")
            files.append((item["path"], "field", "", path, _field(self.pod, path), False))
        return files


@dataclass(frozen=True)
class PodView:
    """Everything a pod's containers see of its configuration, one row per item."""

    pod: str
    containers: tuple[str, ...]
    items: tuple[Seen, ...]

    def _pick(self, container: str | None) -> str | None:
        return container or (self.containers[0] if self.containers else None)

    def env(self, container: str | None = None) -> dict[str, str | None]:
        """Environment variables (of one container, default: the first)."""
        wanted = self._pick(container)
        return {s.name: s.value for s in self.items if s.kind == "env" and s.container == wanted}

    def files(self, container: str | None = None) -> dict[str, str | None]:
        """Files by path (of one container, default: the first)."""
        wanted = self._pick(container)
        return {s.name: s.value for s in self.items if s.kind == "file"
                and s.container == wanted}

    def changed(self) -> list[Seen]:
        """Items whose source changed after their container started."""
        return [s for s in self.items if s.changed]

    def outdated(self) -> list[Seen]:
        """Items a running container will not see change until it restarts."""
        return [s for s in self.items if s.changed and s.updates != REFRESHED]

    def after_update(self, now: PodView) -> PodView:
        """Combine a view taken at start (``self``) with one taken after a change.

        Variables and ``subPath`` files keep the values from ``self`` (the
        container started with them); refreshed files take their content
        from ``now``. The result is what the running containers see once the
        kubelet caught up, including the values the API no longer stores.
        """
        fresh = {(s.container, s.name): s for s in now.items if s.updates == REFRESHED}
        items = [fresh.pop((s.container, s.name), s) if s.updates == REFRESHED else s
                 for s in self.items]
        items.extend(fresh.values())
        return replace(self, items=tuple(items))

    def frame(self) -> pd.DataFrame:
        """A table: container, kind, name, value (``?`` when unknown), source, updates, note."""
        columns = ["container", "kind", "name", "value", "source", "updates", "note"]
        rows = [{**asdict(s), "value": _short(s.value)} for s in self.items]
        return dataframe(rows, columns=[*columns, "changed"])[columns]

    def _repr_html_(self) -> str:
        note = (f'<div style="color:#777;font-size:90%">What pod <b>{html.escape(self.pod)}'
                f"</b> sees, {html.escape(COMPUTED_NOTE)}:</div>")
        return note + self.frame().to_html(index=False)

    def __repr__(self) -> str:
        return f"What pod {self.pod} sees, {COMPUTED_NOTE}:\n{self.frame().to_string(index=False)}"


def compare(views: dict[str, PodView]) -> pd.DataFrame:
    """Side by side, what each view sees: one row per variable or file, one column per view.

    Example:
        >>> a = PodView("p", ("c",), (Seen("c", "env", "MODE", "slow", "literal", AT_START),))
        >>> b = PodView("p", ("c",), (Seen("c", "env", "MODE", "fast", "literal", AT_START),))
        >>> compare({"before": a, "after": b}).loc["MODE"].tolist()
        ['slow', 'fast']
    """
    columns = {label: {**view.env(), **view.files()} for label, view in views.items()}
    names = list(dict.fromkeys(name for values in columns.values() for name in values))
    return dataframe({label: [_short(values.get(name)) if name in values else ""
                                 for name in names] for label, values in columns.items()},
                        index=names)


def _short(value: str | None, width: int = 60) -> str:
    """A value for display: ``?`` when unknown, one line, at most ``width`` characters."""
    if value is None:
        return "?"
    text = value.strip().replace("\n", " \u23ce ")
    return text if len(text) <= width else text[:width - 1] + "\u2026"


def render(pod: dict, configmaps: Iterable[dict] = (), secrets: Iterable[dict] = ()
           ) -> PodView:
    """Compute what a pod's containers see, from the objects given (pure)."""
    objs = _Objects(configmaps, secrets)
    items: list[Seen] = []
    containers = (pod.get("spec") or {}).get("containers") or []
    for container in containers:
        builder = _Builder(pod, container, objs)
        items.extend(builder.env())
        items.extend(builder.files())
    return PodView((pod.get("metadata") or {}).get("name", "?"),
                   tuple(c["name"] for c in containers), tuple(items))


def referenced(pod: dict) -> tuple[set[str], set[str]]:
    """Names of the ConfigMaps and of the Secrets a pod refers to."""
    cms: set[str] = set()
    secrets: set[str] = set()
    spec = pod.get("spec") or {}
    for container in spec.get("containers") or []:
        for source in container.get("envFrom") or []:
            if "configMapRef" in source:
                cms.add(source["configMapRef"]["name"])
            if "secretRef" in source:
                secrets.add(source["secretRef"]["name"])
        for var in container.get("env") or []:
            value_from = var.get("valueFrom") or {}
            if "configMapKeyRef" in value_from:
                cms.add(value_from["configMapKeyRef"]["name"])
            if "secretKeyRef" in value_from:
                secrets.add(value_from["secretKeyRef"]["name"])
    for volume in spec.get("volumes") or []:
        sources = [volume, *((volume.get("projected") or {}).get("sources") or [])]
        for source in sources:
            if "configMap" in source:
                cms.add(source["configMap"]["name"])
            if "secret" in source:
                secret = source["secret"]
                secrets.add(secret.get("secretName") or secret.get("name"))
    return cms, secrets


def pod_view(pod: str | dict, namespace: str | None = None) -> PodView:
    """What a pod's containers see of its ConfigMaps and Secrets, as of now.

    Args:
        pod: a pod name, or the pod object from ``lab.get``.
        namespace: the pod's namespace (read from the object when one is given).

    Returns:
        A :class:`PodView`: shown as a table; ``.env()`` and ``.files()`` give dicts.

    Example:
        >>> view = pod_view("app-7c9d-abcde", "demo")   # doctest: +SKIP
        >>> view.env()["LOG_LEVEL"]                     # doctest: +SKIP
        'info'
    """
    if isinstance(pod, str):
        pod = get("Pod", pod, namespace)
    namespace = namespace or pod["metadata"].get("namespace")
    cm_names, secret_names = referenced(pod)
    configmaps = [o for o in (_read("ConfigMap", n, namespace) for n in sorted(cm_names)) if o]
    secrets = [o for o in (_read("Secret", n, namespace) for n in sorted(secret_names)) if o]
    return render(pod, configmaps, secrets)


def _read(kind: str, name: str, namespace: str) -> dict | None:
    """An object *with* its managedFields (``lab.get`` drops them), or None if missing."""
    res = resource_for(kind)
    _display.announce(_display.kubectl("get", res.name, name, "-n", namespace, "-o", "yaml",
                                       "--show-managed-fields"),
                      "GET", res.path(name=name, namespace=namespace))
    try:
        return dynamic().get(res, name=name, namespace=namespace).to_dict()
    except Exception as exc:
        err = translate(exc, action="get", kind=kind, name=name, namespace=namespace)
        if isinstance(err, ApiError) and err.status == 404:
            return None
        raise err from exc
