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
# # 05 · Deployments
#
# Notebook 04 ended on a sobering note: a pod you delete stays deleted, and
# nothing watches over it. In practice you almost never create pods yourself.
# You declare a **Deployment**, "I want three copies of this pod, running this
# image", and a chain of controllers makes it so, then keeps it so: they
# replace lost pods, add or remove pods when you change the count, and swap
# every pod for a new version without interrupting the service. This notebook
# shows each of those moves, with pictures of what happens second by second,
# and ends with a probe that restarts an application that hangs.

# %% [markdown]
# ## Overview
#
# 1. Read a Deployment: replicas, selector and pod template.
# 2. Follow the ownership chain Deployment ➜ ReplicaSet ➜ Pods.
# 3. Watch the Deployment heal itself when pods are deleted.
# 4. Scale it with a slider and with a manifest, and see which one wins.
# 5. Roll out a new image version without downtime, read the rollout history,
#    and roll back.
# 6. Find out why a rollout never finishes, and fix it.
# 7. Let a liveness probe restart an application that stopped answering.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Pod manifests, labels, phases, requests and limits |
# | [02 · The API and the architecture](02-api-and-architecture.ipynb) | Helpful | Controllers and their reconcile loops |
# | [03 · Namespaces](03-namespaces.ipynb) | Helpful | Every notebook works in a namespace of its own |
#
# **Time to learn**: 40 minutes
#
# This notebook needs nothing from earlier ones but an empty namespace, which
# the setup cell below creates (fresh, every time you run it). It creates the
# `web` Deployment that notebook 06 puts a Service in front of.

# %% [markdown]
# ## Parameters
#
# The namespace, how long to wait for the cluster, and how long to give the
# liveness probe to act (about 15 s on a real node).

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb05-deployments")
timeout = 60
liveness_wait = 60

# %% [markdown]
# ## Setup
#
# Besides the library, this notebook uses two of its companions:
# `plots` draws what the cluster did over time, and `widgets` gives you a
# slider and a live table to play with.

# %% tags=["setup"]

import time

import k8slab as lab
from k8slab import plots, widgets

lab.setup(namespace)

# %% [markdown]
# Which engine runs this lab? On the **host** engine (and on kind or
# minikube) the pods below are real containers: nginx really serves, Redis
# really hangs and is really restarted. On the **kwok** engine the control
# plane is just as real (the same API server, controllers and scheduler), but
# the nodes are simulated: no container runs, and kwok plays what a kubelet
# would report. Each cell that depends on it says which one you saw.

# %%
info = lab.status()
engine = info["engine"]   # "workshop" when you use a workshop kubeconfig
real_containers = not any(node["simulated"] for node in info["nodes"])
print(f"engine: {engine} ·",
      "real containers" if real_containers else "simulated nodes (kwok): no container runs")

# %% [markdown]
# ## A Deployment, line by line

# %%
lab.manifest("manifests/05-deployments-web.yaml")

# %% [markdown]
# Three parts of the `spec` matter:
#
# - `replicas`: how many identical pods should exist, at all times.
# - `selector`: how the Deployment recognises *its* pods: by their labels,
#   here `app=web`. Labels are the glue of Kubernetes; notebook 06's Services
#   use them the same way.
# - `template`: the pod to create whenever one is missing. It is notebook 04's
#   pod without a name (the controller names each copy), and its labels must
#   match the selector, or the API server refuses the Deployment.
#
# The image, `k8slab.local/web:1.0`, is nginx 1.22.1 from Debian, packed by
# k8slab as a small unprivileged web server on port 8080; its page says
# "web 1.0", and `/hello` answers with the name of the pod that served it.
# The template also has a **readiness probe**: the kubelet asks `/healthz`
# every 2 s, and the pod counts as *ready* only once it answers. Without one,
# "ready" would only mean "the container started", which says nothing about
# whether nginx can serve yet.
#
# Apply it, and wait for the **rollout**: until all three pods are available.

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %%
lab.record("ready_replicas", lab.get("Deployment", "web", namespace)["status"]["readyReplicas"])

# %% [markdown]
# ## Who owns whom
#
# You created one object; the namespace now holds five. The Deployment did
# not create pods itself: it created a **ReplicaSet**, whose only job is to
# keep a number of identical pods alive, and the ReplicaSet created the pods.

# %%
lab.table("ReplicaSet", namespace)

# %%
lab.table("Pod", namespace)

# %% [markdown]
# The `owner` column comes from each object's `metadata.ownerReferences`.
# Let us climb the chain from one pod to the top:

# %%
pod = lab.list("Pod", namespace, labels={"app": "web"})[0]
print("labels:", pod["metadata"]["labels"])
print("ownerReferences:", pod["metadata"]["ownerReferences"])

# %%
chain, obj, kind = [], pod, "Pod"
while obj is not None:
    chain.append(f"{kind}/{obj['metadata']['name']}")
    refs = obj["metadata"].get("ownerReferences") or []
    kind = refs[0]["kind"] if refs else None
    obj = lab.get(kind, refs[0]["name"], namespace) if refs else None
print("  ➜ owned by  ".join(chain))
lab.record("owner_kinds", [link.split("/")[0] for link in chain])

# %% [markdown]
# Two details worth noticing:
#
# - The pods carry an extra label, `pod-template-hash`, a fingerprint of the
#   template. The ReplicaSet selects its pods with it, so that two versions of
#   the template (during an update) never count each other's pods.
# - The reference says `controller: true`: this owner is the one in charge.
#   When an owner is deleted, the **garbage collector** deletes what it owns:
#   delete the Deployment, and its ReplicaSets and pods go with it.
#
# `plots.owner_tree` draws the whole family:

# %%
plots.owner_tree("Deployment", "web", namespace)

# %% [markdown]
# ## Self-healing
#
# Now the contrast with notebook 04. A live table of the pods first: it keeps
# updating itself in the background while you run the next cells (in
# JupyterLab; a saved copy shows its state when it was created).

# %%
pods_view = widgets.live_pods(namespace, labels="app=web")

# %% [markdown]
# Let us delete two of the three pods, while a `ReplicaRecorder` follows the
# Deployment's counts through a watch. `mark` writes a note on its timeline.

# %%
before = sorted(lab.table("Pod", namespace, labels="app=web")["name"])
recorder = plots.ReplicaRecorder("web", namespace).start()
recorder.mark("2 pods deleted")
for victim in before[:2]:
    lab.delete("Pod", victim, namespace)

# %% [markdown]
# The ReplicaSet controller sees that only one pod is left where three are
# wanted, and creates two new ones at once. `lab.wait` also accepts a
# function of the object it follows, returning `(done, message)`: here,
# "done" means that two pods that did not exist before are running.

# %%
def healed(deployment: dict) -> tuple[bool, str]:
    pods = lab.table("Pod", namespace, labels="app=web")
    new = pods[~pods["name"].isin(before) & (pods["phase"] == "Running")]
    return len(new) >= 2, f"{len(new)} of 2 replacement pods running"


lab.wait("Deployment", "web", namespace, until=healed, timeout=timeout)
print("healed:", healed({})[1])

# %% [markdown]
# Once the Deployment's counts have caught up, stop the recorder and plot
# what happened:

# %%
recorder.wait_for(ready=3, pods=3, timeout=timeout)
recorder.stop()
recorder.plot(title="Self-healing: 2 of 3 pods deleted")

# %% [markdown]
# Read the plot from left to right: at the mark, `ready` drops to one, `pods`
# (pods that exist and are not being deleted) goes back to three almost
# immediately, then `ready` climbs back as the new pods start. `desired` never
# moved: nobody changed what you asked for, so the controllers restored it.
#
# A node that dies is slower to heal. The control plane first marks it
# unreachable (after about 50 s without news, the controller manager's
# `--node-monitor-grace-period`), then lets its pods run out
# their `tolerationSeconds` for the `node.kubernetes.io/unreachable` taint,
# **300 s** by default, before it evicts them; only then does the ReplicaSet
# create replacements elsewhere. (A StatefulSet's pods, notebook 07, are not
# replaced at all until someone confirms the node is gone, by deleting the
# node or force-deleting the pods: two pods with the same identity must never
# run at once.)

# %%
replacements = [name for name in recorder.pods_seen if name not in before]
print("new pods:", replacements)
lab.record("replacements", len(replacements))
lab.record("healing_min_ready", min(s["ready"] for s in recorder.samples))
pods_view.frame()

# %% [markdown]
# ## Scaling
#
# Changing the number of copies is changing `spec.replicas`. The slider below
# is bound to it: moving it does what `kubectl scale` does, and the label
# beside it follows the ready count.

# %%
slider = widgets.replica_slider("web", namespace, max=8)

# %% [markdown]
# Move it to 5 and watch the live table above grow. When this notebook runs
# unattended, nobody moves the slider: the next cell does exactly what moving
# it to 5 does, then waits for the rollout.

# %%
slider.set(5)
scaled = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("replicas_after_slider", scaled["status"]["readyReplicas"])
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# What would applying the manifest change now? `kubectl diff` asks the API
# server to compute it (a dry run: nothing changes) and shows the difference
# between the live object and the file, like `diff -u`: `-` what is there,
# `+` what the file would make it. kubectl exits with status 1 when it finds
# a difference, which `%kubectl` would report as an error; `--expect-fail`
# (an option of this notebook's `%kubectl`) says that is what we expect.

# %%
# %kubectl --expect-fail diff -f manifests/05-deployments-web.yaml -n {namespace}

# %% [markdown]
# Now apply the manifest again, the file that says `replicas: 3`:

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("replicas_after_apply", lab.get("Deployment", "web", namespace)["spec"]["replicas"])

# %% [markdown]
# Back to three. The slider (like `kubectl scale`) is an **imperative**
# change: "do this now". The manifest is **declarative**: "this is how it
# should be". Applying the manifest restores what it declares, so an
# imperative change lasts only until the next apply. When your manifests live
# in Git (notebook 13), the file is the truth: to scale for good, change the
# file.
#
# ### Exercise 1: scale web to 4 replicas, declaratively
#
# Scale `web` to 4 replicas by applying a manifest that says so: in the empty
# cell below, write a first line `%%kubectl apply -n {namespace} -f -`, paste
# the manifest printed at the top under it, change one line, and run it (or
# edit a copy of the file and `%kubectl apply -f` it). `%kubectl diff` first
# shows what you are about to change. The slider, or `kubectl scale`, would
# change the count too, but imperatively, and the check can tell: the API
# server records in each object's `metadata.managedFields` which client set
# each field, and how: `kubectl apply` (manager `kubectl-client-side-apply`)
# or a server-side apply (operation `Apply`) are declarative; `kubectl scale`
# and the slider are imperative `Update`s. Wait for the rollout (`%kubectl
# rollout status deployment/web -n {namespace}`), then run the check
# (exercise id `05.scale`). The solution is hidden in the cell after the check.

# %%
# Your YAML here, under a first line: %%kubectl apply -n {namespace} -f -

# %%
lab.check("05.scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 4                  # the one line that changed: 3 -> 4
  selector:
    matchLabels:
      app: web                 # "my pods are those labelled app=web"
  template:                    # the pod to create, without a name of its own
    metadata:
      labels:
        app: web               # must match the selector above
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:            # "ready" means: answers /healthz, not just "started"
          httpGet:
            path: /healthz
            port: http
          periodSeconds: 2
        resources:
          requests:
            cpu: 50m
            memory: 32Mi
          limits:
            cpu: 250m
            memory: 64Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.scale", namespace)

# %% [markdown]
# Before the next section, back to the manifest's three replicas:

# %%
lab.apply("manifests/05-deployments-web.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %% [markdown]
# ## Rolling update: a new version without downtime
#
# A new version of an application is a new image. The file
# `manifests/05-deployments-web-v2.yaml` is the same Deployment with the image
# `k8slab.local/web:2.0` instead of `web:1.0`. First, what version answers
# today? `lab.http_get` sends one request to a pod of the Deployment, through
# the API server (as `kubectl port-forward` does):

# %%
before_update = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(before_update.body.strip() if not before_update.simulated
      else "kwok: a simulated answer (no nginx runs), " + before_update.headers["server"])
lab.record("hello_before_update", before_update.body.strip())
lab.record("hello_simulated", before_update.simulated)

# %% [markdown]
# Changing the pod template starts a **rolling update**: the Deployment
# creates a second ReplicaSet for the new template and moves pods from the old
# one to the new one, a few at a time. We record it:

# %%
recorder = plots.ReplicaRecorder("web", namespace).start()
recorder.mark("apply web 2.0")
lab.apply("manifests/05-deployments-web-v2.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
recorder.stop()
recorder.plot(title="Rolling update from web 1.0 to web 2.0")

# %% [markdown]
# How fast it goes is set by the Deployment's `strategy`; we kept the
# defaults, `maxSurge: 25%` and `maxUnavailable: 25%`. For 3 replicas that
# means at most one pod *above* 3 (25% of 3, rounded up) and none below
# (rounded down): the Deployment starts one new pod, waits until it is
# available, removes one old pod, and repeats. `available` never drops below
# three.
#
# "Available" means ready (for `minReadySeconds`, 0 here), and ready means
# what the readiness probe says: a new pod takes its share of the work only
# once it answers `/healthz`. That is what keeps users served throughout.
# Without a readiness probe, a pod is ready as soon as its container has
# started, and a slow-starting application would be sent traffic, and count
# as available, before it can answer. (kwok runs no probe: its pods are
# ready as soon as they "start", unless their probe asks a page the web image
# lacks, which kwok imitates.) Notebook 06 meets pods that run but never
# become ready, and what that does to their Service.

# %%
during = recorder.samples
lab.record("rollout_min_available", min(s["available"] for s in during))
lab.record("rollout_max_pods", max(s["pods"] for s in during))
print("available went down to", min(s["available"] for s in during),
      "· pods went up to", max(s["pods"] for s in during))

# %% [markdown]
# And the answer now:

# %%
after_update = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(after_update.body.strip() if not after_update.simulated
      else "kwok: a simulated answer again; the image name is all that changed")
lab.record("hello_after_update", after_update.body.strip())

# %% [markdown]
# ### The rollout history
#
# The old ReplicaSet was not deleted: it was scaled to zero, and kept, with
# its template, as history. Each ReplicaSet carries the annotation
# `deployment.kubernetes.io/revision`, shown in the `revision` column; the
# Deployment carries the number of its current revision.

# %%
history = lab.table("ReplicaSet", namespace)
first_rs = history[history["images"].str.endswith(":1.0")]["name"].iloc[0]
print("revision:", lab.get("Deployment", "web", namespace)["metadata"]["annotations"])
history

# %%
lab.record("revisions", dict(zip(history["images"], history["revision"], strict=True)))

# %% [markdown]
# `kubectl rollout history` lists the same revisions (how many old
# ReplicaSets are kept is the Deployment's `revisionHistoryLimit`, 10 by
# default), and `kubectl rollout status` waits until a rollout is complete,
# or says what it waits for:

# %%
# %kubectl rollout history deployment/web -n {namespace}

# %%
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% [markdown]
# (`--revision=1` after `rollout history` prints that revision's pod template.)
#
# ### Rolling back
#
# Version 2.0 turns out to be broken; you want 1.0 back, fast. A rollback
# is just another rolling update, towards the previous template. Three ways
# to get there:
#
# 1. **Re-apply the previous manifest** (`05-deployments-web.yaml`). This is
#    the declarative way, and the one to prefer when your manifests live in
#    Git: revert the commit, apply.
# 2. Change just the image: `kubectl set image deployment/web
#    nginx=k8slab.local/web:1.0`.
# 3. Let Kubernetes find the previous template in the history:
#    `kubectl rollout undo deployment/web` (or `--to-revision=1`). It copies
#    the old ReplicaSet's template back into the Deployment. Quick, but your
#    manifest file still says 2.0: the next apply undoes the undo.
#
# Whichever way, the Deployment notices that the template matches an existing
# ReplicaSet (same `pod-template-hash`) and scales *that one* back up rather
# than creating a new one. The revision number moves on to 3.
#
# ### Exercise 2: roll back to web 1.0
#
# Roll `web` back to `k8slab.local/web:1.0` and wait until the
# rollout completes (any of the three ways; the solution uses
# `kubectl rollout undo`, then `kubectl rollout status`). Then run the check
# (exercise id `05.rollback`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("05.rollback", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout undo deployment/web -n {namespace}

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/web -n {namespace} --timeout=60s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.rollback", namespace)

# %% [markdown]
# The history after the rollback: the first ReplicaSet is back in service,
# under a new revision number.

# %%
after = lab.table("ReplicaSet", namespace)
serving = after[after["desired"] > 0].iloc[0]
print(f"serving: {serving['name']} (revision {serving['revision']}); first one was {first_rs}")
lab.record("serving_rs_is_first", bool(serving["name"] == first_rs))
lab.record("serving_revision", serving["revision"])
after

# %%
after_rollback = lab.http_get("deployment/web", 8080, "/hello", namespace)
print(after_rollback.body.strip() if not after_rollback.simulated
      else "kwok: a simulated answer")
lab.record("hello_after_rollback", after_rollback.body.strip())

# %% [markdown]
# ## A rollout that never finishes
#
# A colleague prepared web 2.0 again, with new resource settings, and applied
# it. Their terminal is still waiting on `kubectl rollout status`. Let us
# apply the same file, without waiting for the rollout this time, and look:

# %%
lab.apply("manifests/05-deployments-web-greedy.yaml", namespace)


def unscheduled_pods() -> list[dict]:
    """The web pods the scheduler could not place (PodScheduled is False)."""
    return [p for p in lab.list("Pod", namespace, labels={"app": "web"})
            if any(c["type"] == "PodScheduled" and c["status"] == "False"
                   for c in p["status"].get("conditions") or [])]


deadline = time.monotonic() + timeout
while not unscheduled_pods():  # the scheduler answers within a second
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("No pod became unschedulable.",
                              "Look at lab.table('Pod', namespace).")
    time.sleep(0.5)
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# One new pod is `Pending`, and stays so; the three web 1.0 pods still run
# and serve (with `maxUnavailable` at 0, the Deployment removes no old pod
# before a new one is available, so a broken rollout does not take the
# service down). The rollout is not failing loudly: it is just not making
# progress. After `progressDeadlineSeconds` (600 s by default) the
# Deployment's `Progressing` condition turns `False` with the reason
# `ProgressDeadlineExceeded`, and `kubectl rollout status` gives up; nothing
# is rolled back by itself. What does the Deployment say, and what do the
# events of the Pending pod say?

# %%
stuck_pod = unscheduled_pods()[0]["metadata"]["name"]
print(lab.diagnose("Deployment", "web", namespace))
stuck_events = lab.events(namespace, object_name=stuck_pod)
lab.record("stuck_reasons", sorted(set(stuck_events["reason"])))
stuck_events

# %% [markdown]
# ### Exercise 3: finish the rollout
#
# Read the `FailedScheduling` message: the scheduler says, node by node, why
# the pod fits nowhere. Compare the pod's `resources` in
# `lab.manifest("manifests/05-deployments-web-greedy.yaml")` with those of
# the earlier manifests, fix the YAML (as text, like in exercise 1) and apply
# it; the Deployment replaces the Pending pod with one from the corrected
# template. Wait for the rollout, then run the check (exercise id
# `05.unstuck`). (`kubectl rollout undo deployment/web` would also unblock the
# service, by going back to web 1.0, but the colleague wants 2.0.) The
# solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("05.unstuck", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/05-deployments-web-greedy-fixed.yaml"))
lab.apply("manifests/05-deployments-web-greedy-fixed.yaml", namespace)
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.check("05.unstuck", namespace)

# %% [markdown]
# The scheduler is the same real kube-scheduler on every engine, and it
# compares requests with each node's allocatable resources, not with what is
# actually used: a request that no node can satisfy leaves the pod Pending
# for ever, on kwok's simulated nodes as on real ones.

# %%
final = lab.get("Deployment", "web", namespace)
lab.record("unstuck_image", final["spec"]["template"]["spec"]["containers"][0]["image"])
lab.record("unstuck_pending", len(unscheduled_pods()))
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# ## Break and fix: a pod that keeps crashing
#
# Another classic: the command of a container has a typo. This Deployment
# runs a small worker on BusyBox, whose command should be `sleep 3600` (a
# stand-in for real work), but reads `slep`:

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["slep", "3600"]
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %% [markdown]
# The image is pulled, but there is no program called `slep` in it: the
# container runtime cannot start the container (reason `StartError`, exit
# code 128). The kubelet tries again, waiting longer each time (10 s, 20 s,
# 40 s... up to five minutes): that waiting is **CrashLoopBackOff**. The same
# happens to a program that starts and exits with an error; only the exit code
# and the log differ. (On kwok, KWOK plays this from the command alone: a
# program BusyBox does not have fails as it would on a real node, and the
# messages say "simulated by kwok".) The next cell waits for it:

# %%
def crash_looping(pod: dict) -> tuple[bool, str]:
    """Done once the container waits in CrashLoopBackOff."""
    status = ((pod.get("status") or {}).get("containerStatuses") or [{}])[0]
    reason = ((status.get("state") or {}).get("waiting") or {}).get("reason", "")
    return reason == "CrashLoopBackOff", reason or "starting"


lab.wait("Deployment", "worker", namespace, timeout=timeout,   # its ReplicaSet made a pod
         until=lambda d: ((d.get("status") or {}).get("replicas", 0) >= 1, "creating a pod"))
worker_pod = lab.list("Pod", namespace, labels={"app": "worker"})[0]["metadata"]["name"]
crashing = lab.wait("Pod", worker_pod, namespace, until=crash_looping, timeout=max(timeout, 120))
worker_status = crashing["status"]["containerStatuses"][0]
worker_last = (worker_status.get("lastState") or {}).get("terminated") or {}
print("waiting:", worker_status["state"]["waiting"]["reason"], "· last exit code:",
      worker_last.get("exitCode"), worker_last.get("reason"))
lab.record("worker_waiting_reason", worker_status["state"]["waiting"]["reason"])
lab.record("worker_last_exit_code", worker_last.get("exitCode"))

# %% [markdown]
# The rollout cannot complete: `rollout status` gives up after its timeout
# (and exits with an error, which this cell expects):

# %%
# %kubectl --expect-fail rollout status deployment/worker -n {namespace} --timeout=5s

# %% [markdown]
# Read why, as a sysadmin would: the `STATUS` and `RESTARTS` columns, then
# `describe` (look at `Last State`: its `Reason`, `Exit Code` and `Message`),
# then the Events:

# %%
# %kubectl get pods -n {namespace} -l app=worker

# %%
# %kubectl describe pods -n {namespace} -l app=worker

# %%
# %kubectl events -n {namespace} --for pod/{worker_pod}

# %% [markdown]
# ### Exercise 4: fix the command
#
# The cell below holds the same Deployment. Fix the command and run the cell:
# the new pod template starts a rollout, whose new pod runs, and the
# crashing pod is removed. Wait for it (`%kubectl rollout status
# deployment/worker -n {namespace}`), then run the check (exercise id
# `05.fix-crash`). Hint: `describe` quoted the program it could not find.

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["slep", "3600"]     # <- fix this line
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %%
lab.check("05.fix-crash", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["sleep", "3600"]    # "sleep", not "slep"
        resources:
          requests:
            cpu: 10m
            memory: 16Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout status deployment/worker -n {namespace} --timeout=120s

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.check("05.fix-crash", namespace)

# %% [markdown]
# ## A liveness probe restarts a stuck application
#
# A story you may have lived. A colleague runs a monstrous query against the
# team's database; the database freezes. It is still "running" (the process
# exists) but it answers nobody. The colleague sends you a message: "could
# you restart the database?". Half an hour later, another huge query, another
# message. You become the restart button.
#
# With Kubernetes you describe, once, how to tell a healthy application from
# a stuck one, and the node's kubelet does the restarting. That description
# is a **liveness probe**: an HTTP request, a TCP connection or a command
# that the kubelet runs periodically in each container. When it fails several
# times in a row, the kubelet stops the container and starts it again, in the
# same pod. Our database is Redis 7.0 (from Debian, packed by k8slab); its
# probe runs `redis-cli ping` inside the container:

# %%
lab.manifest("manifests/05-deployments-db.yaml")

# %%
lab.apply("manifests/05-deployments-db.yaml", namespace)
lab.wait("Deployment", "db", namespace, timeout=timeout)
db_pod = lab.list("Pod", namespace, labels={"app": "db"})[0]["metadata"]["name"]

# %% [markdown]
# Now the monstrous query. `DEBUG SLEEP 60` makes Redis do nothing at all for
# a minute, the way a huge query keeps a single-threaded database busy: every
# other client, the probe's `redis-cli ping` included, waits for an answer
# that does not come. We send it from inside the pod, in the background, with
# `lab.exec` (`kubectl exec`).
#
# On the kwok engine no Redis runs, so there is nothing to freeze: the
# annotation `k8slab.io/simulate: stuck` in the manifest asks kwok to play
# the scene instead. A few seconds after the pod starts, its probe "fails",
# kwok records the `Unhealthy` event a kubelet would, and counts one restart.
# (Anywhere else that annotation means nothing.)

# %%
if real_containers:
    print(lab.exec(f"pod/{db_pod}", "redis-cli ping", namespace).strip(), "- healthy, before")
    lab.exec(f"pod/{db_pod}", "redis-cli DEBUG SLEEP 60 >/dev/null 2>&1 &", namespace)
    print("DEBUG SLEEP 60 sent: Redis answers nobody for a minute")
else:
    print("kwok: no Redis to freeze; kwok plays the hang a few seconds after the start")

# %% [markdown]
# Let us watch the database pod until its container is restarted (about
# 3 failed probes × 3 s, plus the stop):

# %%
restarts, last_state = 0, {}
for change, obj in lab.watch("Pod", namespace, name=db_pod, timeout=liveness_wait):
    status = (obj["status"].get("containerStatuses") or [{}])[0]
    restarts, last_state = status.get("restartCount", 0), status.get("lastState") or {}
    print(f"{change:9} ready={status.get('ready')} restartCount={restarts}")
    if restarts:
        break
previous = last_state.get("terminated") or {}
print(f"{db_pod}: {restarts} restart(s); previous container: "
      f"exit code {previous.get('exitCode')}, reason {previous.get('reason')}")

# %% [markdown]
# The pod is the same one, with the same name and address; only its container
# is new, and `restartCount` (the `restarts` column) keeps score. This is
# different from self-healing above, where the ReplicaSet replaced whole pods.
#
# How was the container stopped? The kubelet does not kill at once: it sends
# **SIGTERM**, waits up to the pod's `terminationGracePeriodSeconds` (10 s in
# our manifest, 30 s by default), and only then sends **SIGKILL**. The exit
# code of the previous container says which one ended it:
#
# - **0** (reason `Completed`): the process stopped by itself on SIGTERM.
#   Redis does: the signal interrupts its `DEBUG SLEEP`, and it shuts down
#   cleanly. (kwok imitates that answer.)
# - **137** = 128 + 9 (reason `Error`): the process was still there at the
#   end of the grace period and SIGKILL (signal 9) ended it. That is what you
#   see from an application that ignores SIGTERM or is too stuck to handle it;
#   a shell or `sleep` running as the container's first process (PID 1)
#   ignores SIGTERM too, which is why a long grace period can make such pods
#   slow to stop.

# %% [markdown]
# What did the previous container print before it stopped? `kubectl logs`
# shows the current container; `--previous` the one before the last restart,
# the first place to look after a crash (on a real node, Redis's own log,
# ending with its shutdown on SIGTERM; on kwok, a simulated line that says so):

# %%
# %kubectl logs {db_pod} -n {namespace} --previous --tail=5

# %%
lab.record("db_restarts", restarts)
lab.record("db_last_exit_code", previous.get("exitCode"))
lab.record("db_last_reason", previous.get("reason"))
lab.table("Pod", namespace, labels="app=db")

# %% [markdown]
# The Events tell the story: the kubelet's (on kwok, kwok's) `Unhealthy`
# warning, and on a real node its `Killing` notice, "failed liveness probe,
# will be restarted".

# %%
events = lab.events(namespace, object_name=db_pod)
lab.record("db_unhealthy_events", int((events["reason"] == "Unhealthy").sum()))
lab.record("db_unhealthy_messages", sorted(set(events[events["reason"] == "Unhealthy"]["message"])))
lab.record("db_killing_events", int((events["reason"] == "Killing").sum()))
events

# %% [markdown]
# And the database answers again: a new container, a fresh Redis (its data,
# kept nowhere, is gone; notebook 09 gives a database a volume that survives).

# %%
if real_containers:
    lab.wait("Pod", db_pod, namespace, timeout=timeout, until=lambda p: (
        all(s.get("ready") for s in p["status"].get("containerStatuses") or [{}]),
        "waiting for the new container to be ready"))
    pong = lab.exec(f"pod/{db_pod}", "redis-cli ping", namespace).strip()
else:
    pong = "(kwok: no Redis to ask)"
print(pong)
lab.record("db_ping_after_restart", pong)

# %% [markdown]
# Liveness has two siblings, worth knowing from the start:
#
# - a **readiness probe** decides whether a pod receives traffic from a
#   Service (notebook 06). A pod that fails it is not restarted, only taken
#   out of the Service until it recovers;
# - a **startup probe** holds the other two back while a slow application
#   starts, so it is not killed before it had a chance to answer.
#
# Be careful with liveness probes: one that fails when the application is
# merely busy makes things worse, restarting a database in the middle of its
# work. Probe something cheap, and give generous timeouts: our 1 s timeout
# and 3 × 3 s threshold are for the lab; in production, think 5 s, 10 s
# and 3 to 6 failures, and a startup probe for slow starts.

# %% [markdown]
# ## Summary
#
# - A **Deployment** declares replicas, a label selector and a pod template;
#   it manages a **ReplicaSet**, which manages the **pods**. Each object names
#   its owner in `ownerReferences`, and deleting an owner deletes what it owns.
# - Delete pods, and the ReplicaSet replaces them within seconds:
#   **self-healing** is a controller comparing what exists with what you asked.
# - Scaling changes `spec.replicas`; an imperative scale lasts until the
#   manifest is applied again.
# - Changing the template rolls out a new ReplicaSet, pod by pod, without
#   dropping below the available count; a **readiness probe** decides when a
#   new pod counts as available. Old ReplicaSets are the **rollout history**,
#   and rolling back re-activates one of them.
# - A **liveness probe** lets the kubelet restart a container that stopped
#   answering: SIGTERM first, SIGKILL (exit code 137) only if the process is
#   still there after the grace period; the `Unhealthy` and `Killing` events
#   and the restart count show it happened.
# - `kubectl diff` shows what an apply would change; `kubectl apply` is
#   declarative, `kubectl scale` imperative, and `managedFields` records which.
#   `kubectl rollout status`, `history` and `undo` follow and reverse rollouts.
# - A typo'd command leaves the pod in **CrashLoopBackOff**: `describe` shows
#   the last state's reason and exit code, `logs --previous` the last words of
#   the container before it, and fixing the template rolls out a working pod.
#
# ## What's next
#
# The `web` pods now come and go, each time with a new name and address.
# [06 · Services](06-services.ipynb) gives them one stable name and address.
#
# ## Clean-up
#
# Stop the live views, then delete this notebook's namespace and everything
# in it.

# %%
pods_view.stop()
slider.stop()

# %%
lab.cleanup(namespace)
