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
# # 01 · Getting started
#
# Welcome to k8slab! In this first notebook you check that your environment
# works, meet the lab cluster you will use for the whole course, and learn how
# to reset it when an experiment goes wrong. No Kubernetes knowledge is needed
# yet: by the end you will have listed the machines of a cluster and started
# your first workload.
#
# The course also exists in French, with the same code, in
# [`fr/`](fr/01-getting-started.ipynb) (`k8slab lab --lang fr`).

# %% [markdown]
# ## Overview
#
# 1. Check that Python, the `k8slab` library and the lab cluster are ready.
# 2. Read the cluster's identity: its API server, its version, its nodes.
# 3. Look at what runs in the `kube-system` namespace, and why it differs between clusters.
# 4. Create your first objects, and learn to clean up and reset the lab.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | A terminal and `./run lab` | Necessary | The README's quick start starts the cluster and this JupyterLab |
# | Basic Python (calling functions) | Helpful | Every cell is one or two calls to the `k8slab` library |
# | Containers, in broad strokes | Helpful | The slides' first part explains them |
#
# **Time to learn**: 20 minutes
#
# This notebook builds on nothing: it is where the course starts.

# %% [markdown]
# ## Parameters
#
# Every notebook works in a namespace of its own, named in the next cell. When
# the course is executed automatically (by the test suite), this cell is
# replaced, which is why it stands alone.

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb01-getting-started")

# %% [markdown]
# ## Is everything ready?
#
# The `k8slab` library (imported as `lab`) wraps the official Kubernetes
# Python client. The next cell imports it and asks the cluster who it is.
# If it complains that no cluster is running, open a terminal and run
# `k8slab up`, then run the cell again.

# %% tags=["setup"]
import platform

import k8slab as lab

print("Python", platform.python_version(), "· k8slab", lab.__version__)
info = lab.status()
info

# %% [markdown]
# A few words on what you just read:
#
# - **engine** tells how this cluster was made. It matters, because it decides
#   what is real in this course (the table below).
# - **server** is the address of the *API server*. Everything in Kubernetes
#   goes through it: your notebook, the command line tool `kubectl`, and the
#   cluster's own components.
# - **server_version** is the Kubernetes version of that API server.
# - **nodes** lists the machines of the cluster; `simulated` says whether
#   KWOK plays the node.
#
# | engine | control plane | nodes | containers |
# | --- | --- | --- | --- |
# | `kwok` (the default) | real programs on this machine | *simulated* nodes, 2 by default ([KWOK](https://kwok.sigs.k8s.io/)) | none: KWOK marks pods Running; logs, `exec` and web answers are simulated and say so |
# | `host` | the same real programs | 1 real node: this machine | real, started by a kubelet with containerd and runc |
# | `kind`, `minikube` | static pods on the control-plane node | real, in Docker containers or VMs | real |
#
# The next cell says in one sentence which case you are in. Whenever a
# notebook shows something that only a real container can produce (a log, a
# command's output, a web page), it tells you whether it came from a real
# container or from KWOK's simulation.

# %%
ENGINES = {
    "kwok": "the embedded lab cluster: a real control plane on this machine, and nodes "
            "simulated by KWOK. Pods are scheduled for real, but no container runs.",
    "host": "the host engine: a real control plane and one real node, this machine. "
            "Its kubelet really starts your containers (containerd and runc).",
    "kind": "kind: every node is a Docker container, and your containers really run in them.",
    "minikube": "minikube: real nodes, real containers.",
    "existing": "a cluster you already had (k8slab did not create it).",
    "workshop": "your instructor's workshop cluster.",
}
simulated_nodes = [node["name"] for node in info["nodes"] if node.get("simulated")]
print("You are on", ENGINES.get(info["engine"], f"a cluster you named ({info['engine']})."))
print("Simulated nodes:", ", ".join(simulated_nodes) or "none: every pod really runs")
lab.record("engine", info["engine"])
lab.record("server_version", info["server_version"])

# %% [markdown]
# ## Two views of every call
#
# Under each cell that talks to the cluster, a grey line shows two things: the
# `kubectl` command that does the same from a terminal, and the HTTP request
# that was sent to the API server. Kubernetes *is* this HTTP API; `kubectl`
# and this library are two clients of it. If the lines distract you,
# `lab.show_commands(False)` hides them.
#
# Let us prepare this notebook's namespace (a folder for objects; notebook 03
# is all about them). `lab.setup` creates it fresh, removing any leftover of a
# previous run.

# %%
lab.setup(namespace)

# %% [markdown]
# ## The nodes: the machines of the cluster
#
# A cluster is a set of machines, called **nodes**, that run your workloads.
# `lab.table` returns a [pandas](https://pandas.pydata.org/) table, like
# `kubectl get` does in a terminal.

# %%
nodes = lab.table("Node")
nodes

# %% [markdown]
# The same question from the command line. A cell that starts with `%kubectl`
# runs the real `kubectl` (the lab's own copy, talking to the lab cluster
# only: never to a cluster of your `~/.kube/config`) and shows what it
# prints, exactly as a terminal would. `-o wide` adds columns:

# %%
# %kubectl get nodes -o wide

# %% [markdown]
# Each node reports whether it is `Ready`, how much CPU and memory it offers
# to workloads (`cpu`, `memory`), how many pods it accepts, and the version of
# its agent, the **kubelet** (`version`). What you see depends on the engine:
#
# - **kwok**: two nodes (unless you asked for more with `k8slab up --nodes`),
#   `worker-1` and `worker-2`. They are simulated, and
#   their `version` says so (`kwok-...`); their CPU and memory are numbers
#   KWOK announces, not real hardware.
# - **host**: one node, named after this machine. Its `version` is the real
#   kubelet's (the same Kubernetes release as the API server), and its CPU
#   and memory are this machine's.
# - **kind**, **minikube**: one node per container or VM, with real kubelets.

# %%
ready = int((nodes["status"] == "Ready").sum())
kubelets = sorted(set(nodes["version"]))
lab.record("nodes", len(nodes))
lab.record("ready_nodes", ready)
lab.record("node_names", sorted(nodes["name"]))
lab.record("kubelet_versions", kubelets)
lab.record("simulated_nodes", len(simulated_nodes))
print(f"{ready} of {len(nodes)} nodes are Ready; kubelet version(s): {', '.join(kubelets)}")
print(f"{len(simulated_nodes)} of them simulated by KWOK")

# %% [markdown]
# ## What runs in `kube-system`?
#
# Kubernetes keeps its own machinery in a namespace called `kube-system`. On
# kind or minikube you find pods there: the API server, etcd, the scheduler,
# the controller manager, CoreDNS... all running as containers.
#
# On the kwok and host engines those same programs run as ordinary processes
# on this machine, started by `k8slab up`, so `kube-system` holds no pods.
# (The host engine also runs its node's programs as processes: the kubelet,
# kube-proxy, containerd and CoreDNS, the cluster's DNS server.) Their traces
# are still there: the controller manager and the scheduler each take a
# **Lease**, a lock that says "I am the active one", so that only one copy
# acts at a time; each API server keeps a Lease too (`apiserver-...`), not a
# lock but a heartbeat that says "this instance is alive".

# %%
system_pods = lab.table("Pod", "kube-system")
lab.record("system_pods", len(system_pods))
print(f"{len(system_pods)} pods in kube-system")
system_pods

# %%
leases = lab.table("Lease", "kube-system")
lab.record("system_leases", sorted(leases["name"]))
leases

# %% [markdown]
# You should see `kube-controller-manager` and `kube-scheduler` among the
# leases: the two control-plane components that notebook 02 looks at closely.
# With kubectl (`-n` names the namespace):

# %%
# %kubectl get leases -n kube-system

# %% [markdown]
# ## Your first objects
#
# Objects are records stored by the API server: you describe what you want,
# Kubernetes makes it so. Here is a tiny one, a **ConfigMap**, which holds
# configuration as key-value pairs. `lab.apply` sends it to the cluster; it
# accepts a file, a YAML text or a Python dict.

# %%
lab.apply("""
apiVersion: v1
kind: ConfigMap
metadata:
  name: welcome
data:
  course: k8slab
""", namespace)
lab.get("ConfigMap", "welcome", namespace)["data"]

# %% [markdown]
# kubectl does the same with a cell that starts with
# `%%kubectl apply -n {namespace} -f -`: the rest of the cell is sent to
# kubectl as the file `-` (its standard input), and `{namespace}` is replaced
# by this notebook's namespace. Here is a second ConfigMap, `visitors`, made
# that way. `kubectl get ... -o yaml` then shows it as the API server stored
# it: your lines, plus what it added (`uid`, `resourceVersion`,
# `creationTimestamp`...).

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: visitors
data:
  course: k8slab
  tool: kubectl

# %%
# %kubectl get configmap visitors -n {namespace} -o yaml

# %% [markdown]
# ### Exercise 1: store a greeting
#
# Create a ConfigMap called `hello` in your namespace, with one key,
# `greeting`, whose value is `hello, kubernetes`. Write its YAML: copy the
# `%%kubectl apply` cell above into the empty cell below and change it (a
# value with a comma is safer in quotes). Then run the check below it
# (exercise id `01.configmap`).
# The solution is hidden in the cell after the check: click its "..." to show it.

# %%
# Your code here

# %%
lab.check("01.configmap", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: hello
data:
  greeting: "hello, kubernetes"

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("01.configmap", namespace)

# %% [markdown]
# ### Exercise 2: run your first pod
#
# A **pod** runs one or more containers. The file
# `manifests/01-getting-started-pod.yaml` describes one, called `first`.
# Apply it in your namespace and wait until it runs:
# `lab.wait("Pod", "first", namespace)` follows it until it is Ready.
# Then run the check (exercise id `01.first-pod`). Notebook 04 explains every
# line of that file. (From kubectl: `%kubectl apply -f FILE -n {namespace}`,
# then `%kubectl wait pod/first --for=condition=Ready -n {namespace}`.)

# %%
# Your code here

# %%
lab.check("01.first-pod", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/01-getting-started-pod.yaml"))
lab.apply("manifests/01-getting-started-pod.yaml", namespace)
lab.wait("Pod", "first", namespace)
lab.check("01.first-pod", namespace)

# %% [markdown]
# Whichever way you got there, here are the pods of your namespace:

# %%
pods = lab.table("Pod", namespace)
lab.record("pods", len(pods))
pods

# %% [markdown]
# ### Is it really running?
#
# The pod `first` runs `k8slab.local/web:1.0`: nginx (the Debian package,
# version 1.22.1), packed into an image by k8slab, listening on port 8080.
# Ask it for the page `/hello`. `lab.http_get` sends the request *through the
# API server* (like `kubectl port-forward`): you never need to reach the pod's
# own address.
#
# On a real node (host, kind, minikube) nginx answers itself, and its answer
# names the pod that served it. On kwok no container runs: the answer comes
# from a small simulated server, and says so.

# %%
if lab.exists("Pod", "first", namespace):
    answer = lab.http_get("first", 8080, "/hello", namespace)
    lab.record("first_answer", answer.body)
    lab.record("first_answer_simulated", answer.simulated)
    print("HTTP", answer.status, "·", "SIMULATED by kwok" if answer.simulated else "a real nginx")
    print(answer.body)
else:
    print("There is no pod 'first' yet: do exercise 2 first, then run this cell again.")

# %% [markdown]
# ## Resetting the lab
#
# Experiments go wrong; that is how one learns. Three levels of reset, from
# the gentlest:
#
# 1. **One notebook**: re-run it from the top. Its setup cell deletes its
#    namespace and starts fresh.
# 2. **One namespace**: `lab.cleanup("name")` deletes a namespace and
#    everything in it, and waits until it is gone.
# 3. **The whole cluster**: in a terminal, `k8slab down` then `k8slab up`
#    gives you a brand new cluster in a few seconds.
#
# k8slab refuses to delete anything on a cluster it did not create (a real
# cluster at your university, say), unless you explicitly allow it.

# %% [markdown]
# ## Summary
#
# - The lab cluster answers through one API server; `lab.status()` shows its
#   engine, address, version and nodes, and which nodes are simulated.
# - Nodes are the machines that run workloads; `lab.table("Node")` lists them.
#   On kwok they are simulated (no container runs); on the host engine the one
#   node is this machine, and containers really run.
# - Control-plane components leave Leases in `kube-system`; on the kwok and
#   host engines they run as processes rather than pods.
# - `lab.apply` sends objects to the cluster, and every call shows the matching
#   `kubectl` command and HTTP request.
#
# ## What's next
#
# [02 · The API and the architecture](02-api-and-architecture.ipynb) opens the
# hood: which component does what, and how the cluster converges towards what
# you declare.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it.

# %%
lab.cleanup(namespace)
