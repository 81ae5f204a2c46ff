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
# # 02 · The API and the architecture
#
# A Kubernetes cluster is a handful of programs that never call each other:
# they all read and write objects through one HTTP API. In this notebook you
# find each of those programs in the lab cluster from the evidence it leaves
# in the API, you explore the API itself (which kinds of objects exist, and
# what you may do with them), and you watch the cluster turn a wish written
# in YAML into running pods, then keep it true when reality drifts.

# %% [markdown]
# ## Overview
#
# 1. Name the components of the control plane and of the worker nodes, and say what each one does.
# 2. Find each component in this cluster from evidence: versions, health checks, Leases, node reports.
# 3. Explore the API by discovery: groups, versions, kinds, scope and verbs.
# 4. Watch the declarative model at work: desired state, observed state, and the controllers in between.
# 5. Read an object as a contract: `apiVersion`, `kind`, `metadata`, `spec`, `status`.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [01 · Getting started](01-getting-started.ipynb) | Necessary | The lab cluster, `lab.apply`, `lab.table`, the two views of every call |
# | HTTP requests (GET, a path, a status code) | Helpful | The API is plain HTTPS with JSON |
# | YAML | Helpful | Objects are written in it; notebook 04 explains every field of a pod |
#
# **Time to learn**: 35 minutes
#
# This notebook needs nothing from notebook 01 except a running cluster: the
# setup cell below gives it a fresh namespace of its own.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb02-api")
timeout = 60                 # seconds to wait for the cluster to converge

# %% [markdown]
# ## Setup
#
# This cell imports the library, widens table columns so that long messages
# show in full, and brings the namespace to this notebook's starting state:
# empty and fresh.

# %% tags=["setup"]

import pandas as pd

import k8slab as lab

pd.set_option("display.max_colwidth", 100)
lab.setup(namespace)
info = lab.status()
simulated = any(node["simulated"] for node in info["nodes"])
print(f"engine: {info['engine']} ·", "nodes simulated by KWOK: no container runs" if simulated
      else "real nodes: containers really run")

# %% [markdown]
# ## The big picture
#
# The architecture rests on three ideas:
#
# - **Two planes, cleanly separated.** The *control plane* decides: it stores
#   the state of the cluster and works out what should run where. The
#   *workers* (the nodes) execute: they run the containers.
# - **One way in.** Every change, from you, from `kubectl` or from the
#   cluster's own components, goes through the API server. There is no side door.
# - **Loose coupling.** The controllers, the scheduler and the kubelets never
#   talk to each other. Each one watches the API for the objects it cares about,
#   and writes back what it did. You can replace, restart or duplicate any of
#   them without the others noticing. Only the API server itself calls out: to
#   a kubelet for logs, exec and port-forward, to admission webhooks, and to
#   aggregated APIs (metrics-server, for one).
#
# ```
#   CLIENTS
#     you, kubectl, this notebook ─┐
#   CONTROL PLANE                  │       control plane core
#     kube-controller-manager ─────┤     ┌──────────────────────────────┐
#     kube-scheduler ──────────────┼────▶│ kube-apiserver ◀──▶ etcd     │
#     cloud-controller-manager ────┤     └──────────────────────────────┘
#   WORKERS (on every node)        │
#     kubelet ─────────────────────┤
#     kube-proxy ──────────────────┘
#
#   and inside each node:  kubelet ──CRI──▶ container runtime (containerd, CRI-O, Kata...)
# ```
#
# | Component | Plane | Its job |
# | --- | --- | --- |
# | kube-apiserver | control | The API: authenticates, validates and stores every object |
# | etcd | control | A consistent key-value store; only the API server talks to it |
# | kube-controller-manager | control | Dozens of control loops (Deployments, ReplicaSets, namespaces, garbage collection...) |
# | kube-scheduler | control | Chooses a node for each new pod |
# | cloud-controller-manager | control | Talks to a cloud provider: load balancers, node lifecycle, routes |
# | kubelet | worker | Runs the pods assigned to its node, reports their status |
# | kube-proxy | worker | Programs the node's network rules so Services reach pods |
# | container runtime | worker | Pulls images and runs containers, driven by the kubelet through the Container Runtime Interface (CRI) |
#
# Let us find them, one piece of evidence at a time, using nothing but the API.

# %% [markdown]
# ## The API server introduces itself
#
# `lab.get_raw` sends a plain `GET` to any path of the API server, like
# `kubectl get --raw`. The path `/version` answers who is speaking.

# %%
version = lab.get_raw("/version")
lab.record("server_version", version["gitVersion"])
{key: version[key] for key in ("gitVersion", "goVersion", "platform")}

# %% [markdown]
# ## Is it healthy? `/livez` and `/readyz`
#
# The API server publishes two health endpoints. `/livez` says "the process
# is alive" (if not, restart it); `/readyz` says "I can serve requests" (if
# not, send traffic elsewhere). Add `?verbose` to see each individual check.

# %%
lab.get_raw("/livez")

# %%
readyz = lab.get_raw("/readyz?verbose").splitlines()
print(f"{len(readyz) - 1} checks, then: {readyz[-1]!r}")
[line for line in readyz if "etcd" in line]

# %% [markdown]
# `[+]` marks a check that passed. The `etcd` lines are our evidence for
# **etcd**: the API server is its only client, and it reports that its
# store answers. You never reach etcd yourself; everything you read through
# the API comes from it.

# %%
lab.record("etcd_ready", "[+]etcd ok" in readyz)

# %% [markdown]
# ## Who is in charge? Leases
#
# The controller manager and the scheduler can run in several copies for high
# availability, but only one copy may act at a time, or pods would be created
# twice. They settle it with a **Lease** in `kube-system`: the copy whose name
# is in the lease is the leader, and it renews the lease every few seconds.
# A lease renewed a moment ago proves that its component is alive.

# %%
lab.table("Lease", "kube-system")

# %%
scheduler_lease = lab.get("Lease", "kube-scheduler", "kube-system")["spec"]
scheduler_lease

# %% [markdown]
# `holderIdentity` names the leader, `renewTime` is its last heartbeat, and
# `leaseDurationSeconds` is how long the others wait before taking over. The
# lease whose name starts with `apiserver-` is the API server's identity:
# each API server instance keeps one.

# %% [markdown]
# ## The workers: nodes report their kubelet and runtime
#
# Each node's kubelet writes a report about its machine into the Node object.
# Here is the report of the first node:

# %%
first_node = lab.table("Node")["name"][0]
node_info = lab.get("Node", first_node)["status"]["nodeInfo"]
lab.record("container_runtime", node_info["containerRuntimeVersion"])
node_info

# %%
if node_info["kubeletVersion"].startswith("kwok"):
    print("SIMULATED: KWOK plays this node's kubelet and container runtime.")
else:
    print(f"REAL: kubelet {node_info['kubeletVersion']}, runtime "
          f"{node_info['containerRuntimeVersion']}, on {node_info['osImage']}")

# %% [markdown]
# What this report says depends on the engine:
#
# - **kwok**: the report is **simulated**. The kubelet's version and the
#   container runtime both say `kwok`: [KWOK](https://kwok.sigs.k8s.io/) plays
#   the part of the kubelet and of the container runtime on every node. It
#   accepts the pods the scheduler assigns, and marks them Running without
#   starting any container.
# - **host**: the report is **real**. A kubelet of the same release as the API
#   server runs on this machine, and drives a containerd of its own
#   (`containerd://1.6...`, with runc underneath), which starts the containers;
#   the operating system and kernel are this machine's.
# - kind shows a real kubelet and something like `containerd://2.1.3`;
#   OpenShift, `cri-o://...`.
#
# All runtimes speak the same CRI, which is why Kubernetes does not care which
# one a node uses.
#
# Nodes also heartbeat through Leases, one per node, in `kube-node-lease`:

# %%
lab.table("Lease", "kube-node-lease")

# %% [markdown]
# ## The whole map
#
# `lab.components()` gathers all this evidence (and looks for the components
# that may be missing) into one table:

# %%
arch = lab.components()
lab.record("components_found", arch.loc[arch["found"], "component"].tolist())
arch

# %% [markdown]
# Read the `runs_as` column. On the kwok and host engines the API server,
# etcd, the controller manager and the scheduler are ordinary processes on
# this machine, outside the cluster's pods. No `cloud-controller-manager` runs
# (there is no cloud to talk to). Then the engines differ:
#
# - **kwok** has no `kube-proxy`: there is no real network to program, and
#   notebook 06 reaches Services through the API server instead.
# - **host** runs a real `kube-proxy` on this machine, beside the kubelet.
#   kube-proxy is the one component that writes almost nothing to the API (it
#   only reads Services and their endpoints, and programs the node's network
#   rules), so its evidence is its process, the `Starting` Event it leaves
#   when it starts (Events are kept for an hour), and, below, its effect.
#
# The same table on other clusters:
#
# | Component | kwok | host | kind | A managed cloud cluster |
# | --- | --- | --- | --- | --- |
# | API server, etcd, controller manager, scheduler | processes on this machine | processes on this machine | static pods in `kube-system` (`kube-apiserver-kind-control-plane`...) | hidden: run by the provider |
# | cloud-controller-manager | none | none | none | run by the provider |
# | kubelet | simulated by kwok | a real process on this machine | a real agent in each node container | a real agent on each VM |
# | kube-proxy | none | a real process on this machine | DaemonSet `kube-proxy`, one pod per node | DaemonSet, or replaced by the CNI plugin |
# | container runtime | simulated (`kwok://`) | `containerd://` (a private containerd with runc) | `containerd://` | `containerd://` (or CRI-O) |
# | cluster DNS (CoreDNS) | none | a process on this machine, behind the `kube-dns` Service | pods in `kube-system` | pods in `kube-system` |
#
# (You may meet an old `ComponentStatus` API that claims to report component
# health. It is deprecated and guesses fixed ports: Leases and `/readyz` are
# the reliable evidence.)

# %% [markdown]
# ## API discovery: what does this cluster serve?
#
# The API is organised in **groups** (`apps`, `batch`, `networking.k8s.io`...;
# the original *core* group has an empty name and lives under `/api/v1`), each
# served in one or more **versions** (`v1`, `v2`, `v1beta1`...). A client does
# not need a built-in list: it asks the server. `GET /apis` lists the groups:

# %%
groups = lab.api_groups()
lab.record("api_groups", len(groups))
groups

# %% [markdown]
# When a group serves several versions (look at `autoscaling`), `preferred`
# is the one to write in new manifests. Each group version then lists its
# **kinds**, like `kubectl api-resources`:

# %%
kinds = lab.api_resources()
lab.record("kinds", len(kinds))
kinds.head(12)

# %% [markdown]
# Each row is one kind of object:
#
# - `kind` is what you write in `kind:`; `resource` is its name in URLs
#   (`/apis/apps/v1/namespaces/NS/deployments/web`) and in `kubectl get deployments`;
# - `api_version` is what you write in `apiVersion:` (`group/version`, or just `v1` for the core group);
# - `namespaced` says whether objects of this kind live in a namespace (notebook 03);
# - `verbs` are the operations the API accepts. `watch` is the one every
#   component relies on: a long-lived request that streams each change.
#
# A few familiar kinds:

# %%
familiar = kinds[kinds["kind"].isin(["Pod", "Deployment", "Node", "Namespace", "Lease"])]
lab.record("deployment_verbs", familiar.loc[familiar["kind"] == "Deployment", "verbs"].iloc[0])
familiar[["kind", "api_version", "namespaced", "verbs", "short_names"]]

# %%
scope = kinds.groupby("namespaced").size()
lab.record("namespaced_kinds", int(scope.get(True, 0)))
lab.record("cluster_kinds", int(scope.get(False, 0)))
scope

# %% [markdown]
# kubectl asks the same discovery documents. In this course a cell that starts
# with `%kubectl` runs the real kubectl against the lab cluster and shows what
# it prints. `kubectl api-resources` lists the kinds (here only those of the
# `apps` group), and `kubectl explain` prints the API's own documentation of
# a kind or of any field, read from the server's OpenAPI schema: the first
# place to look before writing a manifest.

# %%
# %kubectl api-resources --api-group=apps

# %%
# %kubectl explain deployment.spec.replicas

# %% [markdown]
# ### Exercise 1: write down three apiVersions
#
# Before writing a manifest for a kind you have never used, you need its
# `apiVersion`. Using `kinds` (hint: filter it on the `kind` column), find
# the `apiVersion` of **CronJob**, **HorizontalPodAutoscaler** and **Lease**,
# and store your answers in a ConfigMap called `api-versions`, one key per
# kind (`CronJob: ...`), in your namespace. Use the preferred version when a
# group has several (`%kubectl explain cronjob` names it too, on its
# `VERSION:` line). Write the ConfigMap as YAML, in a cell whose first line is
# `%%kubectl apply -n {namespace} -f -` (notebook 01 made one this way).
# Then run the check (exercise id `02.api-versions`).
# The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("02.api-versions", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-versions
data:
  CronJob: batch/v1
  HorizontalPodAutoscaler: autoscaling/v2
  Lease: coordination.k8s.io/v1

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("02.api-versions", namespace)

# %% [markdown]
# ## The declarative model: you declare, controllers converge
#
# You do not tell Kubernetes "start three containers". You write down the
# state you want (a *contract*) and hand it to the API server, which stores
# it and answers "noted". From then on, control loops compare the state you
# declared (**desired**) with the state they see (**observed**), and act to
# close the gap, again and again, for as long as the object exists.
#
# Here is a contract: a Deployment that wants three identical web pods.

# %%
lab.manifest("manifests/02-api-and-architecture-web.yaml")

# %% [markdown]
# Apply it, then follow what happens. `lab.timeline` watches the namespace's
# **Events**, the short notes each component writes when it acts, until the
# story holds the Events we expect (one per ReplicaSet resized, one per pod
# created, one per pod scheduled). Events are objects too, so the watch starts
# with those already written: nothing is missed.

# %%
lab.apply("manifests/02-api-and-architecture-web.yaml", namespace)
expected = {"ScalingReplicaSet": 1, "SuccessfulCreate": 3, "Scheduled": 3}
if not simulated:
    expected["Started"] = 3   # a real kubelet reports each container it starts
story = lab.timeline(namespace, until=expected, timeout=timeout)
story

# %% [markdown]
# Read it from the top; each line is one component acting on what the
# previous one wrote:
#
# 1. the **deployment controller** (in kube-controller-manager) saw the new
#    Deployment and created a ReplicaSet for it (`ScalingReplicaSet`);
# 2. the **replicaset controller** saw the ReplicaSet and created three Pods
#    (`SuccessfulCreate`), with no node yet;
# 3. the **scheduler** saw pods without a node and assigned each one
#    (`Scheduled`).
#
# 4. each node's **kubelet** saw a pod assigned to its node and asked its
#    container runtime to start the containers.
#
# On a real node (the host engine, kind) the kubelet writes that down too:
# `Pulled` (the image is there: on the host engine it was imported at
# `k8slab up`, so nothing is downloaded), `Created`, `Started`, one of each
# per pod. On kwok there are no such lines: KWOK starts nothing, it just
# reports the pods Running. Either way, no component called another one: each
# watched the API, and wrote to the API.

# %%
lab.record("story_components", list(dict.fromkeys(story["component"])))
lab.record("story_reasons", {r: int(n) for r, n in story["reason"].value_counts().items()})
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Pod", namespace)

# %% [markdown]
# ### kube-proxy at work (real nodes only)
#
# kube-proxy showed in the map above; here is its work. A pod's DNS server
# (the `nameserver` line of its `/etc/resolv.conf`) is a **Service** address,
# the clusterIP of the `kube-dns` Service: a *virtual* IP that no network
# interface has. Run `nslookup` inside one of the web pods (with `lab.exec`,
# through the API server) and it still gets an answer, because kube-proxy's
# rules on the node rewrite that address to the DNS server's real one. The
# name asked for is the `kubernetes` Service, the API server's own, and the
# answer is its virtual IP.
#
# On kwok this cell explains why it does nothing: no pod runs, and a command
# that "runs" in a kwok pod really runs on this machine, outside any pod
# network.

# %%
cluster_ip = lab.get("Service", "kubernetes", "default")["spec"]["clusterIP"]
dns_answer = None
if simulated:
    print("SIMULATED nodes: there is no pod network, so nothing to look up from inside a pod.")
else:
    a_pod = lab.list("Pod", namespace, labels="app=web")[0]["metadata"]["name"]
    lookup = lab.exec(a_pod, "grep nameserver /etc/resolv.conf; "
                      "nslookup kubernetes.default.svc.cluster.local", namespace)
    print(lookup)
    answers = [line.split()[-1] for line in lookup.splitlines()
               if line.startswith("Address") and not line.rstrip().endswith(":53")]
    dns_answer = answers[-1] if answers else None
    print(f"the kubernetes Service's clusterIP is {cluster_ip}; DNS answered {dns_answer}")
lab.record("dns_answer", dns_answer)
lab.record("kubernetes_cluster_ip", cluster_ip)

# %% [markdown]
# ## An object is a contract: `spec` and `status`
#
# Every object has the same four parts. Read the Deployment back:

# %%
web = lab.get("Deployment", "web", namespace)
{key: web[key] for key in ("apiVersion", "kind")}

# %%
{key: web["metadata"][key] for key in ("name", "namespace", "uid", "resourceVersion",
                                       "generation", "creationTimestamp")}

# %%
{"spec.replicas": web["spec"]["replicas"], "status": web["status"]}

# %% [markdown]
# The whole object, as kubectl shows it (`-o yaml`; `managedFields`, the
# record of who wrote which field, is hidden unless you add
# `--show-managed-fields`):

# %%
# %kubectl get deployment web -n {namespace} -o yaml

# %% [markdown]
# - `apiVersion` and `kind` say which schema the object follows.
# - `metadata` identifies it: `name` and `namespace` (which you choose), `uid`
#   (which the server chooses, unique forever: delete and recreate an object
#   and it gets a new uid), `resourceVersion` (changes on *every* write, so a
#   client can say "update this only if nobody changed it since I read it"),
#   `generation` (counts changes to the *spec*).
# - `spec` is the **desired state**. You write it.
# - `status` is the **observed state**. Controllers write it. Its
#   `observedGeneration` says which generation of the spec they have acted on:
#   when it equals `metadata.generation`, the controller has seen your latest wish.

# %%
lab.record("generation_first", web["metadata"]["generation"])
lab.record("observed_generation_first", web["status"]["observedGeneration"])

# %% [markdown]
# ## When reality drifts: self-healing
#
# Desired state stays the same, but the observed state changes: a node
# crashes, a pod is deleted by mistake. Let us play the accident and delete
# one of the three pods.

# %%
before = [pod["metadata"]["name"] for pod in lab.list("Pod", namespace, labels="app=web")]
victim = before[0]
lab.delete("Pod", victim, namespace)

# %% [markdown]
# Now watch the pods with `lab.watch`, the same mechanism the components use.
# It prints every change it receives, and stops when a pod that was not there
# before is Running.

# %%
for change, pod in lab.watch("Pod", namespace, labels="app=web", timeout=timeout):
    name, phase = pod["metadata"]["name"], pod["status"].get("phase", "Pending")
    leaving = " (being deleted)" if pod["metadata"].get("deletionTimestamp") else ""
    print(f"{change:9} {name:22} {phase:8} node={pod['spec'].get('nodeName')}{leaving}")
    if name not in before and phase == "Running":
        break

# %% [markdown]
# The replicaset controller observed two pods where three were desired, and
# created a replacement; the scheduler placed it; the kubelet (real on the
# host engine, KWOK's imitation on kwok) started it. Nobody asked: the gap
# between desired and observed was enough. The Deployment's spec did not
# change, so neither did its `generation`.

# %%
pods = lab.table("Pod", namespace)
web = lab.get("Deployment", "web", namespace)
lab.record("replacement_is_new", name not in before)
lab.record("running_after_heal", int((pods["status"] == "Running").sum()))
lab.record("generation_after_heal", web["metadata"]["generation"])
pods

# %% [markdown]
# ## Changing the desired state
#
# Now change the contract: `manifests/02-api-and-architecture-web-scaled.yaml`
# is the same Deployment with `replicas: 5`. The answer to `apply` is the
# object as stored at that instant: the spec already has a new generation,
# while the status still describes the old one.

# %%
stored = lab.apply("manifests/02-api-and-architecture-web-scaled.yaml", namespace)[0]
lab.record("generation_scaled", stored["metadata"]["generation"])
{"generation": stored["metadata"]["generation"],
 "status.observedGeneration": stored["status"]["observedGeneration"]}

# %% [markdown]
# The controllers converge again. The story now holds two `ScalingReplicaSet`
# Events, and six pods created and scheduled (and, on a real node, started):
# three at the start, one replacement, two new ones.

# %%
expected = {"ScalingReplicaSet": 2, "SuccessfulCreate": 6, "Scheduled": 6}
if not simulated:
    expected["Started"] = 6
lab.timeline(namespace, until=expected, timeout=timeout).tail(5)

# %%
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("observed_generation_scaled", web["status"]["observedGeneration"])
lab.record("ready_scaled", web["status"]["readyReplicas"])
lab.record("uid_unchanged", web["metadata"]["uid"] == stored["metadata"]["uid"])
{"generation": web["metadata"]["generation"], **web["status"]}

# %% [markdown]
# ### Exercise 2: declare two replicas
#
# Change the desired state of `web` once more: two replicas. Apply the
# Deployment again with `replicas: 2`: paste the manifest printed above into a
# cell under a first line `%%kubectl apply -n {namespace} -f -`, change one
# number and run it. Then run the check (exercise id `02.desired-replicas`);
# if it says the cluster is still converging, give it a second and run it
# again. The solution is hidden in the cell after the check; its second cell
# waits until the Deployment's status counts two replicas.

# %%
# Your code here

# %%
lab.check("02.desired-replicas", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2                   # the desired number of pods: now two
  selector:
    matchLabels:
      app: web                  # which pods belong to this Deployment
  template:                     # the pattern every pod is made from
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests:
            cpu: 50m
            memory: 32Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Deployment", "web", namespace, timeout=timeout,
         until=lambda web: (web["status"].get("replicas") == 2, "scaling down"))
lab.check("02.desired-replicas", namespace)

# %% [markdown]
# Once the exercise is solved, the end of the story shows that scaling down
# is the same loop in the other direction: the deployment controller writes
# `ScalingReplicaSet` ("Scaled down..."), the replicaset controller
# `SuccessfulDelete`.

# %%
pods = lab.table("Pod", namespace)
lab.record("pods_at_end", int((pods["status"] != "Terminating").sum()))
lab.timeline(namespace).tail(4)

# %% [markdown]
# ## Summary
#
# - The control plane (API server, etcd, controller manager, scheduler, and
#   on clouds the cloud-controller-manager) decides; the workers (kubelet,
#   kube-proxy, a CRI container runtime) execute.
# - Everything goes through the API server, and components only talk to it:
#   each one watches objects and writes back what it did.
# - The cluster describes itself: `/version`, `/readyz?verbose`, Leases,
#   node reports, and discovery of every group, version and kind.
# - An object is a contract: `spec` is the desired state you write, `status`
#   the observed state controllers write; `generation` and
#   `observedGeneration` tell whether they have caught up.
# - Controllers converge towards the desired state, whether the desire
#   changes (scaling) or reality drifts (a deleted pod).
#
# ## What's next
#
# [03 · Namespaces](03-namespaces.ipynb): the folders that hold most of these
# objects, what they separate and what they do not, and what deleting one takes with it.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it.

# %%
lab.cleanup(namespace)
