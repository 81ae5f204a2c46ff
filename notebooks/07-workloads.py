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
# # 07 · More workloads
#
# A Deployment treats its pods as interchangeable: any of them can be replaced
# by a fresh one with a new name, a new address and an empty disk. That suits
# a web front end, not a database. Kubernetes offers other controllers for
# other needs: **StatefulSets** for pods that must keep a name and a disk,
# **DaemonSets** for one pod on every node, **Jobs** for work that ends, and
# **CronJobs** for work that comes back on a schedule. This notebook runs each
# of them and watches how it behaves.

# %% [markdown]
# ## Overview
#
# 1. Run a StatefulSet and watch its pods start one after the other, each
#    with a stable name, a stable DNS record and a disk of its own.
# 2. Delete and scale StatefulSet pods, and see that names and disks survive.
# 3. Run a DaemonSet and count its pods per node.
# 4. Run Jobs: completions, parallelism, retries and deadlines.
# 5. Schedule work with a CronJob, keep a short history, and run it on demand.
# 6. Find out why a StatefulSet never starts, and repair it.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Pod phases, `lab.watch` |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | Controllers, replicas, rollouts |
# | [06 · Services](06-services.ipynb) | Helpful | Services select pods by label |
#
# **Time to learn**: 35 minutes
#
# Nothing from earlier notebooks needs to exist: the setup cell below starts
# from an empty namespace and every object is created here.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb07-workloads")
timeout = 60                   # seconds to wait for a controller before giving up

# %% [markdown]
# ## Setup
#
# Two library helpers appear here for the first time: `lab.scale`, which changes the
# number of replicas like `kubectl scale`, and `lab.job_from_cronjob`, which
# prepares a Job from a CronJob like `kubectl create job --from=cronjob/...`.
# For the commands you would type on any cluster, a cell that starts with
# `%kubectl` runs the lab's real kubectl against the lab cluster (`{namespace}`
# is replaced by this notebook's namespace).

# %% tags=["setup"]
import time

import k8slab as lab

lab.setup(namespace)

# %% [markdown]
# Which engine runs this lab? On the **host** engine (and on kind or
# minikube) the pods are real containers: Job pods really run their command
# and leave real logs, and each StatefulSet pod gets a real directory on a
# disk. On the **kwok** engine the controllers are just as real, but kwok
# plays the nodes: no container runs, Job pods "succeed" after a short delay,
# and volumes exist only as API objects. The cells say which one you saw.

# %%
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
nodes = [n["metadata"]["name"] for n in lab.list("Node")]
print(f"engine: {engine} · {len(nodes)} node(s): {', '.join(nodes)} ·",
      "real containers" if real_containers else "simulated nodes (kwok)")

# %% [markdown]
# ## StatefulSets: pods with an identity
#
# A StatefulSet gives each of its pods a **persistent identity**: a name made
# of the set's name and an ordinal (`web-0`, `web-1`, `web-2`), a DNS record
# that follows that name, and its own storage. Replace `web-1` and the new pod
# is `web-1` again, with the same DNS name and the same disk. This is what
# stateful and clustered applications need: the members of a database
# cluster find each other by name, and each one must find its own data again
# after a restart.
#
# Our manifest holds two objects. Look for three things in the StatefulSet:
# `serviceName`, `podManagementPolicy: OrderedReady` and `volumeClaimTemplates`.

# %%
lab.manifest("manifests/07-workloads-statefulset.yaml")

# %% [markdown]
# - The **headless Service** `web` (`clusterIP: None`) has no virtual IP of its
#   own. Instead, DNS answers with one record per pod:
#   `web-0.web.<namespace>.svc.cluster.local`, and so on.
# - `OrderedReady` (the default) starts the pods **in order**: `web-1` is
#   created only once `web-0` runs and is Ready, `web-2` once `web-1` is.
#   Members of a cluster often need that: the first one starts the cluster,
#   the next ones join it.
# - `volumeClaimTemplates` makes one PersistentVolumeClaim per pod.
#
# Let us apply it and watch the pods arrive. The cell prints each pod's
# creation and its start, with the time since the apply.

# %%
lab.apply("manifests/07-workloads-statefulset.yaml", namespace)
start, sequence = time.monotonic(), []
for _, pod in lab.watch("Pod", namespace, labels="app=web", timeout=timeout):
    name, phase = pod["metadata"]["name"], pod["status"].get("phase", "Pending")
    for fact in [f"{name} created"] + ([f"{name} Running"] if phase == "Running" else []):
        if fact not in sequence:
            sequence.append(fact)
            print(f"{time.monotonic() - start:4.1f}s  {fact}")
    if "web-2 Running" in sequence:
        break

# %% [markdown]
# Each pod waited for the one before it to run. A Deployment would have
# created all three at once, with random suffixes in their names.

# %%
lab.record("sts_sequence", sequence)
lab.table("Pod", namespace, labels="app=web")

# %% [markdown]
# ### One disk per pod
#
# The StatefulSet controller created a claim for each pod, named
# `<template>-<pod>`: `data-web-0`, `data-web-1`, `data-web-2`. The template
# names no StorageClass, so each claim gets the cluster's **default** class
# (the API server writes its name into the claim), whose provisioner creates
# a volume for each claim (notebook 09 explains how): each claim is `Bound`
# to a volume of its own.

# %%
claims = {c["metadata"]["name"]: c for c in lab.list("PersistentVolumeClaim", namespace)}
for name, claim in claims.items():
    print(name, claim["status"]["phase"], claim["spec"]["storageClassName"],
          "->", claim["spec"]["volumeName"])
provisioners = {lab.get("PersistentVolume", c["spec"]["volumeName"])["metadata"]
                .get("annotations", {}).get("pv.kubernetes.io/provisioned-by")
                for c in claims.values()}
print("provisioned by:", ", ".join(sorted(p or "?" for p in provisioners)))
lab.record("claims", sorted(claims))
lab.record("provisioners", sorted(p or "?" for p in provisioners))

# %% [markdown]
# On the host engine the provisioner is a real one: each volume is a
# directory on this machine, mounted into its pod, where nginx serves its
# pages from (`/usr/share/nginx/html`). On kwok the provisioner is kwok
# itself, and the volume is only an object. Let us give `web-1` a page of its
# own, written into its disk from inside the pod (on kwok there is no disk to
# write to, and `exec` would run on the lab machine, so the cell skips it):

# %%
PAGE = "/usr/share/nginx/html/index.html"
if real_containers:
    lab.exec("pod/web-1", f"echo 'the data of web-1' > {PAGE}", namespace)
    print("web-1 serves:", lab.http_get("pod/web-1", 8080, "/", namespace).body.strip())
else:
    print("kwok: no disk and no nginx behind web-1; nothing written")

# %% [markdown]
# ### A stable network identity
#
# Each pod carries its own `hostname` and the Service's name as `subdomain`;
# together they make its DNS name. The headless Service lists every pod under
# its hostname in its EndpointSlice, which is where the cluster DNS server
# (CoreDNS) reads its records from. We read that source first, then, on a
# real engine, ask DNS itself from inside `web-0`.

# %%
web_service = lab.get("Service", "web", namespace)
pod = lab.get("Pod", "web-1", namespace)
print("Service clusterIP:", web_service["spec"]["clusterIP"])
print("web-1 hostname:", pod["spec"]["hostname"], "· subdomain:", pod["spec"]["subdomain"])
print("DNS name:", f"{pod['spec']['hostname']}.{pod['spec']['subdomain']}.{namespace}"
      ".svc.cluster.local")

# %%
slices = lab.list("EndpointSlice", namespace, labels="kubernetes.io/service-name=web")
hostnames = sorted(e["hostname"] for s in slices for e in s.get("endpoints") or [])
lab.record("headless_cluster_ip", web_service["spec"]["clusterIP"])
lab.record("dns_hostnames", hostnames)
hostnames

# %%
web1_name = f"web-1.web.{namespace}.svc.cluster.local"
if real_containers:
    lookup = lab.exec("pod/web-0", f"nslookup {web1_name}", namespace)
    web1_ip = lab.get("Pod", "web-1", namespace)["status"]["podIP"]
    print("\n".join(line for line in lookup.splitlines() if line.strip()))
    print(f"web-1's pod IP is {web1_ip}: DNS answers with the pod itself, no virtual IP")
    lab.record("dns_resolves_web1", web1_ip in lookup)
else:
    print(f"kwok: no DNS server runs; {web1_name} is only a name you can read")
    lab.record("dns_resolves_web1", None)

# %% [markdown]
# ### Replace a pod: same name, same disk
#
# Delete `web-1`. The StatefulSet controller notices that `web-1` is missing
# and creates it again: a new pod (new uid, maybe another node and IP), with
# the **same name** and the **same claim**, so it finds its data again.

# %%
old = lab.get("Pod", "web-1", namespace)
lab.delete("Pod", "web-1", namespace)
new = lab.wait("Pod", "web-1", namespace, timeout=timeout, until=lambda p: (
    p["metadata"]["uid"] != old["metadata"]["uid"] and p["status"].get("phase") == "Running",
    f"replacement phase {p['status'].get('phase', 'Pending')}"))

# %%
def claim_of(pod: dict) -> str:
    """The claim a StatefulSet pod mounts."""
    return next(v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
                if "persistentVolumeClaim" in v)


print("uid:  ", old["metadata"]["uid"], "->", new["metadata"]["uid"])
print("claim:", claim_of(old), "->", claim_of(new))
lab.record("replaced_same_name", new["metadata"]["name"] == "web-1")
lab.record("replaced_new_uid", new["metadata"]["uid"] != old["metadata"]["uid"])
lab.record("replaced_same_claim", claim_of(new) == claim_of(old))

# %% [markdown]
# And on a real engine, the proof that the disk came back: the new `web-1`
# serves the page its predecessor wrote.

# %%
if real_containers:
    kept_page = lab.http_get("pod/web-1", 8080, "/", namespace).body.strip()
    print("the new web-1 serves:", kept_page)
else:
    kept_page = None
    print("kwok: nothing was written, so there is nothing to read back")
lab.record("web1_page_after_replace", kept_page)

# %% [markdown]
# ### Scale down: the highest ordinal goes first, its disk stays
#
# Scaling down removes pods from the end, `web-2` first. Its claim is **not**
# deleted: a StatefulSet keeps claims by default
# (`persistentVolumeClaimRetentionPolicy`), because data is precious. We note
# which volume `data-web-2` holds, to check later that it is not lost.

# %%
volume_of_web2 = lab.get("PersistentVolumeClaim", "data-web-2", namespace)["spec"]["volumeName"]
lab.scale("StatefulSet", "web", namespace, 2)
lab.wait("Pod", "web-2", namespace, until="deleted", timeout=timeout)
lab.table("Pod", namespace, labels="app=web")

# %%
remaining_claims = sorted(c["metadata"]["name"]
                          for c in lab.list("PersistentVolumeClaim", namespace))
lab.record("claims_after_scale_down", remaining_claims)
remaining_claims

# %% [markdown]
# ### Exercise 1: scale back up, to four
#
# Scale the StatefulSet `web` to **4** replicas with kubectl
# (`%kubectl scale statefulset/web --replicas=4 -n {namespace}`, or
# `lab.scale("StatefulSet", "web", namespace, 4)`), then follow the rollout
# with `%kubectl rollout status statefulset/web -n {namespace}`. Watch the order again: `web-2`
# comes back first, then `web-3`. Exercise id: `07.scale-web`. The solution is
# hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("07.scale-web", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl scale statefulset/web --replicas=4 -n {namespace}
# %kubectl rollout status statefulset/web -n {namespace} --timeout=60s
lab.check("07.scale-web", namespace)

# %% [markdown]
# Did `web-2` get its old disk back? Its claim `data-web-2` was kept, so the
# returning pod mounts the same volume as before; `web-3` got a new claim.

# %%
again = lab.get("PersistentVolumeClaim", "data-web-2", namespace)["spec"]["volumeName"]
print("data-web-2 volume before:", volume_of_web2)
print("data-web-2 volume now:   ", again)
lab.record("web2_same_volume", again == volume_of_web2)

# %% [markdown]
# ## DaemonSets: one pod per node
#
# A DaemonSet runs **one pod on every node** (or on every node that matches a
# selector). Add a node, it gets a pod; remove one, its pod goes. That is the
# shape of node-level services: log collectors, monitoring agents, storage or
# network plugins. Notice what the manifest does *not* say: no `replicas`.

# %%
lab.apply("manifests/07-workloads-daemonset.yaml", namespace)
lab.wait("DaemonSet", "node-agent", namespace, timeout=timeout)
agents = lab.table("Pod", namespace, labels="app=node-agent")
agents[["name", "phase", "node"]]

# %%
per_node = agents.groupby("node").size().to_dict()
lab.record("daemonset_pods_per_node", per_node)
print(f"{len(nodes)} node(s), {len(agents)} agent(s):", per_node)

# %% [markdown]
# One agent per node, as many as the count printed above, whatever the
# cluster: one on the host engine's single real node, one per simulated node
# on kwok (two unless `k8slab up --nodes` said otherwise), none on a node
# whose taints the agents do not tolerate (below). Each agent learns the
# name of its node from the `NODE_NAME` variable, filled from the pod's own
# `spec.nodeName` (notebook 08 covers variables). On a real engine its log is
# real:

# %%
for _ in range(10):  # an agent that has just started may not have written yet
    agent_log = lab.logs(agents["name"].iloc[0], namespace).strip()
    if agent_log:
        break
    time.sleep(0.5)
print(agent_log)
lab.record("agent_log", agent_log)

# %% [markdown]
# ### Every node? Taints and tolerations
#
# "Every node" means every node whose **taints** the pod tolerates. A taint
# is a mark on a node that keeps pods away (`NoSchedule`) or even evicts
# them (`NoExecute`), unless a pod carries a matching **toleration**. A kind
# cluster's control-plane node is tainted
# `node-role.kubernetes.io/control-plane:NoSchedule`, so on kind (one control
# plane, two workers) this DaemonSet runs two agents, not three. minikube
# does not taint its control-plane node, so on the kit's minikube profile
# (three nodes) it runs three. Agents that must run everywhere (log
# collectors, network plugins) add a toleration for that taint. The lab's
# nodes:

# %%
# %kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints

# %%
for node in lab.list("Node"):
    taints = node["spec"].get("taints") or []
    print(node["metadata"]["name"], "taints:",
          [f"{x['key']}:{x['effect']}" for x in taints] or "none")

# %% [markdown]
# The DaemonSet controller itself adds tolerations to its pods, so that an
# agent stays on a node that is short of memory or briefly unreachable,
# where ordinary pods would be evicted:

# %%
agent = lab.get("Pod", agents["name"].iloc[0], namespace)
tolerated = sorted({t["key"] for t in agent["spec"].get("tolerations") or []})
print(*tolerated, sep="\n")
lab.record("agent_tolerations", tolerated)

# %% [markdown]
# ## Jobs: work that finishes
#
# The pods of a Deployment should run forever; if one stops, it is restarted.
# A **Job** runs pods until a number of them have *succeeded*, then stops.
# Its knobs:
#
# - `completions`: how many successful pods are needed (default 1);
# - `parallelism`: how many may run at the same time (default 1);
# - `backoffLimit`: how many failed pods to tolerate before the Job fails
#   (default 6); failed pods are retried with a growing delay (10 s, 20 s, 40 s...);
# - `restartPolicy` of the pod template: `Never` (a failure makes a new pod)
#   or `OnFailure` (the kubelet restarts the container in the same pod).
#
# Our Job needs 4 completions, 2 at a time. The cell prints the Job's counts
# each time they change, and remembers the most pods active at once.

# %%
lab.apply("manifests/07-workloads-job.yaml", namespace)
most_active, last = 0, None
for _, job in lab.watch("Job", namespace, name="batch", timeout=timeout):
    counts = {k: (job.get("status") or {}).get(k, 0) for k in ("active", "succeeded", "failed")}
    most_active = max(most_active, counts["active"])
    if counts != last:
        print(counts)
        last = counts
    if counts["succeeded"] == 4:
        break

# %%
batch = lab.wait("Job", "batch", namespace, timeout=timeout)
lab.record("job_succeeded", batch["status"]["succeeded"])
lab.record("job_most_active", most_active)
lab.table("Pod", namespace, labels="job-name=batch")[["name", "phase", "node"]]

# %% [markdown]
# The finished pods stay, with phase `Succeeded`, so that you can read their
# logs; `ttlSecondsAfterFinished` on the Job would delete the Job and its pods
# some time after it finishes. On a real engine each pod really ran
# `echo ...; sleep 2`; on kwok no command runs, every Job pod "succeeds"
# about two seconds after it starts, and its log is kwok's simulated one.

# %%
job_pod = lab.list("Pod", namespace, labels={"job-name": "batch"})[0]["metadata"]["name"]
job_log = lab.logs(job_pod, namespace).strip()
print(f"{job_pod}:", job_log)
lab.record("job_log", job_log)

# %% [markdown]
# ### When a Job fails
#
# A real container can fail: it exits with a non-zero code. With
# `restartPolicy: Never` the Job controller then creates a new pod, and
# counts the failure; after `backoffLimit` + 1 failed pods, the Job is
# marked `Failed` with the reason `BackoffLimitExceeded`. (kwok's simulated
# pods never fail.)
#
# Another limit, which every engine shows, is time: `activeDeadlineSeconds`
# is the most a Job may take, retries included. Our next Job needs a minute
# and is allowed one second. When the deadline passes, the Job controller
# stops its pods (SIGTERM, then SIGKILL after the pod's grace period: 1 s
# here, as `sleep` ignores SIGTERM) and marks the Job `Failed`, whatever the
# backoff limit says.

# %%
lab.apply("manifests/07-workloads-job-deadline.yaml", namespace)
too_slow = lab.wait("Job", "too-slow", namespace, timeout=timeout,
                    until="condition=Failed")
failed = next(c for c in too_slow["status"]["conditions"] if c["type"] == "Failed")
print(failed["reason"], "-", failed["message"])
lab.record("deadline_reason", failed["reason"])

# %%
# %kubectl events -n {namespace} --for job/too-slow

# %% [markdown]
# ### Exercise 2: six thumbnails, three at a time
#
# Create a Job called `thumbnails` that needs **6** completions and runs at
# most **3** pods at the same time. Start from
# `manifests/07-workloads-job.yaml` (the YAML text can be passed to
# `lab.apply` directly), then wait for it with
# `lab.wait("Job", "thumbnails", namespace)`. Exercise id: `07.parallel-job`.
# The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("07.parallel-job", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/07-workloads-job-thumbnails.yaml"))
lab.apply("manifests/07-workloads-job-thumbnails.yaml", namespace)
lab.wait("Job", "thumbnails", namespace, timeout=timeout)
lab.check("07.parallel-job", namespace)

# %% [markdown]
# ## CronJobs: work on a schedule
#
# A **CronJob** creates a Job on a schedule written the way the Unix `cron`
# writes it: five fields, *minute hour day-of-month month day-of-week*.
# `0 3 * * *` means 03:00 every day; `*/15 * * * *` means every 15 minutes.
# Other fields:
#
# - `timeZone`: the zone the schedule is read in (here `Etc/UTC`). Without
#   it, the schedule follows the time zone of the controller manager's
#   machine; in a zone with daylight saving time, a job at `30 2 * * *` is
#   skipped or run twice on the nights the clocks change. Name the zone
#   (`Europe/Paris`) so that everybody reads the schedule the same way, and
#   prefer hours that exist every day;
# - `concurrencyPolicy`: what to do if the previous run is still going
#   (`Allow`, `Forbid` or `Replace`);
# - `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`: how many
#   finished Jobs to keep (3 and 1 by default); older ones are deleted.

# %%
lab.apply("manifests/07-workloads-cronjob.yaml", namespace)
report = lab.get("CronJob", "report", namespace)
print(report["spec"]["schedule"], report["spec"]["timeZone"],
      "· keeps", report["spec"]["successfulJobsHistoryLimit"], "successful Job(s)")

# %% [markdown]
# ### Running it now
#
# Nobody wants to wait until 3 in the morning to test a report. The usual
# trick is `kubectl create job --from=cronjob/report`: it makes a Job from the
# CronJob's `jobTemplate`, and names the CronJob as its **owner**. Thanks to
# that owner reference, the CronJob counts the Job in its history, and
# deleting the CronJob deletes the Job too. `lab.job_from_cronjob` prepares the
# same Job; look at its `metadata` before it is applied.

# %%
first_run = lab.job_from_cronjob(report, "report-run-1")
first_run["metadata"]

# %%
lab.apply(first_run, namespace)
run_1 = lab.wait("Job", "report-run-1", namespace, timeout=timeout)

# %% [markdown]
# The CronJob keeps **one** successful Job (`successfulJobsHistoryLimit: 1`).
# Run it a second time: once the second run succeeds, the CronJob controller
# deletes the first. (Running this at 03:00 UTC? Then the schedule fires as
# well, and the list below also shows the Job it made, `report-<number>`.)

# %%
lab.apply(lab.job_from_cronjob(report, "report-run-2"), namespace)
lab.wait("Job", "report-run-2", namespace, timeout=timeout)
lab.wait("Job", "report-run-1", namespace, until="deleted", timeout=timeout)
kept = [j["metadata"]["name"] for j in lab.list("Job", namespace, labels="app=report")]
lab.record("cronjob_jobs_kept", kept)
kept

# %%
owner = lab.get("Job", "report-run-2", namespace)["metadata"]["ownerReferences"][0]
lab.record("manual_job_owner", f"{owner['kind']}/{owner['name']}")
print(f"report-run-2 is owned by {owner['kind']}/{owner['name']}")

# %% [markdown]
# ### Exercise 3: a clean-up every 15 minutes, and right now
#
# Create a CronJob called `cleanup` that runs **every 15 minutes** and keeps
# the last **3** successful Jobs (`successfulJobsHistoryLimit: 3`). Start from
# `manifests/07-workloads-cronjob.yaml` and write its YAML. Then run it once
# now, without waiting for the schedule (`kubectl create job NAME
# --from=cronjob/cleanup`, or `lab.job_from_cronjob` as above), and wait until
# that run completes.
# Exercise id: `07.cronjob-now`. The solution is hidden in the cell after the
# check.

# %%
# Your code here

# %%
lab.check("07.cronjob-now", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/07-workloads-cronjob-cleanup.yaml"))
lab.apply("manifests/07-workloads-cronjob-cleanup.yaml", namespace)
# %kubectl create job cleanup-now --from=cronjob/cleanup -n {namespace}
# %kubectl wait job/cleanup-now --for=condition=Complete -n {namespace} --timeout=60s
lab.check("07.cronjob-now", namespace)

# %% [markdown]
# ## A StatefulSet that never starts
#
# A colleague copied a small Redis cache from another cluster, as a
# StatefulSet with one replica and a disk. Here it never starts:

# %%
lab.apply("manifests/07-workloads-cache.yaml", namespace)


def claim_failed() -> bool:
    """The cache's claim exists and the volume controller said why it has no volume."""
    events = lab.events(namespace, object_name="data-cache-0")
    return bool((events["reason"] == "ProvisioningFailed").any())


deadline = time.monotonic() + timeout
while not claim_failed():  # the controllers answer within seconds
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The claim data-cache-0 did not fail.",
                              "Look at lab.events(namespace).")
    time.sleep(1)
lab.table("Pod", namespace, labels="app=cache")

# %% [markdown]
# The pod is `Pending`. Its events say why the scheduler does not place it,
# and the claim it waits for says why it has no volume:

# %%
print(lab.diagnose("Pod", "cache-0", namespace))
cache_claim = lab.get("PersistentVolumeClaim", "data-cache-0", namespace)
claim_events = lab.events(namespace, object_name="data-cache-0")
print("data-cache-0:", cache_claim["status"]["phase"], "· class",
      cache_claim["spec"]["storageClassName"])
print(claim_events["message"].iloc[-1])
lab.record("cache_claim_phase", cache_claim["status"]["phase"])
lab.record("cache_claim_reasons", sorted(set(claim_events["reason"])))

# %% [markdown]
# With kubectl: the claim's `describe` ends with the volume controller's
# event, and `get storageclass` lists the classes this cluster has:

# %%
# %kubectl describe pvc data-cache-0 -n {namespace}
# %kubectl get storageclass

# %% [markdown]
# The claim asks for a class, `fast-ssd`, that exists on the cluster the
# manifest came from, not here. Nobody provisions a volume for it, the claim
# stays `Pending`, and the pod that needs it cannot be scheduled. Nothing
# fails loudly: the pieces wait for each other.
#
# The obvious fix, changing the class in the StatefulSet, is refused: the
# API server lets you change a StatefulSet's pod template and replica count,
# not its `volumeClaimTemplates`. Let us try, with the template fixed:

# %%
try:
    lab.apply(lab.manifest("manifests/07-workloads-cache.yaml")
              .replace("      storageClassName: fast-ssd\n", ""), namespace)
    refused = ""
except lab.K8sLabError as err:
    refused = err.message
print(refused)
lab.record("cache_update_refused", refused)

# %% [markdown]
# ### Exercise 4: give the cache a disk
#
# Make `cache-0` run with a Bound claim. You need three steps, in order:
# delete the StatefulSet `cache` (its pod goes with it), delete the claim
# `data-cache-0` (a StatefulSet keeps its claims when it goes, unless its
# `persistentVolumeClaimRetentionPolicy` says `Delete`; this one sets no
# policy, so `Retain`), and apply the
# cache's YAML with a class that exists, or better with no `storageClassName`
# at all, so that the claim gets the cluster's default class, whatever its
# name. `%kubectl delete ...` waits until what it deletes is gone
# (`--cascade=foreground` makes it wait for the pods of a StatefulSet too);
# then wait for the StatefulSet and run the check (exercise id `07.unbound`). The solution
# is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("07.unbound", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl delete statefulset cache --cascade=foreground -n {namespace}
lab.wait("Pod", "cache-0", namespace, until="deleted", timeout=timeout)
# %kubectl delete pvc data-cache-0 -n {namespace}
print(lab.manifest("manifests/07-workloads-cache-fixed.yaml"))
lab.apply("manifests/07-workloads-cache-fixed.yaml", namespace)
lab.wait("StatefulSet", "cache", namespace, timeout=timeout)
lab.check("07.unbound", namespace)

# %% [markdown]
# The new claim names the default class, which provisioned its volume. On a
# real engine Redis really runs on it:

# %%
fixed_claim = lab.get("PersistentVolumeClaim", "data-cache-0", namespace)
print("data-cache-0:", fixed_claim["status"]["phase"], "· class",
      fixed_claim["spec"]["storageClassName"])
cache_ping = (lab.exec("pod/cache-0", "redis-cli ping", namespace).strip()
              if real_containers else "(kwok: no Redis runs)")
print("redis-cli ping:", cache_ping)
lab.record("cache_claim_class", fixed_claim["spec"]["storageClassName"])
lab.record("cache_ping", cache_ping)

# %% [markdown]
# ## Which controller for which job?
#
# | Controller | Pods | Names | Storage | Typical use |
# | --- | --- | --- | --- | --- |
# | Deployment | N interchangeable | random suffix | shared or none | web front ends, APIs |
# | StatefulSet | N, started in order | `name-0`, `name-1`... | one claim per pod | databases, clustered apps |
# | DaemonSet | one per node | random suffix | usually the node's | logs, monitoring, storage agents |
# | Job | until N succeed | random suffix | any | batch work, migrations |
# | CronJob | a Job per schedule tick | Job name + time | any | backups, reports |

# %% [markdown]
# ## Summary
#
# - A StatefulSet gives its pods stable names (`web-0`...), DNS records
#   through a headless Service, and one claim each; it starts them in order
#   and keeps their claims when pods are replaced or scaled away.
# - A DaemonSet runs one pod per node whose taints it tolerates: one real
#   node on the host engine, two simulated ones on kwok.
# - A Job runs pods until `completions` succeed, `parallelism` at a time;
#   `backoffLimit` and `activeDeadlineSeconds` decide when it fails.
# - A CronJob creates Jobs on a cron schedule, prunes old ones, and can be run
#   on demand by creating a Job from its template with an owner reference.
# - A claim that asks for a StorageClass the cluster lacks stays `Pending`,
#   and so does its pod; `volumeClaimTemplates` cannot change, so the fix is
#   delete, then re-create. Name no class to get the cluster's default.
#
# ## What's next
#
# [08 · Configuration](08-configuration.ipynb) separates configuration from
# images: ConfigMaps, Secrets, and who may read them.
#
# ## Clean-up
#
# Delete the namespace. Its claims go with it, and the `standard` class
# deletes the volumes it provisioned for them (its reclaim policy is
# `Delete`); the loop waits until those cluster-wide volumes are gone too.

# %%
lab.cleanup(namespace)
for volume in lab.list("PersistentVolume"):
    if (volume["spec"].get("claimRef") or {}).get("namespace") == namespace:
        lab.wait("PersistentVolume", volume["metadata"]["name"], until="deleted",
                 timeout=timeout)
