"""The connection to the lab cluster.

One :class:`kubernetes.client.ApiClient` per kubeconfig, built from the
kubeconfig and context :mod:`k8slab._core.target` names and nothing else: a learner's
``~/.kube/config`` is never read by accident, so a course step cannot land on
a production cluster.
"""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from k8slab._base.cluster_record import ClusterRecord
from k8slab._core import target as _target
from k8slab._core.api_errors import unreachable
from k8slab._core.starting import wait_if_starting
from k8slab._core.target import kubeconfig as lab_kubeconfig  # noqa: F401 (the workshop modules import it here)
from k8slab.errors import ClusterUnavailable

_cache: dict[tuple[str, float], client.ApiClient] = {}


class LabApiClient(client.ApiClient):
    """The official API client, with connection failures raised as ``ClusterUnavailable``.

    Every request of the typed APIs, the dynamic client and its API discovery
    goes through :meth:`request`, so this is the one place where urllib3's
    ``MaxRetryError`` (refused, reset, timed out) becomes an error that names the
    next command, whichever helper sent the request.

    Example:
        >>> api = connect()                                   # doctest: +SKIP
        >>> client.VersionApi(api).get_code()                 # doctest: +SKIP
        Traceback (most recent call last):
        k8slab.errors.ClusterUnavailable: Could not GET /version: the API server at ...
    """

    def request(self, method, url, *args, **kwargs):
        try:
            return super().request(method, url, *args, **kwargs)
        except Exception as exc:
            path = url.removeprefix(self.configuration.host)
            failure = unreachable(exc, action=f"{method.upper()} {path}",
                                  server=self.configuration.host)
            if failure is None:
                raise
            raise failure from exc


def stream_client() -> client.ApiClient:
    """A client of its own for one exec, attach or port-forward stream.

    Why not the shared one: the official client's ``stream()`` swaps the
    ``request`` method of the ApiClient it is given for as long as the stream
    is open, so any other thread using that client at the same moment (a
    watch, a background reconcile loop, a widget) would send a websocket
    request by mistake and fail.
    """
    shared = connect()
    return LabApiClient(shared.configuration)


def connect(*, fresh: bool = False) -> client.ApiClient:
    """Return an API client for the lab cluster.

    Args:
        fresh: build a new client even if one is cached.

    Raises:
        ClusterUnavailable: there is no lab kubeconfig (the cluster is not up).

    Example:
        >>> import k8slab as lab
        >>> api = lab.connect()                       # doctest: +SKIP
        >>> api.configuration.host                    # doctest: +SKIP
        'https://127.0.0.1:36443'
    """
    wait_if_starting()   # Binder starts the cluster in the background: wait, visibly
    path = _target.kubeconfig()
    if not path.is_file():
        raise ClusterUnavailable(
            f"No lab cluster is running (no kubeconfig at {path}).",
            "Start one with `k8slab up` in a terminal (or `./run lab`), then re-run this cell.",
        )
    key = (str(path), path.stat().st_mtime)
    if not fresh and key in _cache:
        return _cache[key]
    api = LabApiClient(_configuration(path, _target.context()))
    _cache.clear()
    _cache[key] = api
    return api


def _configuration(path: Path, context: str | None) -> client.Configuration:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(path), context=context,
                            client_configuration=configuration, persist_config=False)
    return configuration


def record_answers(record: ClusterRecord, timeout: float = 3.0) -> bool:
    """True when the API server of a recorded cluster answers its readiness check.

    Why: ``cluster.json`` outlives a run that was killed (Ctrl-C twice, a CI
    timeout, a reboot), so "a record exists" does not mean "a cluster runs".
    ``k8slab up`` and the test runner ask this before reusing a record. One try,
    no retries, a short timeout: a dead server refuses at once. An answer that
    is an HTTP refusal (401, 403) still proves a server listens; a 5xx from
    ``/readyz`` means it is not healthy (its etcd died, for one).

    Example:
        >>> record_answers(ClusterRecord.load())          # doctest: +SKIP
        True
    """
    path = Path(record.kubeconfig)
    if not path.is_file():
        return False
    try:
        configuration = _configuration(path, record.context or None)
    except Exception:  # an unreadable or half-written kubeconfig: not a usable cluster
        return False
    configuration.retries = 0
    api = client.ApiClient(configuration)
    try:
        answer = api.call_api("/readyz", "GET", auth_settings=["BearerToken"],
                              _preload_content=False, _request_timeout=timeout)
        answer.release_conn()
    except ApiException as exc:
        return bool(exc.status) and exc.status < 500
    except Exception:  # urllib3: refused, reset, timed out, TLS failure
        return False
    finally:
        api.close()
    return True
