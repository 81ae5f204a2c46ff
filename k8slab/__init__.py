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

from k8slab._base.display import show_commands
from k8slab._base.language import language
from k8slab._base.paths import state_dir
from k8slab._core.access import as_user, can_i, service_account_user
from k8slab._core.client import connect
from k8slab._core.diagnose import diagnose
from k8slab._core.discovery import api_groups, api_resources, components, get_raw, timeline
from k8slab._core.imperative import job_from_cronjob, restart, scale
from k8slab._core.manifests import manifest
from k8slab._core.namespaces import cleanup, namespace, setup
from k8slab._core.pods import exec_ as exec
from k8slab._core.pods import http_get, logs, port_forward
from k8slab._core.resources import apply, delete, exists, get
from k8slab._core.resources import list_ as list
from k8slab._core.status import cluster_status as status
from k8slab._core.wait import wait
from k8slab._core.watch import watch
from k8slab._course.recorded import record
from k8slab._runners.etcdctl import etcdctl, etcdctl_to, etcdutl, restored_etcd
from k8slab._runners.kubectl import kubectl
from k8slab._views.kubelet import compare as compare_views
from k8slab._views.kubelet import pod_view
from k8slab._views.storage import volumes_table as volumes
from k8slab._views.tables import events, table
from k8slab.errors import (
    ApiError,
    ClusterUnavailable,
    EtcdctlFailed,
    ExecFailed,
    HelmError,
    K8sLabError,
    KubectlFailed,
    ManifestError,
    ToolMissing,
    UnsafeContext,
    WaitTimeout,
)
from k8slab.exercises import check
from k8slab.magic import load_ipython_extension, register_if_interactive

# In a notebook, `import k8slab` is all it takes to get %kubectl and %%kubectl.
register_if_interactive()

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "ClusterUnavailable",
    "EtcdctlFailed",
    "ExecFailed",
    "HelmError",
    "K8sLabError",
    "KubectlFailed",
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
    "state_dir",
    "status",
    "table",
    "timeline",
    "volumes",
    "wait",
    "watch",
]
