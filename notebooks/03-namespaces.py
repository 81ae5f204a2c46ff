# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Namespaces
#
# One cluster is usually shared: by several teams, by several projects, by
# the test and production versions of the same application. **Namespaces**
# divide it into named compartments. In this notebook you create and label
# namespaces, find them again with label selectors, learn exactly what a
# namespace separates (and what it does not), and delete one to see
# everything inside it disappear.

# %% [markdown]
# ## Overview
#
# 1. List the namespaces every cluster starts with, and say what each is for.
# 2. Create namespaces from YAML, label them, and select them by label.
# 3. Tell namespaced kinds from cluster-scoped ones (nodes, persistent volumes, namespaces themselves).
# 4. Delete a namespace, follow its `Terminating` phase, and check what went with it and what stayed.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [01 · Getting started](01-getting-started.ipynb) | Necessary | `lab.apply`, `lab.table`, `lab.cleanup` |
# | [02 · The API and the architecture](02-api-and-architecture.ipynb) | Necessary | Objects as contracts, controllers, API discovery |
# | Labels (key/value tags) | Helpful | Introduced here, used in every later notebook |
#
# **Time to learn**: 25 minutes
#
# This notebook needs nothing from the earlier ones but a running cluster:
# the setup cell below gives it a fresh namespace of its own.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb03-namespaces")
timeout = 60                    # seconds to wait for namespaces to be created or deleted

# %% [markdown]
# ## Setup
#
# Besides its own namespace, this notebook creates a few sibling namespaces
# whose names start with yours, so that several learners (and the test suite)
# can share one cluster without colliding. The cell after this one removes
# any sibling left over from an interrupted run.

# %% tags=["setup"]
import k8slab as lab

lab.setup(namespace)
dev, prod, scratch = f"{namespace}-dev", f"{namespace}-prod", f"{namespace}-scratch"
archive = f"{namespace}-archive"   # a cluster-scoped object, see "Deleting a namespace"

# %%
for leftover in (dev, prod, scratch):
    lab.cleanup(leftover, timeout=timeout)
lab.delete("PersistentVolume", archive)

# %% [markdown]
# ## The namespaces a cluster starts with

# %%
all_namespaces = lab.table("Namespace")
all_namespaces

# %% [markdown]
# Besides the ones made for this course (on a shared cluster, you may see
# other people's too), four come with every cluster:
#
# | Namespace | What it holds |
# | --- | --- |
# | `default` | Objects created without naming a namespace. Fine for a quick try, a bad habit for real work |
# | `kube-system` | The cluster's own machinery: on kind, the control-plane pods; everywhere, its Leases (notebook 02) |
# | `kube-public` | Readable by everyone, even unauthenticated clients; holds public cluster information |
# | `kube-node-lease` | One Lease per node: the nodes' heartbeats |

# %%
builtin = {"default", "kube-system", "kube-public", "kube-node-lease"}
lab.record("builtin_namespaces", sorted(builtin & set(all_namespaces["name"])))

# %% [markdown]
# ## A namespace is an object like any other
#
# A namespace is described in YAML like everything else, and it is tiny: a
# name, and usually a few **labels**, key/value tags you choose. Labels do not
# change what an object does; they let you (and controllers) find it. Here we
# label the namespace with its owner (your namespace's name, unique to you)
# and its environment.
#
# The name comes from a Python variable, so the YAML is written as a Python
# f-string: `{dev}` is replaced by the value of `dev`.

# %%
lab.apply(f"""
apiVersion: v1
kind: Namespace
metadata:
  name: {dev}
  labels:
    owner: {namespace}
    env: dev
""")
lab.get("Namespace", dev)["status"]

# %% [markdown]
# The new namespace is `Active`. It is not empty for long: controllers of
# the controller manager notice it and add two objects, a ServiceAccount
# called `default` (the identity its pods run as unless told otherwise) and a
# ConfigMap `kube-root-ca.crt` (the certificate that lets pods trust the API
# server). Wait for the first, then list both.

# %%
lab.wait("ServiceAccount", "default", dev, until="exists", timeout=timeout)
contents = [f"{kind}/{obj['metadata']['name']}"
            for kind in ("ServiceAccount", "ConfigMap") for obj in lab.list(kind, dev)]
lab.record("fresh_namespace_contents", sorted(contents))
contents

# %% [markdown]
# `lab.namespace(name, labels={...})` is a shortcut for the same apply: it
# creates the namespace if needed and sets its labels. Let us use it to label
# this notebook's own namespace too.

# %%
lab.namespace(namespace, labels={"owner": namespace, "env": "course"})["metadata"]["labels"]

# %% [markdown]
# ### Exercise 1: a namespace for production
#
# Create a namespace named after yours with `-prod` at the end (the variable
# `prod` holds that name), labelled `owner: <your namespace>` and `env: prod`.
# Write it as YAML. You need not start from a blank page:
# `kubectl create ... --dry-run=client -o yaml` prints the manifest of what
# it would create, and creates nothing. Add the `labels` under `metadata`,
# then apply it: in a cell whose first line is `%%kubectl apply -f -`
# (a namespace belongs to no namespace, so no `-n`), or with `lab.apply`.
# Then run the check (exercise id `03.prod-namespace`). The solution is hidden
# in the cell after the check.

# %%
# %kubectl create namespace {prod} --dry-run=client -o yaml

# %%
# Your YAML here, under a first line: %%kubectl apply -f -

# %%
lab.check("03.prod-namespace", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
prod_yaml = f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: {prod}
  labels:
    owner: {namespace}
    env: prod
"""
print(prod_yaml)   # the YAML, with your namespace's names filled in
lab.kubectl("apply", "-f", "-", stdin=prod_yaml)   # what %%kubectl apply -f - does
lab.check("03.prod-namespace", namespace)

# %% [markdown]
# ## Finding namespaces with label selectors
#
# A **label selector** filters objects by their labels, on the server side.
# `lab.table(kind, labels=...)` passes one along, like `kubectl get -l`.
# Every namespace you made carries `owner=<your namespace>`:

# %%
mine = lab.table("Namespace", labels=f"owner={namespace}")
lab.record("owned_namespaces", sorted(mine["name"]))
mine

# %% [markdown]
# Selectors combine with commas (all conditions must hold). Equality-based
# conditions use `=` and `!=`; set-based ones use `in (...)`, `notin (...)`,
# or just a key to require that the label exists:

# %%
environments = lab.table("Namespace", labels=f"owner={namespace},env in (dev,prod)")
lab.record("dev_or_prod", sorted(environments["name"]))
environments

# %%
lab.table("Namespace", labels=f"owner={namespace},env!=course")["name"].tolist()

# %% [markdown]
# The same selector with kubectl (quote it: it holds spaces), and
# `--show-labels` to print every label:

# %%
# %kubectl get namespaces -l "owner={namespace},env in (dev,prod)" --show-labels

# %% [markdown]
# Labels and selectors are everywhere in Kubernetes: a Deployment finds its
# pods with one (notebook 05), a Service finds where to send traffic with
# another (notebook 06).

# %% [markdown]
# ## What a namespace scopes
#
# A namespace scopes **names**: two objects of the same kind may share a
# name if they live in different namespaces. The proof is already in the
# cluster: every namespace holds its own ConfigMap called `kube-root-ca.crt`.
# A *field selector* (a filter on fields such as `metadata.name`, rather than
# on labels) finds all of them across namespaces:

# %%
copies = lab.list("ConfigMap", fields="metadata.name=kube-root-ca.crt")
where = sorted(cm["metadata"]["namespace"] for cm in copies)
lab.record("root_ca_in_ours", {namespace, dev} <= set(where))
print(f"{len(where)} ConfigMaps named kube-root-ca.crt, one in each of: {', '.join(where)}")

# %% [markdown]
# Not every kind lives in a namespace. Some objects describe the whole
# cluster: its nodes, its storage volumes, its namespaces (a namespace cannot
# be inside a namespace), cluster-wide permissions. API discovery (notebook
# 02) says which is which:

# %%
kinds = lab.api_resources()
cluster_scoped = kinds[~kinds["namespaced"]]
cluster_scoped[["kind", "api_version"]].head(15)

# %%
scope = {kind: bool(kinds.loc[kinds["kind"] == kind, "namespaced"].iloc[0])
         for kind in ("Pod", "ConfigMap", "Secret", "Node", "PersistentVolume", "Namespace")}
lab.record("namespaced", scope)
scope

# %% [markdown]
# Namespaces also scope what you attach to them: **access rights** (a Role
# grants rights inside one namespace), **quotas** (a ResourceQuota caps what a
# namespace may consume) and **defaults** (a LimitRange sets default requests).
# Services get DNS names that include their namespace,
# `web.<namespace>.svc.cluster.local`, so `web` in two namespaces never clash.
#
# What a namespace does **not** do: isolate the network (by default a pod
# may reach any pod of any namespace; NetworkPolicies restrict that), or
# isolate the machines (pods of all namespaces share the same nodes).

# %% [markdown]
# ### Exercise 2: one name, two objects
#
# Create a ConfigMap named `settings` with one key, `color: blue`, in your
# namespace, and another ConfigMap also named `settings`, with
# `color: green`, in the `dev` namespace (the variable `dev` holds its name).
# Write the YAML (`%kubectl create configmap settings --from-literal=color=blue
# --dry-run=client -o yaml` prints a start) and apply it twice, once per
# namespace: `-n` chooses where. Then run the check (exercise id
# `03.same-name`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("03.same-name", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
for where_to, color in ((namespace, "blue"), (dev, "green")):
    settings_yaml = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: {color}
"""
    print(f"# in namespace {where_to}:\n{settings_yaml}")
    lab.kubectl("apply", "-n", where_to, "-f", "-", stdin=settings_yaml)
lab.check("03.same-name", namespace)

# %% [markdown]
# ## Deleting a namespace deletes everything in it
#
# Deleting a namespace is the most thorough clean-up there is, which makes it
# both handy and dangerous. Let us fill a `scratch` namespace with objects of
# several kinds (a ConfigMap, a Secret, a Deployment and its pods, a Service),
# from `manifests/03-namespaces-scratch.yaml`:

# %%
lab.namespace(scratch, labels={"owner": namespace, "env": "scratch"})
lab.apply("manifests/03-namespaces-scratch.yaml", scratch)
lab.wait("Deployment", "cache", scratch, timeout=timeout)
lab.table("Pod", scratch)

# %% [markdown]
# The two `cache` pods run `k8slab.local/redis:7.0`: Redis 7.0 from Debian's
# package, packed into an image by k8slab. On a real node (the host engine,
# kind) Redis really starts, and its log ends with
# `Ready to accept connections` (a `WARNING` about memory overcommit may come
# before it: advice for production hosts, harmless here). The manifest gives
# the container a *readiness probe*, `redis-cli ping`, so a pod counts as
# ready only once Redis answers. On kwok no container runs, probes are not
# run either, and the log KWOK serves says it is simulated.

# %%
cache_log = lab.logs("deployment/cache", scratch, tail=3)
print(cache_log)
lab.record("cache_log_real", "Ready to accept connections" in cache_log)
lab.record("cache_log_simulated", "[kwok]" in cache_log)

# %% [markdown]
# And one cluster-scoped object next to it: a PersistentVolume (storage that
# belongs to the whole cluster, notebook 09). Its `storageClassName` is
# unique to you, so that no claim of anyone else's binds it.

# %%
lab.apply(f"""
apiVersion: v1
kind: PersistentVolume
metadata:
  name: {archive}
  labels:
    owner: {namespace}
spec:
  storageClassName: {namespace}-manual
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /tmp/{archive}
""")[0]["status"]

# %%
inventory_kinds = ("Deployment", "ReplicaSet", "Pod", "Service", "EndpointSlice", "ConfigMap",
                   "Secret", "ServiceAccount")
inventory = {kind: len(lab.list(kind, scratch)) for kind in inventory_kinds}
lab.record("scratch_before", inventory)
inventory

# %% [markdown]
# Note the objects you did not write yourself: the ReplicaSet and the pods
# (the Deployment's controllers made them), an EndpointSlice (the Service's
# controller), the `default` ServiceAccount and `kube-root-ca.crt`.
#
# Now delete the namespace, without waiting:

# %%
lab.delete("Namespace", scratch)
phase = lab.get("Namespace", scratch)["status"]["phase"]
lab.record("phase_after_delete", phase)
phase

# %% [markdown]
# The namespace is `Terminating`: the namespace controller (in the controller
# manager, again) is deleting its contents, kind by kind, and the namespace
# disappears only when it is empty. Deleting the pods is not instant either:
# on a real node the kubelet first stops their containers (Redis receives
# SIGTERM and exits), and only then are the pods gone. Meanwhile the API server refuses to
# create anything new in it:

# %%
try:
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}}, scratch)
    refused = None
except lab.ApiError as err:
    refused = err.status
    print(err.message)
lab.record("create_while_terminating", refused)

# %% [markdown]
# Watch the namespace until it is gone. Each line is one change the API
# server streams to us; the namespace's conditions report the namespace
# controller's progress (they appear after its first pass).

# %%
for change, ns in lab.watch("Namespace", name=scratch, timeout=timeout):
    notes = {c["type"]: c.get("message") for c in ns["status"].get("conditions") or []}
    print(f"{change:9} {ns['status']['phase']:12}",
          notes.get("NamespaceContentRemaining", "(contents not checked yet)"))
    if change == "DELETED":
        break
lab.record("last_change", change)

# %% [markdown]
# Everything inside went with it. Listing a namespace that no longer exists
# is not an error; the lists are simply empty:

# %%
after = {kind: len(lab.list(kind, scratch)) for kind in inventory_kinds}
lab.record("scratch_after", after)
lab.record("scratch_exists", lab.exists("Namespace", scratch))
after

# %% [markdown]
# The PersistentVolume, though, is still there: it never was *in* the
# namespace. Cluster-scoped objects have to be deleted on their own.

# %%
lab.record("archive_survived", lab.exists("PersistentVolume", archive))
lab.table("PersistentVolume", labels=f"owner={namespace}")

# %% [markdown]
# ## Summary
#
# - A namespace is a small cluster-scoped object; most other objects live in
#   one. Every cluster starts with `default`, `kube-system`, `kube-public`
#   and `kube-node-lease`.
# - Labels tag objects; label selectors (`env in (dev,prod)`, `owner=...`)
#   find them on the server side. Field selectors filter on fields.
# - A namespace scopes names, access rights, quotas and defaults. It does not
#   isolate the network or the nodes.
# - Nodes, PersistentVolumes, namespaces and cluster-wide permissions are
#   cluster-scoped: API discovery tells you which kinds are.
# - Deleting a namespace deletes everything in it (it stays `Terminating`
#   until empty, and refuses new objects meanwhile); cluster-scoped objects stay.
#
# ## What's next
#
# [04 · Pods](04-pods.ipynb): the smallest thing Kubernetes runs, every field
# of its YAML, and what its status tells you.
#
# ## Clean-up
#
# Delete the sibling namespaces and the PersistentVolume, then this
# notebook's namespace and everything in it.

# %%
for sibling in (dev, prod, scratch):
    lab.cleanup(sibling, wait_for=False)
lab.delete("PersistentVolume", archive)

# %%
lab.cleanup(namespace)
