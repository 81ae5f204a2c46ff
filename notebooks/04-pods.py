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
# # 04 · Pods
#
# A **pod** is the smallest thing Kubernetes runs: one or more containers that
# share a network address and are always placed together on the same node.
# Everything else in this course (Deployments, Jobs, StatefulSets...) ends up
# creating pods. In this notebook you run one by hand, follow it from birth to
# deletion, look inside it, and see how the scheduler uses the resources it
# asks for. You will also discover the pod's most surprising trait: it is
# disposable. Nothing about it, not even its address, is meant to last.

# %% [markdown]
# ## Overview
#
# 1. Read a pod manifest line by line and run it.
# 2. Watch a pod go through its phases, from `Pending` to `Running`.
# 3. Check that a pod's identity (uid, IP address) does not survive its re-creation.
# 4. Read a pod's log and run a command inside it, and know what is real and what kwok simulates.
# 5. See that a deleted pod stays deleted when nothing manages it.
# 6. Tell requests from limits, and see what happens when no node can satisfy a request.
# 7. Use `kubectl` for what a sysadmin does daily: `get -o yaml`, `describe`, `explain`,
#    `events`, `logs`, `run --dry-run=client -o yaml`; then fix a pod whose image has a typo.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [01 · Getting started](01-getting-started.ipynb) | Necessary | `lab.apply`, `lab.table`, the two views of each call |
# | [02 · The API and the architecture](02-api-and-architecture.ipynb) | Helpful | Who schedules a pod, who runs it |
# | [03 · Namespaces](03-namespaces.ipynb) | Helpful | Every notebook works in a namespace of its own |
# | Containers and images | Helpful | A pod runs containers made from images |
#
# **Time to learn**: 40 minutes
#
# This notebook needs nothing from earlier ones but an empty namespace, which
# the setup cell below creates (fresh, every time you run it).

# %% [markdown]
# ## Parameters
#
# The namespace this notebook works in, and how long to wait for the cluster.

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb04-pods")
timeout = 60
quiet_period = 5

# %% [markdown]
# ## Setup
#
# Import the library, bring the namespace to this notebook's starting
# state (it exists, and it is empty), and find out whether this cluster's
# nodes are real or simulated: several cells below show what only a real
# container can produce, and say which one you got.

# %% tags=["setup"]
import math
import time

import yaml

import k8slab as lab

lab.setup(namespace)
info = lab.status()
simulated = any(node["simulated"] for node in info["nodes"])
print(f"engine: {info['engine']} ·", "nodes simulated by KWOK: no container runs" if simulated
      else "real nodes: containers really run")

# %% [markdown]
# ## Your first pod, line by line
#
# Here is the manifest this notebook starts with. Read it before running it.

# %%
lab.manifest("manifests/04-pods-web.yaml")

# %% [markdown]
# What each part says:
#
# - `apiVersion: v1` and `kind: Pod`: pods belong to the *core* API group,
#   the oldest one, whose version is simply `v1`.
# - `metadata.name` names the pod inside its namespace; `labels` are free
#   key-value tags that other objects use to find it (notebooks 05 and 06 rely
#   on them).
# - `spec.containers` lists the containers. Ours runs `k8slab.local/web:1.0`:
#   the nginx web server from Debian's package (version 1.22.1), packed into an
#   image by k8slab (its labels say so), running as the unprivileged user
#   `nginx` (uid 101), not as root, and listening on **8080**. Why not 80?
#   Linux reserves the ports below a threshold to root, the setting
#   `net.ipv4.ip_unprivileged_port_start`, 1024 by default. Recent container
#   runtimes (Docker since 20.10, containerd since 2.0, and this lab's host
#   engine) set it to 0 inside each pod, so there any user may listen on 80;
#   older ones do not. Port 8080 works everywhere, and running as a non-root
#   user is about limiting what a compromised web server could do, not about
#   ports. You will read the threshold from inside the pod below.
# - `containerPort` documents that port. It is informative: the container
#   listens where its program listens, whatever this line says. Tools (and
#   notebook 06's Services) use it to name and find the port.
# - `resources.requests` and `resources.limits`: how much CPU and memory the
#   container asks for, and the most it may use. The last section explains the
#   difference. `100m` means 100 *millicores*, a tenth of a CPU core;
#   `64Mi` means 64 mebibytes.
#
# Run it, and watch what the cluster reports about it until it runs. Each line
# below is one change the API server told us about: `EXISTING` is the state
# when we started watching, `MODIFIED` a later update.

# %%
lab.apply("manifests/04-pods-web.yaml", namespace)
phases: list[str] = []
for change, pod in lab.watch("Pod", namespace, name="web", timeout=timeout):
    phase = pod["status"].get("phase", "Pending")
    conditions = [c["type"] for c in pod["status"].get("conditions") or []
                  if c["status"] == "True"]
    print(f"{change:9} phase={phase:8} conditions={conditions}")
    if not phases or phases[-1] != phase:
        phases.append(phase)
    if phase == "Running":
        break

# %% [markdown]
# The pod went through two **phases**:
#
# 1. `Pending`: the API server stored the pod, but it does not run yet. First
#    the scheduler picks a node (the `PodScheduled` condition), then the
#    node's agent, the **kubelet**, pulls the image and starts the container.
# 2. `Running`: the container started. Once it is up (and passes its
#    readiness checks, if any), the pod is `Ready`.
#
# Three more phases exist: `Succeeded` and `Failed` for pods whose containers
# finished (notebook 07's Jobs), and `Unknown` when the node stopped reporting.
#
# What happened in between depends on the engine, and the pod's **Events**
# tell it:
#
# - on a **real node** (the host engine, kind) the kubelet found the image
#   (`Pulled`: on the host engine it was imported into the node's containerd
#   at `k8slab up`, so nothing was downloaded), created the container
#   (`Created`) and started it (`Started`);
# - on **kwok** no image is pulled and no container starts: KWOK plays the
#   kubelet and moves the pod to `Running` about a second after it is
#   scheduled, and writes no Event.
#
# Either way, the scheduler that picked the node is the real one (`Scheduled`).

# %%
lab.record("phases", phases)
if not simulated:   # a real kubelet reports the start a moment after the status
    lab.timeline(namespace, until={"Started": 1}, timeout=timeout)
web_events = lab.events(namespace, object_name="web")
lab.record("web_event_reasons", sorted(set(web_events["reason"])))
web_events

# %% [markdown]
# ## What the cluster filled in
#
# You wrote a dozen lines; the stored pod has many more. Kubernetes added the
# node it runs on, an IP address, a unique id, a status. `lab.table` shows the
# essentials, like `kubectl get pods -o wide`.

# %%
lab.table("Pod", namespace)

# %%
web = lab.get("Pod", "web", namespace)
first_uid, first_ip = web["metadata"]["uid"], web["status"]["podIP"]
print("node:", web["spec"]["nodeName"], "· IP:", first_ip, "· uid:", first_uid)
print("QoS class:", web["status"]["qosClass"])
lab.record("node", web["spec"]["nodeName"])
lab.record("qos_class", web["status"]["qosClass"])

# %% [markdown]
# The **uid** is the pod's real identity: unique across the cluster's whole
# history, never reused. The name is only unique *at a given time* in the
# namespace. The **QoS class** (quality of service) is derived from the
# resources; we come back to it below.

# %% [markdown]
# ## The same, with kubectl
#
# On a real cluster you will mostly use `kubectl`, the command line client.
# In this course a cell that starts with `%kubectl` runs the real `kubectl`
# (the lab's own, talking to the lab cluster only) and shows what it prints,
# exactly as in a terminal; `{namespace}` is replaced by this notebook's
# namespace. Three commands a sysadmin types every day:
#
# - `kubectl get pod web -o yaml`: the whole stored object, as YAML. Compare
#   it with the dozen lines you wrote: `status`, `uid`, `nodeName`,
#   `podIP` were all added by the cluster.

# %%
# %kubectl get pod web -n {namespace} -o yaml

# %% [markdown]
# - `kubectl describe pod web`: the same object as a readable report, with
#   the pod's recent **Events** at the bottom. It is the first command to type
#   when a pod does not do what you expect.

# %%
# %kubectl describe pod web -n {namespace}

# %% [markdown]
# - `kubectl explain`: the API's own documentation of any field, here the
#   `resources` of a container (add `--recursive` to see every sub-field).

# %%
# %kubectl explain pod.spec.containers.resources

# %% [markdown]
# ## Looking inside: logs and exec
#
# Two everyday debugging tools, both going through the API server (you never
# need to log in to the node):
#
# - `lab.logs` reads what the container printed, like `kubectl logs`.
# - `lab.exec` runs a command inside the container, like `kubectl exec`.

# %%
# %kubectl logs web -n {namespace} --tail=5

# %% [markdown]
# `kubectl logs -f` *follows* the log, printing new lines as they come, until
# you stop it (the notebook's ■ button, or Ctrl-C in a terminal). `--stop-after 3`
# is an option of this notebook's `%kubectl`, not of kubectl: it stops the
# command after 3 seconds so the cell ends by itself.

# %%
# %kubectl --stop-after 3 logs -f web -n {namespace}

# %% [markdown]
# The library reads the same log:

# %%
log = lab.logs("web", namespace)
print(log)
lab.record("logs_simulated", "[kwok]" in log)
lab.record("log_names_nginx", "nginx/1.22.1" in log)

# %% [markdown]
# On a real node you read nginx's own start-up lines, among them its version,
# `nginx/1.22.1`. On kwok there is no container, so there is nothing to read:
# KWOK serves a short log file that k8slab wrote, and its lines say they are
# simulated. Either way the request took the real path (notebook ➜ API
# server ➜ the node's kubelet endpoint), which is what `kubectl logs` does.
#
# A log grows as the program works. Ask the pod for the page `/hello`
# (`lab.http_get` sends the request through the API server, like
# `kubectl port-forward`), then read the log's last line:

# %%
answer = lab.http_get("web", 8080, "/hello", namespace)
print("answer:", answer.status, "(SIMULATED page)" if answer.simulated else answer.body.strip())
time.sleep(1)   # the container runtime writes the log file a moment later
last_line = lab.logs("web", namespace, tail=1).strip()
print("last log line:", last_line)
lab.record("hello_answer", answer.body)
lab.record("last_log_line", last_line)

# %% [markdown]
# On a real node, nginx answered `Hello from web (web 1.0)` (the pod's name,
# then the image's version) and wrote one *access log* line for it:
# `"GET /hello HTTP/1.1" 200`. The client address is `127.0.0.1`: a
# port-forward arrives inside the pod's own network namespace, on its
# loopback interface. On kwok, the answer and the log line are KWOK's
# imitation, and both say so; the log line is a fixed example that does not
# record your request.
#
# Now run a command inside the container:

# %%
output = lab.exec("web", "id; pwd; ls", namespace)
print(output)
lab.record("exec_output", output)

# %% [markdown]
# On a real node you see `uid=101(nginx)`: the image runs as an ordinary
# user, which is the point of it, and `ls` lists the image's own files (`/`
# is the container's root, not the node's). On kwok the command cannot run in
# a container that does not exist; KWOK runs it on the lab machine instead,
# as the powerless user `nobody`, in a sandbox folder holding a `README.txt`
# that explains this. Keep your commands simple there (`echo`, `ls`, `cat`,
# `env`).
#
# A real container holds more to look at. The next cell lists its processes,
# reads the port threshold discussed at the top, and reads the limits of the
# manifest as the kernel enforces them, in the container's *cgroup* (the last
# section explains requests and limits). On kwok it only says why it cannot.

# %%
CGROUP_LIMITS = (
    "if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max;"
    " else echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us);"
    " cat /sys/fs/cgroup/memory/memory.limit_in_bytes; fi")
port_start = cgroup_limits = None
if simulated:
    print("SIMULATED node: no container, so no processes, no pod network and no cgroup to read.")
else:
    print(lab.exec("web", "ps", namespace))
    port_start = lab.exec("web", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start",
                          namespace).strip()
    cgroup_limits = lab.exec("web", CGROUP_LIMITS, namespace).split()
    print("ip_unprivileged_port_start inside the pod:", port_start)
    print(f"CPU: {cgroup_limits[0]} µs of CPU time per {cgroup_limits[1]} µs; "
          f"memory: {cgroup_limits[2]} bytes at most")
lab.record("port_start", port_start)
lab.record("cgroup_limits", cgroup_limits)

# %% [markdown]
# On a real node: `nginx: master process` runs as process 1 of the
# container, with one worker, both as user `nginx`; the threshold reads `0`
# when the runtime lowers it (the host engine's containerd does), `1024`
# otherwise; and `limits.cpu: 500m` became a quota of 50 000 µs of CPU time
# every 100 000 µs, `limits.memory: 128Mi` a ceiling of 134 217 728 bytes.
# Those are Linux's own controls, set by the kubelet through the runtime. On
# kwok nothing enforces a limit: no process runs.

# %% [markdown]
# ## A pod's name and IP do not last
#
# A pod is not repaired or moved: when it goes away, a *new* pod may take its
# place, with a new identity. Let us delete `web` and create it again from the
# same file.

# %%
lab.delete("Pod", "web", namespace, wait=True)
lab.apply("manifests/04-pods-web.yaml", namespace)
again = lab.wait("Pod", "web", namespace, timeout=timeout)

# %%
second_uid, second_ip = again["metadata"]["uid"], again["status"]["podIP"]
print(f"uid: {first_uid} -> {second_uid}")
print(f"IP:  {first_ip} -> {second_ip}")
lab.record("uids", [first_uid, second_uid])
lab.record("ips", [first_ip, second_ip])

# %% [markdown]
# Same name (because *we* chose it), but a different uid: this is another pod.
# Its IP address most likely changed too: addresses come from a pool and a
# new pod gets whichever is free (it can happen to get the old one back).
#
# So never write a pod's IP in a configuration file. Pods created by a
# controller (notebook 05) do not even keep their names. What gives a stable
# name and address to a changing set of pods is a **Service**, the topic of
# notebook 06.

# %% [markdown]
# ## A deleted pod stays deleted
#
# Kubernetes is famous for repairing things on its own. Yet a pod you created
# yourself has nobody looking after it: delete it, and nothing brings it back.
# Let us delete `web` and watch the namespace for a few seconds, counting the
# pods that appear.

# %%
lab.delete("Pod", "web", namespace, wait=True)
added = [pod["metadata"]["name"]
         for change, pod in lab.watch("Pod", namespace, timeout=quiet_period, initial=False)
         if change == "ADDED"]
print(f"pods created in {quiet_period}s: {added}")
print("web exists:", lab.exists("Pod", "web", namespace))

# %%
lab.record("recreated_after_delete", len(added))
lab.record("web_exists_after_delete", lab.exists("Pod", "web", namespace))

# %% [markdown]
# Nothing. The same holds when a node dies: its bare pods are lost. Healing
# comes from **controllers**, programs that compare what you declared ("I want
# three copies of this pod") with what exists, and act on the difference.
# Notebook 05's Deployment is such a controller: there, deleted pods come back
# within a second. This is why you rarely create pods directly.

# %% [markdown]
# ## Requests, limits and the scheduler
#
# The two resource settings of a container answer different questions:
#
# - **requests**: "how much do I need?". The **scheduler** uses them, and only
#   them, to choose a node: it adds up the requests of the pods already placed
#   on each node and keeps the nodes with enough room left. The amount is then
#   reserved for the pod, whether it uses it or not.
# - **limits**: "how much may I use at most?". The **kubelet** writes them
#   into the container's cgroup (you read them there above, on a real node),
#   and the Linux kernel enforces them while the container runs: above its CPU
#   limit a container is slowed down (throttled); above its memory limit it
#   is killed (`OOMKilled`) and restarted. On kwok nothing enforces them.
#
# From these two settings Kubernetes derives the pod's **QoS class**, which
# decides who is evicted first when a node runs short of memory:
#
# | QoS class | When | Evicted |
# | --- | --- | --- |
# | `Guaranteed` | every container has CPU and memory limits, and requests equal to them | last |
# | `Burstable` | some requests or limits, but not Guaranteed | in between |
# | `BestEffort` | no requests nor limits at all | first |
#
# Our `web` pod asked for 100m CPU and may burst to 500m: it was `Burstable`.
# Here is what the nodes offer (the `cpu` and `memory` columns are their
# *allocatable* capacity). On the host engine that is this machine's CPUs
# and memory; on kwok, numbers KWOK announces for its simulated nodes.

# %%
nodes = lab.table("Node")[["name", "cpu", "memory", "pods"]]
nodes

# %% [markdown]
# ### Exercise 1: a Guaranteed pod
#
# Run a pod called `steady` (the same `k8slab.local/web:1.0` image) whose QoS class is
# **Guaranteed**: give its container CPU and memory limits, with requests
# equal to them (200m of CPU and 128Mi of memory, say).
#
# You write the YAML. `kubectl run NAME --image=IMAGE --dry-run=client -o yaml`
# prints a pod manifest to start from, and creates nothing (`--dry-run=client`);
# `kubectl explain pod.spec.containers.resources` (above) documents the field
# to add. Paste the manifest into the empty cell below, under a first line
# `%%kubectl apply -n {namespace} -f -` (the rest of the cell is sent to
# kubectl as the file `-`), add the `resources`, and run it. Then run the check
# (exercise id `04.guaranteed`). The solution is hidden in the cell after the check.

# %%
# %kubectl run steady --image=k8slab.local/web:1.0 --dry-run=client -o yaml

# %%
# Your YAML here, under a first line: %%kubectl apply -n {namespace} -f -

# %%
lab.check("04.guaranteed", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: steady
  labels:
    app: steady
spec:
  containers:
  - name: nginx
    image: k8slab.local/web:1.0
    resources:
      requests:          # requests equal to limits, for cpu and memory:
        cpu: 200m        # the QoS class is Guaranteed
        memory: 128Mi
      limits:
        cpu: 200m
        memory: 128Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Pod", "steady", namespace, timeout=timeout)
lab.check("04.guaranteed", namespace)

# %% [markdown]
# ### A pod too big for any node
#
# What if a pod asks for more CPU than any node has? The manifest
# `manifests/04-pods-greedy.yaml` asks for 64 CPUs; so that the lesson holds
# on any cluster, the next cell raises that to twice what the biggest node
# offers if some node has 64 CPUs or more. The API server
# accepts the pod (it is valid), and then the scheduler looks for a node...
# Watch the namespace's **Events**, the short notes components leave about
# objects, until the scheduler's verdict arrives.

# %%
def cpus(quantity: str) -> float:
    """A CPU quantity ("2", "3500m") in CPUs."""
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


biggest = max(cpus(cpu) for cpu in nodes["cpu"])
greedy_pod = yaml.safe_load(lab.manifest("manifests/04-pods-greedy.yaml"))
resources = greedy_pod["spec"]["containers"][0]["resources"]
asked = 64 if biggest < 64 else 2 * math.ceil(biggest)
resources["requests"]["cpu"] = resources["limits"]["cpu"] = str(asked)
print(f"the biggest node offers {biggest:g} CPUs; greedy asks for {asked}")

lab.apply(greedy_pod, namespace)
verdict = next(event for change, event in lab.watch("Event", namespace, timeout=timeout)
               if event.get("reason") == "FailedScheduling"
               and event["involvedObject"]["name"] == "greedy")
print(verdict["type"], verdict["reason"], "·", verdict["message"])

# %% [markdown]
# `0/2 nodes are available: 2 Insufficient cpu` on kwok, `0/1 ...` on the
# host engine (the counts are your cluster's nodes): no node has that much
# CPU free, so the scheduler leaves the pod
# unplaced, and tries again whenever something changes in the cluster. The
# pod stays `Pending` for as long as that is true, which may be forever. In
# real life, `Pending` pods are very often this: a request bigger than what
# any node has left.
#
# `lab.diagnose` reads the pod and its events and names the likely cause in
# one line, and `lab.events` lists what happened in the namespace:

# %%
# %kubectl events -n {namespace} --for pod/greedy

# %%
greedy = lab.get("Pod", "greedy", namespace)
diagnosis = lab.diagnose("Pod", "greedy", namespace)
print(greedy["status"]["phase"], "·", diagnosis)
lab.events(namespace, object_name="greedy")

# %%
lab.record("greedy_phase", greedy["status"]["phase"])
lab.record("greedy_diagnosis", diagnosis)
lab.record("greedy_event_reason", verdict["reason"])

# %% [markdown]
# Can we just lower the request? Let us try to apply the pod with a request of
# 250m instead.

# %%
try:
    lab.apply("manifests/04-pods-greedy-fixed.yaml", namespace)
    refused = 0
except lab.ApiError as err:
    refused = err.status
    print(f"refused (HTTP {err.status}):", err.message.splitlines()[0][:300], "...")
lab.record("resize_refused_status", refused)

# %% [markdown]
# Refused: apart from a few fields (the image, mostly), a pod's spec cannot
# change once created. A pod is meant to be replaced, not edited. (Recent
# Kubernetes versions can resize a *running* pod's CPU and memory through a
# dedicated `resize` subresource, but that is a specialised tool, not the way
# to fix a mistake.)
#
# ### Exercise 2: make the greedy pod fit
#
# Get a pod called `greedy` running, with a CPU request a node can satisfy
# (250m is plenty). Since its spec cannot be changed, delete it first
# (`lab.delete("Pod", "greedy", namespace, wait=True)`), then apply it again
# with a smaller request: `manifests/04-pods-greedy-fixed.yaml` holds one.
# Wait until it runs, then run the check (exercise id `04.greedy-fits`). The
# solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("04.greedy-fits", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.delete("Pod", "greedy", namespace, wait=True)
print(lab.manifest("manifests/04-pods-greedy-fixed.yaml"))   # cpu: 250m
lab.apply("manifests/04-pods-greedy-fixed.yaml", namespace)
lab.wait("Pod", "greedy", namespace, timeout=timeout)
lab.check("04.greedy-fits", namespace)

# %% [markdown]
# ## Break and fix: a typo in the image
#
# A mistake everybody makes once a week: a typo in an image name. Here is a
# pod called `shop` whose image reads `wbe` instead of `web`:

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/wbe:1.0
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %% [markdown]
# The API server accepted it: the YAML is valid, and no API server checks
# that an image exists. The scheduler places it on a node too. Then the
# node's kubelet asks the container runtime to pull the image, and fails. The
# next cell waits until the pod's container reports why it is waiting.
# (On kwok, KWOK plays this from the image name alone: an image the lab does
# not have fails like it would on a real node, and the messages say
# "simulated by kwok".)

# %%
def image_trouble(pod: dict) -> tuple[bool, str]:
    """Done once the container waits because of its image."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    reason = ((statuses[0].get("state") or {}).get("waiting") or {}).get("reason", "")
    return reason in ("ErrImagePull", "ImagePullBackOff"), reason or "no status yet"


shop = lab.wait("Pod", "shop", namespace, until=image_trouble, timeout=max(timeout, 120))
shop_reason = shop["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
print("phase:", shop["status"]["phase"], "· waiting:", shop_reason)
lab.record("shop_phase", shop["status"]["phase"])
lab.record("shop_waiting_reason", shop_reason)

# %% [markdown]
# `ErrImagePull` is the failed attempt; `ImagePullBackOff` means the kubelet
# waits before it tries again (longer each time, up to five minutes). The pod
# stays `Pending`: its container never started. Read it as a sysadmin would:
# the `STATUS` column first, then `describe` (look at `State`, `Reason` and
# the Events at the bottom), then the Events alone:

# %%
# %kubectl get pod shop -n {namespace}

# %%
# %kubectl describe pod shop -n {namespace}

# %%
# %kubectl events -n {namespace} --for pod/shop

# %% [markdown]
# ### Exercise 3: fix the image
#
# The cell below holds the same manifest. Fix the image (the course's web
# image is `k8slab.local/web:1.0`) and run the cell: `kubectl apply` changes
# the pod in place (the image is one of the few fields of a pod that may
# change), and the kubelet pulls the right image and starts it. Then run the
# check (exercise id `04.fix-image`): it wants `shop` running the right image.
# Hint: `kubectl describe` named the image it could not pull.

# %%
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/wbe:1.0    # <- fix this line
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %%
lab.check("04.fix-image", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%kubectl apply -n {namespace} -f -
apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels:
    app: shop
spec:
  containers:
  - name: nginx
    image: k8slab.local/web:1.0    # "web", not "wbe"
    resources:
      requests:
        cpu: 50m
        memory: 32Mi

# %% tags=["solution"] jupyter={"source_hidden": true}
lab.wait("Pod", "shop", namespace, timeout=max(timeout, 120))
lab.check("04.fix-image", namespace)

# %% [markdown]
# Here are the pods left in the namespace:

# %%
pods = lab.table("Pod", namespace)
lab.record("pods", sorted(pods["name"]))
pods

# %% [markdown]
# ## Summary
#
# - A pod runs one or more containers together on one node; its manifest
#   names the image, the ports and the resources.
# - A new pod is `Pending` until it is scheduled and its containers start,
#   then `Running`. `lab.watch` shows each change as it happens.
# - A pod's uid and IP belong to that one pod: a re-created pod is a new pod.
#   Never rely on a pod's address.
# - `lab.logs` and `lab.exec` go through the API server. On a real node they
#   show nginx's own log and run commands in the container (as uid 101, with
#   the limits in its cgroup); on kwok their output is simulated and says so.
# - Nothing recreates a pod you deleted, unless a controller manages it.
# - The scheduler places pods by their **requests**; the kubelet has the
#   kernel enforce **limits** (cgroups). A request no node can meet leaves
#   the pod `Pending`, with a `FailedScheduling` event that `lab.diagnose`
#   turns into one line.
# - `kubectl get -o yaml`, `describe`, `explain`, `events` and `logs` show the
#   same objects from a terminal; `kubectl run ... --dry-run=client -o yaml`
#   writes a manifest to start from.
# - A typo'd image leaves the pod `Pending` with `ErrImagePull` and
#   `ImagePullBackOff`; `describe` names the image, and fixing the manifest
#   fixes the pod.
#
# ## What's next
#
# [05 · Deployments](05-deployments.ipynb) hands pods over to a controller
# that keeps the right number of them running, heals them, scales them and
# updates them without downtime.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it.

# %%
lab.cleanup(namespace)
