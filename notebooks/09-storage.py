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
# # 09 · Storage
#
# A container starts from its image every time: whatever it wrote is gone
# when it is replaced. That is a feature for stateless programs and a
# problem for a database. Kubernetes separates *using* storage from
# *providing* it: a pod asks for storage with a **PersistentVolumeClaim**,
# and the cluster answers with a **PersistentVolume**, prepared in advance by
# an administrator or created on demand through a **StorageClass**. This
# notebook walks through each piece, and checks what survives a pod and what
# survives a claim.

# %% [markdown]
# ## Overview
#
# 1. Share a scratch folder between the containers of a pod with an `emptyDir` volume.
# 2. Prepare PersistentVolumes by hand and bind claims to them.
# 3. Read access modes and the reclaim policy of a volume.
# 4. Let a StorageClass create volumes on demand.
# 5. Show that a claim and its volume outlive the pods that use them.
# 6. Repair a pod that waits for a claim that does not exist.
# 7. Delete claims and watch volumes being kept (`Retain`) or deleted (`Delete`).

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Pod specs, containers, deleting pods |
# | [07 · More workloads](07-workloads.ipynb) | Helpful | StatefulSets create one claim per pod |
# | [08 · Configuration](08-configuration.ipynb) | Helpful | ConfigMap and Secret volumes |
# | Files, folders and disks | Helpful | A volume is a folder a container sees |
#
# **Time to learn**: 40 minutes
#
# Nothing from earlier notebooks needs to exist: the setup cell below starts
# from an empty namespace. This notebook also creates cluster-wide objects
# (PersistentVolumes), named after its namespace and deleted in the clean-up.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb09-storage")
timeout = 60                 # seconds to wait for a pod or a claim before giving up

# %% [markdown]
# ## Setup
#
# Two tables come back often: `lab.volumes(namespace)` lists the
# PersistentVolumes that belong to this notebook (they are cluster-wide), and
# `lab.table("PersistentVolumeClaim", namespace)` the claims of its namespace,
# like `kubectl get pv` and `kubectl get pvc`. A cell that starts with
# `%kubectl` runs the lab's real kubectl (`{namespace}` is replaced by this
# notebook's namespace): the commands you would type on any cluster.

# %% tags=["setup"]
import time
from pathlib import Path

import k8slab as lab
from k8slab import state_dir

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "containers and volumes are real here" if real_containers else
      "kwok simulates the nodes: no container runs and no volume holds data")

# %% [markdown]
# ## Volumes: storage that belongs to a pod
#
# A pod declares **volumes** in `spec.volumes`; each container chooses which
# ones it sees, and where, with `volumeMounts`. The simplest kind is
# `emptyDir`: an empty folder created when the pod lands on a node and
# deleted with the pod. It survives a container restart, not the pod. Two
# containers of a pod can use it to share files: here a producer appends to a
# log, and a consumer reads it (read-only).

# %%
lab.manifest("manifests/09-storage-scratch.yaml")

# %%
lab.apply("manifests/09-storage-scratch.yaml", namespace)
scratch = lab.wait("Pod", "scratch", namespace, timeout=timeout)
mounts = {c["name"]: [(m["name"], m["mountPath"], m.get("readOnly", False))
                      for m in c["volumeMounts"] if m["name"] == "work"]
          for c in scratch["spec"]["containers"]}
lab.record("scratch_mounts", mounts)
mounts

# %% [markdown]
# One folder, seen at `/work` by one container and at `/input` by the other.
# With real containers, `lab.exec` in the **consumer** shows the lines the
# **producer** wrote, and shows that its mount is read-only. The kwok cluster
# runs no container, so there is no folder to look into there; what we can
# check is the contract in the pod spec, above.

# %%
if real_containers:
    shared = lab.exec("scratch", "sleep 1; cat /input/log.txt; touch /input/mine 2>&1 || true",
                      namespace, container="consumer")
    print(shared)
    lab.record("scratch_consumer_sees", {"lines": len(shared.splitlines()) - 1,
                                         "read_only": "Read-only file system" in shared})
else:
    print(f"{engine}: no container, no folder; the pod spec is the whole story here.")

# %% [markdown]
# Each line is a date the producer appended; the last line is the consumer's
# own attempt to write, refused because its mount says `readOnly: true`.
#
# ConfigMaps and Secrets (notebook 08) are volumes too. Other kinds reach
# outside the pod: `hostPath` mounts a folder of the node (handy for node
# agents, risky elsewhere), and `persistentVolumeClaim` mounts storage that
# outlives the pod, the subject of the rest of this notebook.

# %% [markdown]
# ## PersistentVolumes and PersistentVolumeClaims
#
# Two objects split the job between the people who run the cluster and the
# people who run applications:
#
# - a **PersistentVolume** (PV) is a piece of storage: a disk, an NFS share,
#   a folder. It has a capacity, access modes and a *storage class*, and it
#   belongs to the whole cluster, not to a namespace;
# - a **PersistentVolumeClaim** (PVC) is a request for storage, in a
#   namespace: "1 GiB, read-write, of class `fast`". Pods mount claims,
#   never volumes directly.
#
# The cluster **binds** each claim to one volume that satisfies it, and the
# pair stays together. An application's manifests then say *how much* and
# *what kind* of storage they need, and never *where* it comes from.
#
# ### Volumes made by hand
#
# Let us play the administrator and prepare two volumes of class `manual` (no
# program creates volumes for that class: it is just a name that claims and
# volumes share). Because volumes are cluster-wide, the file uses a
# placeholder that we replace with our namespace, and it reserves each volume
# for one claim of our namespace (`claimRef`), so that nobody else's claim
# takes it.
#
# Each volume is a `hostPath`: a folder on the node, `VOLUMES/<namespace>/...`
# in the file. On the host engine the node is this machine, so the folder is
# put inside the lab's own state folder (the lab never writes elsewhere); on
# kind it would be inside the node's container, and on kwok nothing creates it.

# %%
node_folder = (state_dir() / "node" / "volumes" / "manual" if engine == "host"
               else Path("/var/lib/k8slab-volumes"))
volumes_yaml = (lab.manifest("manifests/09-storage-volumes.yaml")
                .replace("VOLUMES", str(node_folder)).replace("NAMESPACE", namespace))
lab.apply(volumes_yaml)
lab.volumes(namespace)

# %% [markdown]
# Both are `Available`: ready, not yet bound. Now the application side: a
# claim called `archive`, of class `manual`, asking for 500 MiB, and a pod
# that mounts it.

# %%
lab.manifest("manifests/09-storage-archive-claim.yaml")

# %%
lab.apply("manifests/09-storage-archive-claim.yaml", namespace)
lab.apply("manifests/09-storage-archiver.yaml", namespace)
archive = lab.wait("PersistentVolumeClaim", "archive", namespace, timeout=timeout)
lab.wait("Pod", "archiver", namespace, timeout=timeout)
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# The claim is `Bound` to the volume `<namespace>-archive`. To pick a volume,
# the binder (a loop of the controller manager) looks for one that has the
# claim's class, offers at least the claim's access modes and at least the
# size it asks; among those, it takes the smallest. A volume reserved for the
# claim with `claimRef`, as ours is, wins. Notice the capacity: the claim
# asked for 500 MiB and got the whole 1 GiB volume, since a volume is never
# shared between claims.

# %%
lab.record("archive_volume", archive["spec"]["volumeName"])
lab.record("archive_capacity", archive["status"]["capacity"]["storage"])
lab.volumes(namespace)

# %% [markdown]
# ### Exercise 1: claim the spare volume
#
# The volume `<namespace>-spare` waits for a claim called `spare`. Read its
# line in the table above: its class, its access modes, its capacity. Write a
# claim `spare` that this volume can satisfy (start from
# `manifests/09-storage-archive-claim.yaml`), apply it and wait until it is
# `Bound` with `lab.wait("PersistentVolumeClaim", "spare", namespace)`.
# A claim it cannot satisfy stays `Pending`, and a claim without a class gets
# the default class and a brand-new volume. Exercise id: `09.claim-spare`.
# The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("09.claim-spare", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/09-storage-spare-claim.yaml"))
lab.apply("manifests/09-storage-spare-claim.yaml", namespace)
lab.wait("PersistentVolumeClaim", "spare", namespace, timeout=timeout)
lab.check("09.claim-spare", namespace)

# %% [markdown]
# ## Access modes
#
# A volume's `accessModes` say how it may be mounted, which depends on what
# the storage can do:
#
# | Mode | Short | Meaning | Typical storage |
# | --- | --- | --- | --- |
# | `ReadWriteOnce` | RWO | read-write, by the pods of **one node** at a time | a cloud disk, a local disk |
# | `ReadOnlyMany` | ROX | read-only, by pods on many nodes | a shared dataset |
# | `ReadWriteMany` | RWX | read-write, by pods on many nodes | NFS, CephFS, a cloud file share |
# | `ReadWriteOncePod` | RWOP | read-write, by **one pod** only | a disk only one writer may touch |
#
# The spare volume promises `ReadWriteMany`, which a folder of one node
# (`hostPath`) cannot really keep: Kubernetes trusts what the administrator
# wrote. A claim lists the modes it needs, and only volumes offering them
# all can be bound to it.

# %%
spare = lab.get("PersistentVolume", f"{namespace}-spare")
lab.record("spare_access_modes", spare["spec"]["accessModes"])
print(spare["spec"]["accessModes"], "bound to", (spare["spec"].get("claimRef") or {}).get("name"),
      "·", spare["status"]["phase"])

# %% [markdown]
# ## Volumes on demand: StorageClasses
#
# Preparing volumes by hand does not scale. A **StorageClass** names a kind
# of storage and the **provisioner** that creates volumes of that kind when a
# claim asks for one: *dynamic provisioning*. A cluster usually has a
# *default* class, used by claims that name none: the one whose annotation
# `storageclass.kubernetes.io/is-default-class` is `"true"` (`kubectl get
# storageclass` marks it `(default)`). Its name depends on the cluster
# (`standard` on kind, minikube and this lab, something else in a cloud), so
# we look it up rather than assume it:

# %%
# %kubectl get storageclass

# %%
classes = lab.list("StorageClass")
default_class = next(c for c in classes if c["metadata"].get("annotations", {}).get(
    "storageclass.kubernetes.io/is-default-class") == "true")
default_name = default_class["metadata"]["name"]
lab.record("storageclass", {"provisioner": default_class["provisioner"], "default": True,
                            "name": default_name,
                            "reclaimPolicy": default_class.get("reclaimPolicy"),
                            "volumeBindingMode": default_class.get("volumeBindingMode")})
print("default class:", default_name, "· classes:", [c["metadata"]["name"] for c in classes])
{key: default_class.get(key) for key in ("provisioner", "reclaimPolicy", "volumeBindingMode")}

# %% [markdown]
# - `provisioner`: who creates the volumes. On kind it is the *local-path
#   provisioner* (a folder on the node); in a cloud, a CSI driver that creates
#   real disks; on the lab's host engine, `k8slab.io/host-path`, a small real
#   provisioner that makes one folder per claim under the lab's state folder.
#   On the kwok cluster, k8slab's simulation creates a PersistentVolume for
#   each claim of its default class (named `standard`), with no disk behind it.
# - `reclaimPolicy`: what happens to those volumes when their claim is
#   deleted (the last section shows it).
# - `volumeBindingMode`: `Immediate` provisions as soon as the claim exists;
#   `WaitForFirstConsumer` (kind's choice) waits until a pod uses the claim,
#   so that the volume is created on the node where the pod runs.
#
# A claim that names no class, and a pod that writes a file into it, both at
# once (in `WaitForFirstConsumer` mode the claim would wait for the pod). The
# API server writes the default class into the claim as it stores it:

# %%
lab.manifest("manifests/09-storage-claim.yaml")

# %%
lab.apply("manifests/09-storage-claim.yaml", namespace)
lab.apply("manifests/09-storage-writer.yaml", namespace)
data = lab.wait("PersistentVolumeClaim", "data", namespace, timeout=timeout)
lab.wait("Pod", "writer", namespace, timeout=timeout)
data_volume = data["spec"]["volumeName"]
lab.record("data_claim_class", data["spec"].get("storageClassName"))
print("class:", data["spec"].get("storageClassName"), "· volume:", data_volume)

# %% [markdown]
# Nobody wrote that volume: the provisioner created it for the claim, named
# `pvc-<uid of the claim>`, with the class's reclaim policy.

# %%
provisioned = lab.get("PersistentVolume", data_volume)
lab.record("dynamic_volume", {"class": provisioned["spec"]["storageClassName"],
                              "reclaim": provisioned["spec"]["persistentVolumeReclaimPolicy"],
                              "named_after_claim": data_volume == f"pvc-{data['metadata']['uid']}"})
data_folder = (provisioned["spec"].get("hostPath") or {}).get("path")
print("provisioned by", provisioned["metadata"].get("annotations", {}).get(
    "pv.kubernetes.io/provisioned-by"), "· folder on the node:", data_folder)
lab.volumes(namespace)

# %% [markdown]
# On the host engine the volume is a `hostPath` folder on this machine, and
# the notebook runs on that same machine, so we can look at what the writer
# pod put there, from outside any container:

# %%
on_disk = None
if engine == "host":
    message = Path(data_folder, "message.txt")
    for _ in range(50):  # the writer's shell may need a moment after the pod starts
        if message.exists():
            break
        time.sleep(0.1)
    on_disk = lab.record("data_on_disk", message.read_text().strip())
    print(f"{message}: {on_disk!r}")
else:
    lab.record("data_on_disk", on_disk)
    print(f"{engine}: the volume has no folder that this notebook can see.")

# %% [markdown]
# ## Data that survives its pod
#
# The writer pod put a file in `/data`. Delete the pod: the claim does not
# care, it stays `Bound` to the same volume, and so does the data on it.

# %%
lab.delete("Pod", "writer", namespace, wait=True)
after = lab.get("PersistentVolumeClaim", "data", namespace)
lab.record("claim_after_pod_deleted", {"phase": after["status"]["phase"],
                                       "same_volume": after["spec"]["volumeName"] == data_volume})
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# A new pod that mounts the claim `data` gets that same volume back, and with
# real containers it finds `message.txt` written by the first pod. On kwok
# there is no disk, so what we can verify there is the binding itself: claim,
# volume and the pod that mounts them.
#
# ### Exercise 2: read it back
#
# Start a pod called `reader` that mounts the claim `data` at `/data`
# (read-only is enough: `readOnly: true` in its `volumeMounts`). Start from
# `manifests/09-storage-writer.yaml` and wait until the pod runs.
# Exercise id: `09.reuse-claim`. The solution is hidden in the cell after the
# check.

# %%
# Your code here

# %%
lab.check("09.reuse-claim", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/09-storage-reader.yaml"))
lab.apply("manifests/09-storage-reader.yaml", namespace)
lab.wait("Pod", "reader", namespace, timeout=timeout)
lab.check("09.reuse-claim", namespace)

# %%
claim_of_reader = None
if lab.exists("Pod", "reader", namespace):
    reader = lab.get("Pod", "reader", namespace)
    claim_of_reader = next(v["persistentVolumeClaim"]["claimName"]
                           for v in reader["spec"]["volumes"] if "persistentVolumeClaim" in v)
volume_now = lab.get("PersistentVolumeClaim", "data", namespace)["spec"]["volumeName"]
lab.record("reader_same_volume", claim_of_reader == "data" and volume_now == data_volume)
print("reader mounts", claim_of_reader, "->", volume_now, "· the writer had", data_volume)

# %% [markdown]
# The reader's command prints the file before it sleeps, so its log is the
# proof, on an engine with real containers. On kwok the log is simulated and
# says so.

# %%
if claim_of_reader:
    reader_log = lab.logs("reader", namespace)
    lab.record("reader_log", reader_log.strip())
    print(reader_log)

# %% [markdown]
# ## A pod that waits for its claim
#
# A colleague wants an `auditor` pod that lists what the writer left in the
# claim. They wrote its manifest from memory:

# %%
lab.manifest("manifests/09-storage-auditor.yaml")

# %%
lab.apply("manifests/09-storage-auditor.yaml", namespace)


def auditor_unschedulable() -> list[str]:
    """The scheduler's messages about the auditor pod, once it has given up placing it."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "FailedScheduling") & (events["object"] == "pod/auditor")]
    return sorted(set(mine["message"]))


deadline = time.monotonic() + timeout
while not auditor_unschedulable():  # the scheduler tries at once, and says why
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The auditor pod did not settle.", "Look at lab.events(namespace).")
    time.sleep(0.5)
auditor = lab.get("Pod", "auditor", namespace)
print("phase:", auditor["status"]["phase"], "· node:", auditor["spec"].get("nodeName"))
print(*auditor_unschedulable(), sep="\n")
lab.record("auditor_phase", auditor["status"]["phase"])
lab.record("auditor_unschedulable", auditor_unschedulable())

# %% [markdown]
# What an administrator types first, `kubectl describe`: no `Node`, and the
# scheduler's `FailedScheduling` event at the bottom.

# %%
# %kubectl describe pod auditor -n {namespace}

# %% [markdown]
# `Pending`, and on no node: the **scheduler** (not the kubelet) refuses to
# place a pod whose claim does not exist, since it could not know on which
# node that storage will be. Its `FailedScheduling` event says why, for every
# node. This is the real
# scheduler on every engine, kwok included. It keeps retrying: a claim of that
# name would unblock the pod.
#
# ### Exercise 3: give the auditor its claim
#
# Which claims exist in the namespace (`%kubectl get pvc -n {namespace}`)?
# Which one does the auditor name? Fix the manifest (start from
# `lab.manifest("manifests/09-storage-auditor.yaml")`, look at
# `persistentVolumeClaim.claimName`). A pod's volumes cannot be changed in
# place: the API server refuses the update, so delete the pod first
# (`%kubectl delete pod auditor -n {namespace}`), then apply your YAML and wait
# with `lab.wait("Pod", "auditor", namespace)`.
# Exercise id: `09.claim-name`. The solution is hidden in the cell after the
# check.

# %%
# Your code here

# %%
lab.check("09.claim-name", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl get pvc -n {namespace}
# %kubectl delete pod auditor -n {namespace}
print(lab.manifest("manifests/09-storage-auditor-fixed.yaml"))
lab.apply("manifests/09-storage-auditor-fixed.yaml", namespace)
lab.wait("Pod", "auditor", namespace, timeout=timeout)
lab.check("09.claim-name", namespace)

# %% [markdown]
# ## When a claim goes: reclaim policies
#
# ### A claim in use is protected
#
# Deleting a claim that a pod still mounts would pull the floor from under
# it. Kubernetes refuses to, politely: the claim gets a deletion date but
# stays, held by the finalizer `kubernetes.io/pvc-protection`, until no pod
# uses it. The archiver pod still uses `archive`:

# %%
lab.delete("PersistentVolumeClaim", "archive", namespace)
held = lab.get("PersistentVolumeClaim", "archive", namespace)
lab.record("protected_claim", {"deleting": bool(held["metadata"].get("deletionTimestamp")),
                               "finalizers": held["metadata"].get("finalizers", []),
                               "phase": held["status"]["phase"]})
lab.table("PersistentVolumeClaim", namespace)

# %% [markdown]
# `kubectl describe` says it in words: `Terminating`, and which pod still
# uses the claim (`Used By`):

# %%
# %kubectl describe pvc archive -n {namespace}

# %% [markdown]
# ### Retain: the volume and its data are kept
#
# Once the archiver pod is gone, the claim goes too. Its volume has the
# reclaim policy `Retain`: it is not deleted, it becomes **Released**. On a
# real node its data is still there (the host engine shows the file below;
# kwok's volumes are simulated and never held any data), and it still names
# its old claim, so no new claim can
# bind to it: an administrator decides what to do with the data (copy it,
# clean the volume and make it `Available` again, or delete it).

# %%
lab.delete("Pod", "archiver", namespace, wait=True)
lab.wait("PersistentVolumeClaim", "archive", namespace, until="deleted", timeout=timeout)
released = lab.wait("PersistentVolume", f"{namespace}-archive", timeout=timeout,
                    until=lambda v: (v["status"]["phase"] == "Released", v["status"]["phase"]))
lab.record("retained_volume_phase", released["status"]["phase"])
archive_folder = released["spec"]["hostPath"]["path"]
if engine == "host":
    runs = Path(archive_folder, "runs.txt")
    lab.record("retained_data", runs.exists())
    print(f"{runs} is still there: {runs.read_text().strip()!r}")
lab.volumes(namespace)

# %% [markdown]
# ### Delete: the volume goes with its claim
#
# Volumes created by the default class here have the policy `Delete`: when
# their claim is deleted, the provisioner deletes the volume, and with it the
# data. Convenient for scratch data, fatal for a database: choose the class
# (or change the policy of a volume) accordingly. The reader and auditor pods
# go first, since the claim is protected while it is in use.

# %%
lab.delete("Pod", "reader", namespace, wait=True)
lab.delete("Pod", "auditor", namespace, wait=True)
lab.delete("PersistentVolumeClaim", "data", namespace, wait=True)
lab.wait("PersistentVolume", data_volume, until="deleted", timeout=timeout)
lab.record("deleted_volume_gone", not lab.exists("PersistentVolume", data_volume))
if engine == "host":
    lab.record("deleted_folder_gone", not Path(data_folder).exists())
    print(data_folder, "exists:", Path(data_folder).exists())
lab.volumes(namespace)

# %% [markdown]
# On the host engine, the provisioner removed the folder too: the data is
# gone for good.

# %% [markdown]
# ## Summary
#
# - Volumes are declared by a pod and mounted by its containers; an
#   `emptyDir` lives exactly as long as its pod.
# - A PersistentVolumeClaim asks for storage in a namespace; a
#   PersistentVolume provides it for the whole cluster; the binder pairs
#   them by class, access modes and size.
# - Access modes (RWO, ROX, RWX, RWOP) say how many nodes or pods may mount
#   a volume, and how.
# - A StorageClass creates volumes on demand through its provisioner; the
#   default class serves claims that name none.
# - A pod whose claim does not exist is not scheduled: `Pending`, with a
#   `FailedScheduling` event that names the claim. A pod's volumes cannot be
#   changed in place: delete and re-create it.
# - Claims and volumes outlive pods. When a claim is deleted, `Retain` keeps
#   the volume (`Released`) and `Delete` removes it; a claim in use waits
#   until its pods are gone.
#
# ## What's next
#
# [10 · Ingress](10-ingress.ipynb) opens applications to the outside world
# through an HTTP reverse proxy.
#
# ## Clean-up
#
# Delete the namespace, then the PersistentVolumes it leaves behind: they are
# cluster-wide, so deleting the namespace does not delete them (the one that
# was `Released` is still there). Deleting a `Retain` volume never touches its
# data: like an administrator, we remove the hand-made folders ourselves (on
# the host engine, the only one where they are on this machine).

# %%
import shutil

lab.cleanup(namespace)
for volume in lab.volumes(namespace)["name"]:
    lab.delete("PersistentVolume", volume, wait=True, timeout=timeout)
if engine == "host":
    shutil.rmtree(node_folder / namespace, ignore_errors=True)
