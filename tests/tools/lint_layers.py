"""The library's layers, checked by ``./run lint``: imports only go downward, no cycles.

foundations -> core -> views -> teaching -> entry points. A module may import
modules of its own layer or of layers below it, never above; imports inside
functions count too (a lazy import is still a dependency). ``import k8slab``
must load no entry-point code (CLI, engines, tool building), so that a
notebook never pays for it.
"""

from __future__ import annotations

import sys

import grimp

#: Each layer, lowest first; a module belongs to the first layer whose list names it
#: (a package name covers its submodules).
LAYERS: dict[str, tuple[str, ...]] = {
    "foundations": ("errors", "_language", "_paths", "_procs", "_target", "_frames", "_display", "_objects", "_manifests", "_record",
                    "_record_output", "_oci", "_progress", "_pki", "_simhttp", "_execgate",
                    "_rollout", "_pod_lifecycle", "_show_once", "_githttp",
                    "_hub_passwords", "_hub_users"),
    "core": ("_errors", "_client", "_guard", "_status", "_resources", "_watch", "_wait",
             "_diagnose", "_pods", "_access", "_imperative", "_namespaces", "_discovery",
             "_kubelet_view", "_background_watch", "_workshop_objects", "_own_client",
             "_traefik_pod"),
    "views": ("_tables", "_storage_view", "plots", "widgets"),
    "teaching": ("_kubectl", "_etcdctl", "magic", "exercises", "checks", "ingress", "gitops", "crds", "operators", "helm",
                 "_workshop_cluster", "_workshop_progress", "_workshop_vclusters", "_workshop_z2jh",
                 "workshop", "__init__", "_workshop_hub"),
    "entry points": ("cli", "__main__", "engines", "_tools", "_build", "_download", "_images",
                     "_flux", "_traefik", "_hub_classes", "_hub_progress"),
}


#: Upward imports on purpose, each with its reason.
ALLOWED = {
    # The helm wrapper and the GitOps notebook run the lab's own pinned helm and
    # kubectl, so they ask the tool cache for them (building them if needed).
    ("k8slab.helm", "k8slab._tools"),
    ("k8slab.gitops", "k8slab._tools"),
    # %kubectl runs the lab's pinned kubectl (imported when a command runs, not on import).
    ("k8slab._kubectl", "k8slab._tools"),
    # Notebook 14's backup lesson runs the lab's own etcdctl, etcdutl and etcd.
    ("k8slab._etcdctl", "k8slab._tools"),
    # Notebook 13 starts Flux's controllers and the git server (processes, binaries)
    # with one call.
    ("k8slab.gitops", "k8slab._flux"),
    # The Ingress lesson starts a real Traefik with one call: making its image
    # (built with Go once) and loading it into the node are entry-point work.
    ("k8slab.ingress", "k8slab._traefik"),
}


def layer_of(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    for index, names in enumerate(LAYERS.values()):
        if name in names:
            return index
    raise SystemExit(f"lint: {module} is in no layer of tests/tools/lint_layers.py: add it")


def problems() -> list[str]:
    graph = grimp.build_graph("k8slab", exclude_type_checking_imports=True)
    names = list(LAYERS)
    out = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == "k8slab" and importer.startswith("k8slab.checks"):
                continue  # checks register with the package's exercise registry
            low, high = layer_of(importer), layer_of(imported)
            if high > low and (importer, imported) not in ALLOWED:
                out.append(f"{importer} ({names[low]}) imports {imported} ({names[high]})")
            if graph.find_shortest_chain(importer=imported, imported=importer):
                out.append(f"import cycle: {importer} <-> {imported}")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(f"layers: {line}")
    print(f"layers: {len(LAYERS)} layers checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
