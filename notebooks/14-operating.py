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
# # 14 · Operating a cluster
#
# The earlier notebooks ran applications. This one looks at the cluster from
# the administrator's chair: how to keep one team from eating the whole
# cluster, how to take a node down for maintenance without an outage, and
# what a network policy really promises. These are the questions a sysadmin
# asks in the first week of running Kubernetes for others.

# %% [markdown]
# ## Overview
#
# 1. Cap what a namespace may use with a **ResourceQuota**, and give its
#    containers defaults and ceilings with a **LimitRange**.
# 2. Repair a Deployment whose pods the API server refuses to create.
# 3. Protect an application during maintenance with a **PodDisruptionBudget**,
#    and see an eviction, the building block of `kubectl drain`, refused.
# 4. Read a **NetworkPolicy**, and find out whether this cluster enforces it.
# 5. Back up etcd with `etcdctl snapshot save`, and prove the backup by
#    restoring it next to the lab.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Requests and limits |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | ReplicaSets, readiness |
# | [06 · Services](06-services.ipynb) | Helpful | Calling a Service from a pod |
# | [07 · More workloads](07-workloads.ipynb) | Helpful | Taints and tolerations |
#
# **Time to learn**: 40 minutes
#
# Nothing from earlier notebooks needs to exist: the setup cell below starts
# from an empty namespace. Everything here lives in that namespace, so the
# notebook never disturbs other users of a shared cluster; it does create a
# ResourceQuota and a LimitRange, which workshop attendees may not do: run it
# with the lab's (administrator's) kubeconfig.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb14-operating")
timeout = 60                  # seconds to wait for a rollout before giving up

# %% [markdown]
# ## Setup
#
# A cell that starts with `%kubectl` runs the lab's real kubectl against the
# lab cluster (`{namespace}` is replaced by this notebook's namespace).

# %% tags=["setup"]
import json
import time

from kubernetes import client

import k8slab as lab

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "real containers and network" if real_containers
      else "simulated nodes (kwok): no container runs, no traffic flows")

# %% [markdown]
# ## Quotas and limits: one namespace, a fair share
#
# On a shared cluster, one runaway Deployment (a `replicas: 300` typo) could
# take every CPU the nodes have. Two namespaced objects prevent that, both
# enforced by the **API server** when a pod is created (admission plugins
# `LimitRanger` and `ResourceQuota`), so they hold on every engine:
#
# - a **LimitRange** gives each container that declares nothing a default
#   request and limit, and refuses a container above its `max`;
# - a **ResourceQuota** caps the namespace's totals: number of pods, sum of
#   the requests and of the limits. A pod must then declare whatever the
#   quota counts: a quota on `requests.cpu` refuses a container without a
#   CPU request, one on `limits.memory` a container without a memory limit,
#   and a resource the quota does not name may stay undeclared. This quota
#   counts all four (the LimitRange's defaults fill them in).

# %%
lab.manifest("manifests/14-operating-limits.yaml")

# %%
lab.apply("manifests/14-operating-limits.yaml", namespace)
lab.apply("manifests/14-operating-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
web_pod = lab.list("Pod", namespace, labels="app=web")[0]
defaults = web_pod["spec"]["containers"][0]["resources"]
lab.record("web_resources", defaults)
defaults

# %% [markdown]
# The web manifest asks for nothing, yet its pods have requests and limits:
# the LimitRange wrote them in as each pod was stored (an annotation on the
# pod says so). `kubectl describe quota` adds up what the namespace uses:

# %%
# %kubectl describe resourcequota quota -n {namespace}

# %% [markdown]
# ## A Deployment without pods
#
# A colleague deploys two batch workers. `kubectl apply` says `created`,
# and then nothing happens:

# %%
lab.manifest("manifests/14-operating-batch.yaml")

# %%
lab.apply("manifests/14-operating-batch.yaml", namespace)


def batch_refusals() -> list[str]:
    """The ReplicaSet controller's FailedCreate messages for the batch pods."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "FailedCreate")
                  & events["object"].str.startswith("replicaset/batch-")]
    return sorted(set(mine["message"]))


deadline = time.monotonic() + timeout
while not batch_refusals():  # the ReplicaSet tries at once, and says why
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The batch ReplicaSet did not settle.",
                              "Look at lab.events(namespace).")
    time.sleep(0.5)
lab.record("batch_refusals", batch_refusals())

# %%
# %kubectl get deployment batch -n {namespace}
# %kubectl describe replicaset -n {namespace} -l app=batch

# %% [markdown]
# `0/2` ready, and no pod at all: this time neither the scheduler nor a
# kubelet is involved. The **ReplicaSet controller** asked the API server to
# create each pod, and the API server refused, citing the LimitRange. The
# refusal is only visible in the ReplicaSet's `FailedCreate` events (and in
# the Deployment's `ReplicaFailure` condition); `kubectl get pods` shows
# nothing at all.
#
# ### Exercise 1: let the batch workers start
#
# Read the message above: which value does the LimitRange refuse, and what is
# its ceiling (`kubectl describe limitrange limits -n {namespace}`)? Fix the
# `resources` of `manifests/14-operating-batch.yaml` (start from
# `lab.manifest(...)`) so that each container stays within the LimitRange and
# both pods fit in what is left of the quota, and apply it. The Deployment
# rolls out a new ReplicaSet; wait with `%kubectl rollout status
# deployment/batch -n {namespace}`. Exercise id: `14.fit-limits`. The
# solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("14.fit-limits", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/14-operating-batch-fixed.yaml"))
lab.apply("manifests/14-operating-batch-fixed.yaml", namespace)
# %kubectl rollout status deployment/batch -n {namespace} --timeout=60s
lab.check("14.fit-limits", namespace)

# %%
used = lab.get("ResourceQuota", "quota", namespace)["status"]["used"]
lab.record("quota_used_pods", used.get("pods"))
{key: used[key] for key in sorted(used)}

# %% [markdown]
# ## Maintenance without an outage: disruption budgets
#
# To patch a node's kernel, an administrator **cordons** it (no new pod is
# scheduled there) and **drains** it: `kubectl drain` evicts every pod of the
# node, except DaemonSet pods, and their controllers re-create them
# elsewhere. An **eviction** is a polite delete: the API server first checks
# the **PodDisruptionBudgets** of the pod, and refuses (HTTP 429) if the
# eviction would leave fewer pods than the budget promises. `kubectl drain`
# then waits and retries every few seconds, so a drain never takes an
# application below its budget. (A node that *dies* is not a voluntary
# disruption: no budget can help there, only enough replicas on other nodes.)
#
# Draining a node of a shared cluster would move everybody's pods, so here we
# ask the API server what a cordon would do, without doing it
# (`--dry-run=server`):

# %%
node_name = web_pod["spec"]["nodeName"]
# %kubectl cordon {node_name} --dry-run=server

# %% [markdown]
# Then we do, for our own pods, exactly what a drain does for each pod. First
# a budget: at least 2 of the 3 web pods must stay available.

# %%
lab.manifest("manifests/14-operating-pdb.yaml")

# %%
lab.apply("manifests/14-operating-pdb.yaml", namespace)


def budget_allows_one(budget: dict) -> tuple[bool, str]:
    """The disruption controller has seen the budget, and it allows one eviction."""
    status = budget.get("status") or {}
    seen = (status.get("observedGeneration") or 0) >= budget["metadata"]["generation"]
    allowed = status.get("disruptionsAllowed")
    return seen and allowed == 1, f"disruptionsAllowed={allowed}"


lab.wait("PodDisruptionBudget", "web", namespace, until=budget_allows_one, timeout=timeout)
# %kubectl get pdb web -n {namespace}

# %% [markdown]
# `ALLOWED DISRUPTIONS 1`: three pods, two must stay. Now two evictions in a
# row, the way a drain would send them (the library has no helper for this:
# the cell uses the official client's `create_namespaced_pod_eviction`, the
# `POST .../pods/NAME/eviction` that kubectl drain sends):

# %%
core = client.CoreV1Api(lab.connect())


def evict(pod: str) -> int:
    """Ask the API server to evict one pod; return the HTTP status it answered."""
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=namespace))
    try:
        core.create_namespaced_pod_eviction(pod, namespace, body)
        return 201
    except client.ApiException as err:
        print(f"{pod}: {err.status} {err.reason}:",
              (err.body or "").split('"message":"')[-1].split('"')[0])
        return err.status


victims = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=web"))
first, second = evict(victims[0]), evict(victims[1])
print(victims[0], "->", first, "·", victims[1], "->", second)
lab.record("evictions", [first, second])

# %% [markdown]
# The first eviction was accepted, and the API server lowered the budget's
# allowance to 0 at once; the second was refused with **429 Too Many
# Requests**. Once the Deployment's replacement pod is ready, the allowance
# is back to 1 and the same eviction goes through: this is the retry loop of
# `kubectl drain`.

# %%
lab.wait("PodDisruptionBudget", "web", namespace, until=budget_allows_one, timeout=timeout)
retried = evict(victims[1])
print(victims[1], "->", retried)
lab.record("eviction_retried", retried)
lab.wait("Deployment", "web", namespace, timeout=timeout)
# %kubectl get pods -n {namespace} -l app=web

# %% [markdown]
# On a cluster of your own with several nodes, the real thing is
# `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`, then
# `kubectl uncordon NODE` after the maintenance. Notebook 07 showed the
# other half of node maintenance: **taints** keep pods off a node unless
# they **tolerate** it (`kubectl taint nodes NODE key=value:NoSchedule`).

# %% [markdown]
# ## NetworkPolicy: what it says, and who enforces it
#
# By default every pod may connect to every other pod. A **NetworkPolicy**
# selects pods and lists who may reach them; once a pod is selected by a
# policy of type `Ingress`, everything not listed is refused. This one lets
# only pods labelled `role=frontend` reach the web pods, on port 8080:

# %%
lab.manifest("manifests/14-operating-netpol.yaml")

# %%
lab.apply("manifests/14-operating-netpol.yaml", namespace)
# %kubectl describe networkpolicy web-from-frontend -n {namespace}

# %% [markdown]
# The API server stores and validates the policy, but does not enforce it:
# the **network plugin** (CNI) on each node must. Calico and Cilium do. The
# lab's engines do **not**: kwok has no network at all, and the host
# engine's `bridge` plugin moves packets without reading policies. On kind or
# minikube, it depends on the network plugin they run: check its
# documentation before you rely on a policy. Let us see it on this engine:
# our `client` pod has no `role=frontend` label, so an enforcing cluster
# would refuse its connection.

# %%
lab.apply("manifests/14-operating-client.yaml", namespace)
lab.wait("Pod", "client", namespace, timeout=timeout)
if real_containers:
    request = r"printf 'GET /hello HTTP/1.0\r\nHost: web\r\n\r\n' | nc -w 3 web 80 | tail -n 1"
    answer = lab.exec("pod/client", request, namespace).strip()
    print("client -> web:", answer or "(no answer)")
else:
    answer = None
    print("kwok: no network, so no policy to enforce and nothing to send")
lab.record("policy_bypassed", bool(answer and answer.startswith("Hello")))

# %% [markdown]
# On the host engine the client got its answer: the policy is stored, and
# ignored. That is the honest state of many small clusters, and the reason to
# test a policy (as we just did) rather than trust its YAML.

# %% [markdown]
# ## Back up etcd, and prove the backup
#
# The other question sysadmins ask first is *how do I back up the cluster?*
# Everything the API server stores, every object of every namespace, lives in
# **etcd**, so the cluster's backup is an etcd snapshot: `etcdctl snapshot
# save FILE` asks the running etcd for a consistent copy of its database at
# one point in time. Two things to know before you keep one:
#
# - the file holds **Secrets**, in clear unless encryption at rest is on
#   (notebook 08): guard it like the cluster's root password;
# - etcd answers only clients with a certificate of its own CA. On the lab's
#   own engines (kwok and host) that is the certificate the API server uses,
#   kept in the lab's state folder; on kind (kubeadm's defaults) it is under
#   `/etc/kubernetes/pki/etcd/` on the control-plane node, on minikube under
#   `/var/lib/minikube/certs/etcd/`, and there you run the same commands
#   inside the etcd pod.
#
# `lab.etcdctl(...)` runs the lab's real etcdctl with those flags and prints
# the whole command line first, so you can type it in a terminal as it is.
# A backup is only proven by a restore, so we also restore it, next to the
# lab (never over it), and look inside.

# %%
import tempfile
from pathlib import Path

embedded = engine in ("kwok", "host")  # etcd started by k8slab, on 127.0.0.1
backup_dir = Path(tempfile.mkdtemp(prefix=f"{namespace}-backup-"))
snapshot = backup_dir / "cluster.db"
lab.apply({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "precious", "namespace": namespace},
           "data": {"note": "written before the backup"}}, namespace)
if embedded:
    lab.etcdctl("snapshot", "save", str(snapshot))
    status = lab.etcdutl("snapshot", "status", str(snapshot), "-w", "json")
    print("keys in the snapshot:", json.loads(status)["totalKey"])
else:
    print(f"{engine}: etcd is a static pod here; see the text above for the commands")

# %% [markdown]
# Now the accident: someone deletes the ConfigMap. The live cluster has no
# trace of it left; the snapshot, taken a moment earlier, still has it.

# %%
# %kubectl delete configmap precious -n {namespace}

# %%
live = lab.exists("ConfigMap", "precious", namespace)
key = f"/registry/configmaps/{namespace}/precious"  # how the API server names it in etcd
in_backup = None
if embedded:
    with lab.restored_etcd(snapshot, backup_dir / "restored") as restored:
        in_backup = lab.etcdctl_to(restored, "get", key, "--keys-only").strip() == key
print("in the live cluster:", live, "· in the restored backup:", in_backup)
lab.record("etcd_backup", {"live": live, "in_backup": in_backup})

# %% [markdown]
# The restored etcd ran on its own ports, from its own folder, and stopped at
# the end of the `with` block; the lab's etcd never paused. The value behind
# that key is the object in Kubernetes' protobuf encoding, not YAML: etcd is
# the API server's private store, and nothing but the API server should read
# it.
#
# To **restore the whole cluster** to the snapshot, a real outage with a
# runbook: stop every API server, `etcdutl snapshot restore FILE --data-dir
# NEW` on each etcd member, start etcd on the new folders, start the API
# servers again. Everything goes back to the snapshot's moment: objects
# created since are gone, objects deleted since come back. That is why teams
# also keep their manifests in git (notebook 13) and use per-namespace backup
# tools such as Velero for a single application.

# %%
import shutil

shutil.rmtree(backup_dir, ignore_errors=True)  # it holds every Secret: do not leave it lying around

# %% [markdown]
# ## Summary
#
# - A **LimitRange** fills in default requests and limits and refuses
#   containers above its `max`; a **ResourceQuota** caps a namespace's pods
#   and resource totals. The API server enforces both at pod creation.
# - When the API server refuses a controller's pods, the only trace is the
#   controller's `FailedCreate` events: `kubectl describe replicaset`.
# - A **PodDisruptionBudget** limits voluntary disruptions: an eviction that
#   would break it gets 429, and `kubectl drain` retries until it can.
# - A **NetworkPolicy** is enforced by the network plugin, not the API
#   server: kwok and the host engine's bridge store it and ignore it.
# - The cluster's backup is an **etcd snapshot** (`etcdctl snapshot save`,
#   with etcd's client certificate); it holds every Secret, and it is proven
#   only by a restore (`etcdutl snapshot restore`).
#
# ## What's next
#
# Back to the [course table](../README.md#the-course), or run your own
# cluster with kind or minikube and try `kubectl drain` on a real node.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it (the quota and the
# policy are namespaced, so they go too).

# %%
lab.cleanup(namespace)
