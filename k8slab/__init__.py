"""k8slab: short, readable notebook cells over the official Kubernetes client.

Every function talks to the lab cluster (``k8slab up``) through its own
kubeconfig, shows the equivalent ``kubectl`` command and REST call in a
notebook, and turns API errors into one explanation plus a fix.

Example:
    >>> import k8slab as lab
    >>> lab.namespace("demo")                                   # doctest: +SKIP
    >>> lab.apply("manifests/05-deployments-web.yaml", "demo")  # doctest: +SKIP
    >>> lab.wait("Deployment", "web", "demo")                   # doctest: +SKIP
    >>> lab.table("Pod", "demo")                                # doctest: +SKIP

More in the submodules: ``k8slab.plots``, ``k8slab.widgets``, ``k8slab.helm``,
``k8slab.exercises``. In a notebook, ``import k8slab`` also registers the
``%kubectl`` line and cell magic (:mod:`k8slab.magic`): the real kubectl,
against the lab cluster only.
"""

from ._access import as_user, can_i, service_account_user
from ._client import connect
from ._diagnose import diagnose
from ._discovery import api_groups, api_resources, components, get_raw, timeline
from ._display import show_commands
from ._etcdctl import etcdctl, etcdctl_to, etcdutl, restored_etcd
from ._imperative import job_from_cronjob, restart, scale
from ._kubectl import kubectl
from ._kubelet_view import compare as compare_views
from ._kubelet_view import pod_view
from ._language import language
from ._manifests import manifest
from ._namespaces import cleanup, namespace, setup
from ._pods import exec_ as exec
from ._pods import http_get, logs, port_forward
from ._record_output import record
from ._resources import apply, delete, exists, get
from ._resources import list_ as list
from ._status import cluster_status as status
from ._storage_view import volumes_table as volumes
from ._tables import events, table
from ._wait import wait
from ._watch import watch
from .errors import (
    ApiError,
    ClusterUnavailable,
    HelmError,
    K8sLabError,
    ManifestError,
    ToolMissing,
    UnsafeContext,
    WaitTimeout,
)
from .exercises import check
from .magic import load_ipython_extension, register_if_interactive

# In a notebook, `import k8slab` is all it takes to get %kubectl and %%kubectl.
register_if_interactive()

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "ClusterUnavailable",
    "HelmError",
    "K8sLabError",
    "ManifestError",
    "ToolMissing",
    "UnsafeContext",
    "WaitTimeout",
    "api_groups",
    "api_resources",
    "apply",
    "as_user",
    "can_i",
    "check",
    "cleanup",
    "compare_views",
    "components",
    "connect",
    "delete",
    "diagnose",
    "etcdctl",
    "etcdctl_to",
    "etcdutl",
    "events",
    "exec",
    "exists",
    "get",
    "get_raw",
    "http_get",
    "job_from_cronjob",
    "kubectl",
    "language",
    "list",
    "load_ipython_extension",
    "logs",
    "manifest",
    "namespace",
    "pod_view",
    "port_forward",
    "record",
    "restart",
    "restored_etcd",
    "scale",
    "service_account_user",
    "setup",
    "show_commands",
    "status",
    "table",
    "timeline",
    "volumes",
    "wait",
    "watch",
]
