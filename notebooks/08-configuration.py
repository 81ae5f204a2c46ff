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
# # 08 · Configuration
#
# One image, many places: the same container image should run on your laptop,
# in the test cluster and in production, with a different log level, database
# address and password in each. Kubernetes keeps such settings in two kinds of
# objects, **ConfigMaps** for ordinary settings and **Secrets** for sensitive
# ones, and hands them to containers as environment variables or as files.
# This notebook follows a setting from the object to the container, changes
# it, and looks at who is allowed to read a Secret.

# %% [markdown]
# ## Overview
#
# 1. Store settings in a ConfigMap and credentials in a Secret.
# 2. Decode a Secret, and understand why base64 is not encryption.
# 3. Give both to a pod as environment variables and as files, and see what
#    the pod gets.
# 4. Repair a pod that cannot start because a key it asks for does not exist.
# 5. Change a ConfigMap: files follow, variables do not, until the pods restart.
# 6. Restrict who may read Secrets with RBAC: a ServiceAccount, a Role, a RoleBinding.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Containers, pod specs |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | Rollouts replace pods when the template changes |
# | [03 · Namespaces](03-namespaces.ipynb) | Helpful | Roles and RoleBindings live in a namespace |
# | Environment variables and files | Helpful | How programs usually read their settings |
#
# **Time to learn**: 45 minutes
#
# Nothing from earlier notebooks needs to exist: the setup cell below starts
# from an empty namespace and this notebook creates everything it uses.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb08-configuration")
timeout = 60                      # seconds to wait for a rollout before giving up

# %% [markdown]
# ## Setup
#
# This notebook uses a few more helpers of the library: `lab.pod_view`
# and `lab.compare_views` (what a pod sees of its configuration), and
# `lab.can_i` and `lab.as_user` (permission checks, like `kubectl auth can-i`
# and `kubectl --as`). For the daily commands you type **kubectl** itself: a
# cell that starts with `%kubectl` runs the lab's real kubectl against the lab
# cluster and shows what it prints (`{namespace}` is replaced by this
# notebook's namespace).

# %% tags=["setup"]
import base64
import time

import k8slab as lab

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "containers really run here" if real_containers else
      "kwok simulates the nodes: no container runs, the library computes what one would see")

# %% [markdown]
# ## ConfigMaps: settings as key-value pairs
#
# A ConfigMap maps keys to text. A value can be one word (`LOG_LEVEL: info`)
# or a whole file (`app.properties`, written with YAML's `|` block). Keys may
# contain letters, digits, `-`, `_` and `.`; each value is limited to what
# fits in the object (1 MiB in all).

# %%
lab.manifest("manifests/08-configuration-configmap.yaml")

# %%
lab.apply("manifests/08-configuration-configmap.yaml", namespace)
config = lab.get("ConfigMap", "app-config", namespace)
lab.record("configmap_keys", sorted(config["data"]))
config["data"]

# %% [markdown]
# ## Secrets: base64 is not encryption
#
# A Secret looks like a ConfigMap whose values are hidden. Our manifest gives
# them in clear text under `stringData`, a write-only convenience; the API
# server merges them into `data`, and **shows** `data` encoded in **base64**.
# A Secret's values are bytes (a key file, a certificate), and JSON and YAML
# can only carry text: base64 is how the API writes bytes as text. It says
# nothing about how etcd stores them.

# %%
lab.apply("manifests/08-configuration-secret.yaml", namespace)
secret = lab.get("Secret", "db-credentials", namespace)
secret["data"]

# %% [markdown]
# `kubectl get -o yaml` shows the same thing, as an administrator sees it
# (`stringData` is gone: it was only a way in):

# %%
# %kubectl get secret db-credentials -n {namespace} -o yaml

# %% [markdown]
# base64 is an *encoding*, not a cipher: it turns any bytes (a certificate, a
# key file) into plain letters so they fit in JSON and YAML. No key is needed
# to turn it back:

# %%
decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
lab.record("secret_stored", secret["data"]["password"])
lab.record("secret_decoded", decoded["password"])
decoded

# %% [markdown]
# So what makes a Secret secret? Not its format, but how the cluster treats it:
#
# - **Who may read it**: access to Secrets can be granted apart from access to
#   other objects, with RBAC (the last section of this notebook). Anyone who
#   may `get` a Secret can read it, as you just did.
# - **Where it is sent**: a kubelet only reads the Secrets of the pods on its
#   node. It writes a **Secret volume** into memory (`tmpfs`), not on the
#   node's disk; the next sections show the mount on a real node. A value
#   given as an environment variable (`secretKeyRef`) is another matter: it
#   sits in the process's environment, which the container runtime stores
#   with the container's definition on the node's disk (containerd keeps it
#   in its metadata database), and anyone allowed to inspect the container
#   (`crictl inspect`) can read it.
# - **How it is stored**: by default the API server writes Secrets into etcd
#   **in clear**: a copy of etcd's data (or of its backups) holds every
#   password as is. *Encryption at rest* changes that: an
#   `EncryptionConfiguration` file, given to the API server with
#   `--encryption-provider-config`, lists providers for the resource
#   `secrets`: `kms` (version 2), which keeps the key in a key management
#   service outside the cluster, is the one to choose; `secretbox` when the
#   key must stay on the control-plane node (`aescbc`, found in older guides,
#   is no longer recommended: CBC mode is open to padding-oracle attacks); the
#   API server then encrypts each value before etcd sees it and decrypts it on
#   read, so clients see no difference. The lab cluster does not turn it on.
#
# Never commit a Secret's manifest to Git as is: the values are one decoding
# away. Tools such as Sealed Secrets or an external vault exist for that.

# %% [markdown]
# ## Giving configuration to a pod
#
# A container can receive a ConfigMap or a Secret in two ways:
#
# - as **environment variables**: one key (`valueFrom.configMapKeyRef`,
#   `valueFrom.secretKeyRef`) or every key at once (`envFrom`);
# - as **files**: a `configMap` or `secret` volume holds one file per key
#   (or only the keys listed under `items`), mounted where the program looks.
#
# Our Deployment uses both, plus `fieldRef`, which passes a field of the pod
# itself (its name) as a variable.

# %%
lab.manifest("manifests/08-configuration-app.yaml")

# %%
lab.apply("manifests/08-configuration-app.yaml", namespace)
lab.wait("Deployment", "app", namespace, timeout=timeout)
pod_name = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=app"))[0]
pod_name

# %% [markdown]
# ## What the pod sees
#
# On a node the **kubelet** reads the ConfigMap and the Secret when it starts
# the container, puts the variables into the process's environment and writes
# the files into the volumes. `lab.pod_view` computes what the kubelet
# provides, from the pod spec and the objects it names, with the kubelet's
# rules, and says so above its table. The `updates` column tells *when* each
# item changes. It works on every engine; the next cell then looks from inside
# the container, where there is one.

# %%
started = lab.pod_view(pod_name, namespace)
lab.record("env_at_start", started.env())
lab.record("files_at_start", sorted(started.files()))
started

# %% [markdown]
# ### Looking from inside the container
#
# On an engine with real containers (the host engine, kind, minikube),
# `lab.exec` (`kubectl exec`) runs commands in the container: `env` lists its
# variables, `ls` the files of the two volumes, and `/proc/mounts` says what
# each volume is. On kwok there is no container: `exec` would run on the lab
# machine, in a sandbox that has none of this, so the cell says so instead.

# %%
if real_containers:
    print(lab.exec(pod_name, "env | grep -E '^(LOG_LEVEL|DB_USER|POD_NAME)='", namespace))
    print(lab.exec(pod_name, "ls /etc/app /etc/db", namespace))
    mounts = lab.exec(pod_name, "grep -E ' /etc/(app|db) ' /proc/mounts", namespace)
    print(mounts)
    inside_env = lab.exec(pod_name, "env", namespace).splitlines()
    lab.record("env_inside", {k: v for k, _, v in (line.partition("=") for line in inside_env)
                              if k in ("LOG_LEVEL", "DB_USER", "POD_NAME")})
    lab.record("mount_types", {line.split()[1]: line.split()[2] for line in mounts.splitlines()})
else:
    print(f"{engine}: no container to look into; the table above is what a kubelet would give.")

# %% [markdown]
# - Variables: `LOG_LEVEL` from the ConfigMap, `DB_USER` from the Secret,
#   already decoded, and `POD_NAME` from the pod's own metadata.
# - Files: only the two keys listed under `items` appear in `/etc/app`
#   (`LOG_LEVEL` under the file name `log-level`); every key of the Secret
#   appears in `/etc/db`, readable by its owner only (`defaultMode: 0400`).
# - On a real node, `/etc/db` is a `tmpfs` (memory) and `/etc/app` a folder of
#   the node's disk: Secret volumes stay in memory, ConfigMap volumes do not.
# - Files we did not ask for, in `/var/run/secrets/kubernetes.io/serviceaccount`:
#   Kubernetes adds this volume to every pod. It holds the pod's identity for
#   talking to the API server (a token of its ServiceAccount, `default` here),
#   the cluster's certificate and the namespace. The last section uses such
#   identities.
#
# One more rule the kubelet enforces: if a ConfigMap, a Secret or a key that a
# container needs does not exist, the container does not start until it
# appears, unless the reference says `optional: true`. A missing variable
# source shows as `CreateContainerConfigError`, a missing volume source keeps
# the pod in `ContainerCreating`. Exercise 2 below meets the first one.

# %% [markdown]
# ### Exercise 1: everything at once
#
# Write the YAML of a pod called `toolbox` (image `k8slab.local/busybox:1.35`,
# with a `command` that sleeps) that receives **every key** of the ConfigMap
# `app-config` as environment variables (`envFrom` with a `configMapRef`), and
# the Secret `db-credentials` as **files** in `/etc/db` (a `secret` volume and
# its `volumeMounts`): the Deployment above has every piece you need. Apply it
# (`lab.apply` takes YAML text), wait until it runs, then look at it with
# `lab.pod_view("toolbox", namespace)` (and, with real containers,
# `lab.exec("toolbox", "env; ls /etc/db", namespace)`). Exercise id:
# `08.toolbox`. The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("08.toolbox", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-toolbox.yaml"))
lab.apply("manifests/08-configuration-toolbox.yaml", namespace)
lab.wait("Pod", "toolbox", namespace, timeout=timeout)
display(lab.pod_view("toolbox", namespace))
lab.check("08.toolbox", namespace)

# %% [markdown]
# ## A pod that cannot start
#
# A colleague wrote a small `report` Deployment that greets its readers with
# the `GREETING` of `app-config`. It was accepted, its pod was scheduled... and
# it never runs:

# %%
lab.manifest("manifests/08-configuration-report.yaml")

# %%
lab.apply("manifests/08-configuration-report.yaml", namespace)


def report_waiting() -> dict[str, dict]:
    """Pod name -> the waiting state of its container, for the report's live pods."""
    return {p["metadata"]["name"]: w for p in lab.list("Pod", namespace, labels="app=report")
            if not p["metadata"].get("deletionTimestamp")
            for s in p["status"].get("containerStatuses") or []
            if (w := s["state"].get("waiting")) and w.get("reason") != "ContainerCreating"}


deadline = time.monotonic() + timeout
while not report_waiting():  # the kubelet says why within a second or two
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The report's pod did not settle.", "Look at lab.events(namespace).")
    time.sleep(0.5)
# %kubectl get pods -n {namespace} -l app=report

# %% [markdown]
# The `STATUS` column shows the container's waiting reason. The pod is
# `Pending`: it has a node, but its container was never created. `kubectl
# describe` says why, in the container's `State` and in the kubelet's
# `Failed` event at the bottom:

# %%
# %kubectl describe pod -n {namespace} -l app=report

# %% [markdown]
# The same two facts, read from the API:

# %%
stuck = next(iter(report_waiting().values()))
print(stuck["reason"], "·", stuck.get("message"))
failed = lab.events(namespace)
failed = failed[(failed["reason"] == "Failed") & failed["object"].str.contains("report-")]
print(*sorted(set(failed["message"])), sep="\n")
lab.record("report_waiting_reason", stuck["reason"])
lab.record("report_waiting_message", stuck.get("message"))

# %% [markdown]
# On a real node the kubelet wrote both; on kwok, kwok plays the same state
# and event (its event says so), driven by the key the pod asks for. The
# kubelet keeps trying: the container starts as soon as the key exists.
#
# ### Exercise 2: start the report
#
# Read the waiting message above: which key does the report ask of
# `app-config`? Compare it with the keys the ConfigMap really holds
# (`lab.get("ConfigMap", "app-config", namespace)["data"]`, or
# `kubectl get configmap app-config -o yaml`). Fix the Deployment's YAML
# (start from `lab.manifest("manifests/08-configuration-report.yaml")`; look
# at `configMapKeyRef`) and apply it: the Deployment rolls out a new pod, and
# the broken one goes. Wait with `lab.wait("Deployment", "report", namespace)`.
# (Adding the missing key to the ConfigMap would also start the pod on a real
# node, but the typo is in the Deployment, and kwok only knows the keys of the
# course's `app-config`.) Exercise id: `08.config-key`. The solution is hidden
# in the cell after the check.

# %%
# Your code here

# %%
lab.check("08.config-key", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-report-fixed.yaml"))
lab.apply("manifests/08-configuration-report-fixed.yaml", namespace)
lab.wait("Deployment", "report", namespace, timeout=timeout)
lab.check("08.config-key", namespace)

# %%
report_pods = lab.list("Pod", namespace, labels="app=report")
lab.record("report_phases", sorted(p["status"].get("phase") for p in report_pods
                                   if not p["metadata"].get("deletionTimestamp")))
if real_containers and report_pods and not report_waiting():
    for _ in range(20):  # the shell prints its line as soon as it starts
        greeting = lab.logs("deployment/report", namespace).strip()
        if greeting:
            break
        time.sleep(0.5)
    lab.record("report_log", greeting)
    print(greeting)

# %% [markdown]
# ## Changing a ConfigMap
#
# Time to debug: we raise the log level to `debug` and switch a feature on.

# %%
lab.apply("manifests/08-configuration-configmap-v2.yaml", namespace)
now = lab.pod_view(pod_name, namespace)
now

# %% [markdown]
# Look at the `note` column. The ConfigMap changed after the container
# started, and the two kinds of items react differently:
#
# - **Variables do not change.** A process receives its environment when it
#   starts; nothing can change it from outside afterwards. The container
#   still has `LOG_LEVEL=info`, a value the API no longer stores, hence the `?`.
# - **Files do change.** The kubelet notices the new version and rewrites the
#   files in the volume, all at once (it swaps a symbolic link), typically
#   within a minute. A program that re-reads its file, or watches it, picks up
#   the change without restarting. Files mounted with `subPath` are the
#   exception: they are never refreshed.
#
# With real containers we can watch it happen: the next cell runs a small
# shell loop in the container that waits until the file says `debug`, then
# prints the file and the variable. (The lab's host engine tells its kubelet to
# look every 10 seconds; the usual default is a minute.)

# %%
if real_containers:
    waited = lab.exec(pod_name, "for i in $(seq 120); do grep -qx debug /etc/app/log-level "
                      "&& break; sleep 1; done; echo file: $(cat /etc/app/log-level); "
                      "echo variable: $LOG_LEVEL", namespace)
    print(waited)
    lab.record("inside_after_change", waited.split())
else:
    print(f"{engine}: no container, so no kubelet rewrites any file; the view below "
          "computes what the container has once a kubelet has caught up.")

# %% [markdown]
# We kept the view taken at start, so we can put together what the running
# container has once the kubelet has caught up, on any engine:

# %%
running = started.after_update(now)
lab.record("running_env_log_level", running.env()["LOG_LEVEL"])
lab.record("running_file_log_level", running.files()["/etc/app/log-level"])
lab.compare_views({"at start": started, "running container, after the change": running})

# %% [markdown]
# ## Restarting pods to pick up new variables
#
# New variables need new containers. Deleting the pods by hand would work,
# all at once, with an outage. A Deployment does better when its **pod
# template** changes: it rolls out new pods progressively (notebook 05). The
# usual trick is to change nothing that matters, just an annotation of the
# template. That is all `kubectl rollout restart` does: it writes the current
# time into the annotation `kubectl.kubernetes.io/restartedAt` (`lab.restart`
# does the same from Python).
#
# Two other habits avoid the manual step altogether: name each version of a
# ConfigMap (`app-config-v2`) and point the Deployment at the new name, or
# put a hash of the configuration in a template annotation (Helm charts often
# do, notebook 12). Either way, a change of configuration is a change of
# template, hence a rollout.

# %% [markdown]
# ### Exercise 3: restart the application
#
# Make the pods of the Deployment `app` see `LOG_LEVEL=debug` in their
# environment: restart them with `kubectl rollout restart` (in a `%kubectl`
# cell: `%kubectl rollout restart deployment/app -n {namespace}`) and wait for
# the rollout with `kubectl rollout status` (or `lab.wait("Deployment", "app",
# namespace)`).
# The check verifies that every pod started after the ConfigMap changed.
# Exercise id: `08.restart`. The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("08.restart", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %kubectl rollout restart deployment/app -n {namespace}
# %kubectl rollout status deployment/app -n {namespace} --timeout=60s
lab.check("08.restart", namespace)

# %% [markdown]
# A pod of the new generation starts with the new value:

# %%
current = sorted(p["metadata"]["name"] for p in lab.list("Pod", namespace, labels="app=app")
                 if not p["metadata"].get("deletionTimestamp"))
after_restart = lab.pod_view(current[0], namespace)
lab.record("env_after_restart", after_restart.env()["LOG_LEVEL"])
if real_containers:
    fresh = lab.exec(current[0], "echo $LOG_LEVEL", namespace).strip()
    lab.record("env_inside_after_restart", fresh)
    print(f"inside {current[0]}: LOG_LEVEL={fresh}")
after_restart

# %% [markdown]
# ## Who may read a Secret? RBAC
#
# Every request to the API server is made by someone. It first checks **who**
# you are (*authentication*: a certificate, a token), then whether you **may**
# do what you ask (*authorization*). In most clusters, authorization is
# **RBAC**, *role-based access control*, made of four kinds of objects:
#
# - a **Role** lists permissions in one namespace: which `verbs` (`get`,
#   `list`, `watch`, `create`, `update`, `delete`...) on which `resources`
#   (`configmaps`, `secrets`...) of which API groups, optionally only for some
#   object names (`resourceNames`);
# - a **RoleBinding** grants a Role to *subjects*: users, groups, or
#   ServiceAccounts;
# - a **ClusterRole** and a **ClusterRoleBinding** do the same for the whole
#   cluster.
#
# Rules only ever *add* permissions; there is no "deny" rule. What no rule
# allows is refused.
#
# A **ServiceAccount** is an identity for programs rather than people. Every
# pod runs as one (`default` unless its spec says `serviceAccountName`) and
# gets a token to talk to the API as it. Our manifest creates a ServiceAccount
# `reader`, a Role that may read ConfigMaps, and the RoleBinding between them.
# The RoleBinding does not repeat the namespace of its subject: it defaults to
# the RoleBinding's own.

# %%
lab.manifest("manifests/08-configuration-rbac.yaml")

# %%
lab.apply("manifests/08-configuration-rbac.yaml", namespace)
lab.get("Role", "configmap-reader", namespace)["rules"]

# %% [markdown]
# ### Asking the authorizer
#
# A ServiceAccount's requests carry the user name
# `system:serviceaccount:<namespace>:<name>`. A **SubjectAccessReview** asks
# the API server whether that user may do something, without doing it; the
# answer names the binding that allowed it.

# %%
reader = lab.service_account_user(namespace, "reader")
answers = {resource: lab.can_i("get", resource, namespace, user=reader)
           for resource in ("configmaps", "secrets")}
lab.record("reader_may_get", {resource: bool(answer) for resource, answer in answers.items()})
for answer in answers.values():
    print(answer)

# %% [markdown]
# `kubectl auth can-i` asks the same question from a terminal, `--as` naming
# the user (here `{reader}`, the variable that holds
# `system:serviceaccount:<namespace>:reader`). It prints `yes` or `no`, and its exit status is 1 for `no` (handy
# in scripts), so the second cell says it expects a failure:

# %%
# %kubectl auth can-i get configmaps -n {namespace} --as={reader}

# %%
# %kubectl --expect-fail auth can-i get secrets -n {namespace} --as={reader}

# %% [markdown]
# ### Trying it for real
#
# The lab's credentials are an administrator's, and administrators may
# **impersonate** other users: each request carries a header
# `Impersonate-User`, and the API server treats it as coming from that user.
# `kubectl --as=...` does this; so does `lab.as_user` for the `lab` calls inside
# its block. Reading the ConfigMap works:

# %%
with lab.as_user(reader):
    seen_by_reader = lab.get("ConfigMap", "app-config", namespace)
seen_by_reader["data"]["LOG_LEVEL"]

# %% [markdown]
# Reading the Secret is refused with HTTP **403 Forbidden**: the API server
# knows who is asking (that would be 401 otherwise) and refuses because no
# rule allows it.

# %%
refusal = None
try:
    with lab.as_user(reader):
        lab.get("Secret", "db-credentials", namespace)
except lab.ApiError as error:
    refusal = error
lab.record("secret_read_as_reader", refusal.status if refusal else 200)
refusal

# %% [markdown]
# ### Exercise 4: one Secret, and no other
#
# The `reader` program needs the database credentials, but nothing else of
# the namespace's Secrets. Write the YAML of a Role that allows `get` on the
# Secret `db-credentials` only (`resourceNames`), and of a RoleBinding that
# grants it to the ServiceAccount `reader`: start from the manifest printed
# above, and look at its `rules` and `subjects`. Apply it, then test with
# `kubectl auth can-i get secret/db-credentials --as=...` and with another
# name (or `lab.can_i(..., name="db-credentials")`). Exercise id:
# `08.read-one-secret`. The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("08.read-one-secret", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/08-configuration-secret-reader.yaml"))
lab.apply("manifests/08-configuration-secret-reader.yaml", namespace)
# %kubectl auth can-i get secret/db-credentials -n {namespace} --as={reader}
# %kubectl --expect-fail auth can-i get secret/some-other-secret -n {namespace} --as={reader}
lab.check("08.read-one-secret", namespace)

# %% [markdown]
# A rule with `resourceNames` does not allow a plain `list` or `watch` of
# Secrets, since that would return them all; and a rule that grants `list` on
# Secrets without names gives away every Secret of the namespace.

# %% [markdown]
# ## Summary
#
# - ConfigMaps hold settings, Secrets hold credentials; both are key-value
#   objects kept out of the image.
# - The API shows a Secret's values in base64, which is no protection:
#   whoever may `get` it can read them, and etcd holds them in clear unless
#   encryption at rest is configured. RBAC, Secret volumes in memory and
#   encryption at rest protect them.
# - Pods receive them as variables (`env`, `envFrom`) or files (volumes).
#   A key that does not exist keeps the container from starting
#   (`CreateContainerConfigError`): the pod's status and its `Failed` event
#   name the key.
#   Files follow changes after a short delay; variables are fixed when the
#   container starts, so a rollout (`kubectl rollout restart`) is needed.
# - RBAC grants verbs on resources to users, groups and ServiceAccounts
#   through Roles and RoleBindings; a SubjectAccessReview or impersonation
#   tests them, and a refusal is a 403.
#
# ## What's next
#
# [09 · Storage](09-storage.ipynb) gives pods disks that outlive them:
# volumes, PersistentVolumes and PersistentVolumeClaims.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it (Roles and
# RoleBindings are namespaced, so they go too).

# %%
lab.cleanup(namespace)
