"""Pictures of what the cluster does: replicas over time, pod lifecycles, resources, owners.

Each plotting function returns a matplotlib ``Figure`` and, in a notebook, also
shows it (once, even when the cell returns it too). Figures are made without
``pyplot``: nothing global, no GUI backend, so they work headless (papermill,
CI) and from any thread. Each function has a pure builder next to it
(:func:`replicas_over_time`, :func:`timeline_rows`, :func:`resource_rows`,
:func:`owner_graph`) that turns object dicts into data, tested without a cluster.

Example:
    >>> from k8slab import plots
    >>> with plots.ReplicaRecorder("web", "demo") as rec:        # doctest: +SKIP
    ...     lab.apply(scaled_to_5, "demo")
    ...     rec.wait_for(ready=5)
    >>> rec.plot(title="Scaling web from 3 to 5")                 # doctest: +SKIP
"""

from k8slab._core.pod_lifecycle import timeline_rows
from k8slab.plots._lifecycle import plot_timeline, pod_timeline
from k8slab.plots._owners import owner_graph, owner_tree, plot_owner_graph
from k8slab.plots._replicas import ReplicaRecorder, replicas_over_time
from k8slab.plots._requests_limits import parse_quantity, plot_resources, resource_rows, resources

__all__ = [
    "ReplicaRecorder",
    "owner_graph",
    "owner_tree",
    "parse_quantity",
    "plot_owner_graph",
    "plot_resources",
    "plot_timeline",
    "pod_timeline",
    "replicas_over_time",
    "resource_rows",
    "resources",
    "timeline_rows",
]
