"""Run a kopf operator from a notebook, and read what its handlers did.

`kopf <https://kopf.readthedocs.io/>`_ is the Python operator framework: you
write handlers (``@kopf.on.create``, ``@kopf.on.event``...) and kopf does the
watching, the queueing, the retries and the bookkeeping. A real operator runs
kopf as its main program, in a pod. In a lesson it runs here instead, inside
the notebook's kernel, so the learner can change a handler and start again:

* :func:`start` runs ``kopf.operator`` in a background thread with an event
  loop of its own, limited to the notebook's namespace, in standalone mode (no
  peering objects needed), logged in with the lab's kubeconfig only (never
  ``~/.kube/config``); it prints kopf's version;
* :meth:`Operator.stop` (or ``lab.cleanup`` of that namespace) stops it
  cleanly: the watches end and the thread is joined, so a notebook run by
  papermill exits;
* every message of kopf and of the handlers about an object lands in
  :meth:`Operator.timeline`, a table, instead of being printed into whichever
  cell happens to run (the thread never prints);
* :func:`apply`, :func:`read` and :func:`set_status` are the calls handlers
  use: on a client of their own (threads must not share the notebook's), and
  each logs what it changed, so the timeline says what the handler did.

Example:
    >>> import kopf                                                   # doctest: +SKIP
    >>> @kopf.on.create("k8slab.io", "v1alpha1", "websites")          # doctest: +SKIP
    ... def created(body, logger, **_):
    ...     logger.info("saw it")
    >>> op = start("demo")                                            # doctest: +SKIP
    kopf 1.45.2 is running the operator in namespace 'demo' ...
    >>> op.timeline()                                                 # doctest: +SKIP
    >>> op.stop()                                                     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from kubernetes.client.exceptions import ApiException

from k8slab._core import namespaces as _namespaces
from k8slab._core.api_errors import translate
from k8slab._core.client import connect
from k8slab._core.own_client import own_client, resource_of
from k8slab.errors import K8sLabError

__all__ = [
    "Entry", "Operator", "apply", "leftovers", "read", "running", "set_status", "start",
    "stop",
]

#: The field manager of what handlers apply (shown in ``managedFields``).
FIELD_MANAGER = "website-operator"

#: kopf's routine lines, left out of the timeline unless asked for.
_ROUTINE = re.compile(r"^(Handler '.*' succeeded\.|Activity '.*' succeeded\."
                      r"|Initial authentication has .*|OS signals are ignored.*)$")

#: kopf's warnings that are expected here (it runs in a thread, not as a program).
_EXPECTED = re.compile(r"^OS signals are ignored")


@dataclass(frozen=True)
class Entry:
    """One message about one object, from kopf or from a handler."""

    seconds: float
    object: str
    handler: str
    level: str
    message: str


# -- Where kopf offers no public API ----------------------------------------
# Two questions this module asks have no public answer in kopf 1.x: which
# handler is running (for the timeline's "handler" column), and which handlers
# a registry holds (to copy the latest ones into a fresh registry, and to name
# them). Both are answered here and nowhere else; tests/unit/test_operators_kopf.py
# fails when a kopf release moves them, instead of a notebook silently losing
# its handler column or its handlers.

#: The sub-registries in which a ``kopf.OperatorRegistry`` keeps its handlers (kopf 1.x).
KOPF_HANDLER_PARTS = ("_indexing", "_watching", "_spawning", "_changing", "_webhooks")
#: Those of them whose handlers react to objects (named in :func:`start`'s line).
KOPF_OBJECT_PARTS = ("_watching", "_spawning", "_changing")


def _handlers_of(registry: Any, part: str) -> list[Any]:
    """The handlers of one sub-registry of ``registry`` (see :data:`KOPF_HANDLER_PARTS`)."""
    return list(getattr(registry, part).get_all_handlers())


def _add_handler(registry: Any, part: str, handler: Any) -> None:
    """Put ``handler`` into the sub-registry ``part`` of ``registry``."""
    getattr(registry, part).append(handler)


def _current_handler_id() -> str:
    """The id of the kopf handler running in this context, or "" outside any handler."""
    try:
        from kopf._core.actions import execution
    except ImportError:  # a kopf that moved it: the timeline's handler column stays empty
        return ""
    current = execution.handler_var.get(None)
    return str(current.id) if current is not None else ""


# -- kopf's logger, borrowed while operators run -------------------------------
_KOPF_LOGGER = "kopf"
#: The operators now holding kopf's logger, and its settings from before the first one.
_LOGGER_HOLDERS: set[object] = set()
_LOGGER_BEFORE: dict[str, Any] = {}


def _borrow_kopf_logger(holder: object, collector: logging.Handler) -> None:
    """Route kopf's messages to ``collector`` only (nothing printed into whichever cell runs).

    The logger's level and ``propagate`` are remembered when the first
    operator borrows it and given back by :func:`_return_kopf_logger` when the
    last one stops: a kopf run later in the same kernel logs as kopf usually does.
    """
    logger = logging.getLogger(_KOPF_LOGGER)
    if not _LOGGER_HOLDERS:
        _LOGGER_BEFORE.update(level=logger.level, propagate=logger.propagate)
    _LOGGER_HOLDERS.add(holder)
    logger.addHandler(collector)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _return_kopf_logger(holder: object, collector: logging.Handler) -> None:
    """Undo :func:`_borrow_kopf_logger` for ``holder`` (harmless if it borrowed nothing)."""
    logger = logging.getLogger(_KOPF_LOGGER)
    logger.removeHandler(collector)
    if holder not in _LOGGER_HOLDERS:
        return
    _LOGGER_HOLDERS.discard(holder)
    if not _LOGGER_HOLDERS and _LOGGER_BEFORE:
        logger.setLevel(_LOGGER_BEFORE.pop("level"))
        logger.propagate = _LOGGER_BEFORE.pop("propagate")


class _Collector(logging.Handler):
    """Logging handler that keeps the operator's per-object messages of one namespace."""

    def __init__(self, operator: Operator) -> None:
        super().__init__(logging.DEBUG)
        self.operator = operator

    def emit(self, record: logging.LogRecord) -> None:
        ref = getattr(record, "k8s_ref", None) or {}
        namespace = ref.get("namespace")
        if namespace is not None and namespace != self.operator.namespace:
            return
        handler = _current_handler_id()
        obj = f"{ref.get('kind', '')}/{ref.get('name', '')}" if ref else "(operator)"
        message = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            message += f" ({record.exc_info[0].__name__})"  # kopf's text omits the type
        self.operator._add(Entry(time.monotonic() - self.operator.started, obj, handler,
                                 record.levelname, message))


class Operator:
    """A kopf operator running in a background thread of this kernel, for one namespace.

    Made by :func:`start`; use :meth:`timeline` to see what it did and
    :meth:`stop` to stop it.
    """

    def __init__(self, namespace: str, registry: Any) -> None:
        import kopf

        self.namespace = namespace
        self.registry = registry
        self.version = kopf.__version__
        self.started = time.monotonic()
        self._entries: list[Entry] = []
        self._lock = threading.Lock()
        self._stop_flag = threading.Event()
        self._ready_flag = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._settings: Any = None
        self._collector = _Collector(self)

    # -- lifecycle ----------------------------------------------------------

    def _run(self) -> None:
        import kopf

        settings = kopf.OperatorSettings()
        # Progress in annotations only: this CRD's status schema would prune kopf's own field.
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
        settings.posting.level = logging.INFO          # handlers' infos become Events too
        settings.posting.loggers = True                # (kopf 1.45 posts them only if asked)
        settings.watching.server_timeout = 30
        settings.networking.request_timeout = 30
        self._settings = settings
        try:
            asyncio.run(kopf.operator(registry=self.registry, settings=settings,
                                      standalone=True, clusterwide=False,
                                      namespaces=[self.namespace],
                                      stop_flag=self._stop_flag,
                                      ready_flag=self._ready_flag))
        except BaseException as exc:
            self._failure = exc
            self._ready_flag.set()
        finally:  # the pool that ran the sync handlers: no thread left behind
            settings.execution.executor.shutdown(wait=True, cancel_futures=True)

    def start(self, timeout: float = 30.0) -> Operator:
        """Start kopf in its thread and wait until it is ready; returns the operator."""
        _borrow_kopf_logger(self, self._collector)
        self._thread = threading.Thread(target=self._run, name=f"kopf-{self.namespace}",
                                        daemon=True)
        self._thread.start()
        if not self._ready_flag.wait(timeout) or self._failure is not None:
            why = f"{type(self._failure).__name__}: {self._failure}" if self._failure else \
                f"not ready after {timeout:.0f}s"
            self.stop()
            raise K8sLabError(f"The kopf operator for namespace {self.namespace!r} did not "
                              f"start ({why}).",
                              "Look at `op.timeline(everything=True)`, then run "
                              "`k8slab status` to check the cluster.")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the operator: its watches end and its thread is joined (idempotent)."""
        self._stop_flag.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise K8sLabError(f"The kopf operator for namespace {self.namespace!r} did "
                                  f"not stop in {timeout:.0f}s.",
                                  "Restart the kernel to be sure it is gone.")
        _return_kopf_logger(self, self._collector)
        if _RUNNING.get(self.namespace) is self:
            del _RUNNING[self.namespace]

    @property
    def running(self) -> bool:
        """True while kopf's thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"<kopf {self.version} operator in namespace {self.namespace!r}: {state}, "
                f"{len(self._entries)} messages>")

    # -- what the notebook looks at ------------------------------------------

    def _add(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[Entry]:
        """Every message kept so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def timeline(self, last: int = 30, *, everything: bool = False) -> pd.DataFrame:
        """The last messages about objects, oldest first: what each handler did, and when.

        Args:
            last: how many rows to show.
            everything: also show kopf's routine "Handler ... succeeded." lines.
        """
        rows = [{**e.__dict__, "message": e.message if e.level == "INFO"
                 else f"{e.level}: {e.message}"}
                for e in self.entries() if everything or not _ROUTINE.match(e.message)][-last:]
        frame = pd.DataFrame(rows, columns=["seconds", "object", "handler", "message"])
        frame["seconds"] = frame["seconds"].round(1)
        return frame

    def problems(self) -> list[str]:
        """Warnings and errors kopf logged (a handler that raised, a failed patch)."""
        return [f"{e.object}: {e.message}" for e in self.entries()
                if e.level in ("WARNING", "ERROR", "CRITICAL") and not _EXPECTED.match(e.message)]


#: The operator running for each namespace (a re-run cell replaces it).
_RUNNING: dict[str, Operator] = {}


def _latest_handlers(handlers: Iterable[Any]) -> list[Any]:
    """Keep, for each handler function name, only those of its latest definition.

    Why: ``@kopf.on...`` decorators add to kopf's default registry each time a
    cell runs. Re-running a handler cell would otherwise leave the old function
    registered beside the new one, and both would run.
    """
    handlers = list(handlers)
    latest: dict[str, Any] = {}
    for handler in handlers:
        fn = handler.fn
        latest[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return [h for h in handlers if latest[f"{h.fn.__module__}.{h.fn.__qualname__}"] is h.fn]


def _registry_from(source: Any = None) -> Any:
    """A fresh kopf registry: the latest handlers of ``source`` (kopf's default registry,
    where ``@kopf.on...`` puts them), and the lab's login only."""
    import kopf

    default = source if source is not None else kopf.get_default_registry()
    fresh = kopf.OperatorRegistry()
    for part in KOPF_HANDLER_PARTS:
        for handler in _latest_handlers(_handlers_of(default, part)):
            _add_handler(fresh, part, handler)
    # kopf's own login fallbacks read ~/.kube/config: the lab logs in with its kubeconfig.
    kopf.on.login(registry=fresh)(_login)
    return fresh


def _login(**_: Any) -> Any:
    """kopf's credentials: those of the lab kubeconfig (certificate or token)."""
    import kopf

    cfg = connect().configuration
    token = (cfg.api_key or {}).get("authorization") or (cfg.api_key or {}).get("BearerToken")
    scheme = None
    if token and " " in token:
        scheme, token = token.split(" ", 1)
    return kopf.ConnectionInfo(server=cfg.host, ca_path=cfg.ssl_ca_cert or None,
                               insecure=not cfg.verify_ssl, scheme=scheme or
                               ("Bearer" if token else None), token=token,
                               certificate_path=cfg.cert_file or None,
                               private_key_path=cfg.key_file or None)


def start(namespace: str, *, registry: Any = None, quiet: bool = False) -> Operator:
    """Run the handlers defined so far (``@kopf.on...``) as an operator for ``namespace``.

    An operator already running for that namespace is stopped first, so a
    re-run cell never leaves two operators fighting over the same objects.

    Args:
        namespace: the only namespace the operator watches.
        registry: a ``kopf.OperatorRegistry`` whose handlers to run instead of
            those of kopf's default registry (``@kopf.on...(registry=...)``).
        quiet: do not print the start line.

    Returns:
        The running :class:`Operator`.

    Example:
        >>> op = start("nb11-extending")                              # doctest: +SKIP
        kopf 1.45.2 is running the operator in namespace 'nb11-extending' ...
    """
    stop(namespace)
    registry = _registry_from(registry)
    op = Operator(namespace, registry)
    op.start()
    _RUNNING[namespace] = op
    if not quiet:
        names = sorted({str(h.id) for part in KOPF_OBJECT_PARTS
                        for h in _handlers_of(registry, part)})
        print(f"kopf {op.version} is running the operator in namespace {namespace!r} "
              f"(a thread of this kernel; handlers: {', '.join(names) or 'none'}); "
              "stop it with op.stop() or lab.cleanup.")
    return op


def running(namespace: str) -> Operator | None:
    """The operator running in this kernel for ``namespace``, if any (checks use it)."""
    op = _RUNNING.get(namespace)
    return op if op is not None and op.running else None


def stop(namespace: str | None = None) -> None:
    """Stop the operator of ``namespace`` (all of them when None); harmless if none runs."""
    for ns in [namespace] if namespace is not None else list(_RUNNING):
        op = _RUNNING.get(ns)
        if op is not None:
            op.stop()


def leftovers() -> list[str]:
    """Operators or kopf threads still alive in this kernel (empty after a clean stop)."""
    names = [f"operator for {ns!r}" for ns, op in _RUNNING.items() if op.running]
    return names + [t.name for t in threading.enumerate()
                    if t.name.startswith("kopf-") and t.is_alive()]


_namespaces.before_cleanup(stop)

# ---------------------------------------------------------------------------
# What handlers call

_DYN: list[Any] = []
_DYN_LOCK = threading.Lock()


def _dyn() -> Any:
    with _DYN_LOCK:
        if not _DYN:
            _DYN.append(own_client())
        return _DYN[0]


def read(kind: str, name: str, namespace: str) -> dict | None:
    """An object as it is now, or None when it does not exist (for handlers)."""
    dyn = _dyn()
    res = resource_of(dyn, kind)
    try:
        return dyn.get(res, name=name, namespace=namespace).to_dict()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise translate(exc, action="get", kind=res.kind, name=name,
                        namespace=namespace) from exc


def apply(obj: dict, logger: Any = None) -> dict:
    """Server-side apply ``obj`` (in its ``metadata.namespace``); log it if it changed.

    The field manager is :data:`FIELD_MANAGER`, and conflicts are forced: the
    operator owns what it applies, so a hand edit of those fields is undone.
    """
    dyn = _dyn()
    kind, meta = obj["kind"], obj["metadata"]
    name, namespace = meta["name"], meta.get("namespace")
    if not namespace:
        raise K8sLabError(f"{kind}/{name} has no metadata.namespace.",
                          "Call kopf.adopt(obj, owner=body) first: it sets the namespace "
                          "and the ownerReference.")
    res = resource_of(dyn, kind, obj.get("apiVersion"))
    before = read(kind, name, namespace)
    try:
        out = dyn.server_side_apply(res, body=obj, name=name, namespace=namespace,
                                    field_manager=FIELD_MANAGER, force_conflicts=True).to_dict()
    except ApiException as exc:
        raise translate(exc, action="apply", kind=kind, name=name,
                        namespace=namespace) from exc
    if logger is not None:
        if before is None:
            logger.info(f"created {kind}/{name}")
        elif changed := _what_changed(before, out):
            logger.info(f"updated {kind}/{name} ({changed})")
    return out


def _what_changed(before: dict, after: dict) -> str:
    """What an apply changed in ``spec``, labels or owners (``replicas 4 → 1``), or "".

    Why not compare resourceVersions: other controllers (the Deployment
    controller's status and revision) change the object between our read and
    our apply, and that is not the handler's doing.
    """
    old, new = before.get("spec") or {}, after.get("spec") or {}
    parts = [f"{key} {old.get(key)} → {new.get(key)}" for key in ("replicas",)
             if old.get(key) != new.get(key)]
    if not parts and old != new:
        parts.append("spec")
    for field in ("labels", "ownerReferences"):
        if (before["metadata"].get(field) or None) != (after["metadata"].get(field) or None):
            parts.append(f"metadata.{field}")
    return ", ".join(parts)


def set_status(obj: dict, status: dict, logger: Any = None) -> bool:
    """Write ``status`` through the status subresource when it differs; True if written."""
    kind, meta = obj["kind"], obj["metadata"]
    # The object as it is now: another handler may have written the same status meanwhile.
    now = read(kind, meta["name"], meta["namespace"]) or obj
    if (now.get("status") or {}) == status:
        return False
    dyn = _dyn()
    res = resource_of(dyn, kind, obj.get("apiVersion"))
    target = res.subresources.get("status")
    if target is None:
        raise K8sLabError(f"The kind {kind} has no status subresource.",
                          "Add `subresources: {status: {}}` to its CRD version.")
    try:
        dyn.patch(target, body={"status": status}, name=meta["name"],
                  namespace=meta["namespace"], content_type="application/merge-patch+json")
    except ApiException as exc:
        raise translate(exc, action="update the status of", kind=kind, name=meta["name"],
                        namespace=meta["namespace"]) from exc
    if logger is not None:
        logger.info(f"status {_status_line(status)}")
    return True


def _status_line(status: dict) -> str:
    """``Progressing, 1/3 ready`` for the usual fields; ``key=value, ...`` otherwise.

    Example:
        >>> _status_line({"phase": "Ready", "replicas": 3, "readyReplicas": 3})
        'Ready, 3/3 ready'
        >>> _status_line({"url": "service/home:80"})
        'url=service/home:80'
    """
    rest = {k: v for k, v in status.items() if k not in ("phase", "replicas", "readyReplicas")}
    parts = [str(status["phase"])] if "phase" in status else []
    if "replicas" in status:
        parts.append(f"{status.get('readyReplicas') or 0}/{status['replicas']} ready")
    parts += [f"{k}={v}" for k, v in rest.items()]
    return ", ".join(parts)
