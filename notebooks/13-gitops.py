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
# # 13 · GitOps
#
# Throughout this course you changed the cluster by running cells: apply this,
# scale that. It works for one person and one notebook. A team running many
# applications in several environments needs to know, at any moment, *what
# should be running and why*, and to undo a bad change in seconds.
# **GitOps** answers with one rule: the desired state of the cluster lives in
# a **git repository**, the single source of truth, and an agent makes the
# cluster match it, continuously. People never apply by hand; they commit.
# In this notebook you build that setup for real, with a git repository, kustomize
# overlays, and a small reconcile loop.

# %% [markdown]
# ## Overview
#
# 1. Put manifests in a git repository, organised as a kustomize base and two overlays (dev, prod).
# 2. Render an overlay into plain Kubernetes objects with `kubectl kustomize`.
# 3. Run a GitOps loop: render the committed state, apply it, prune what left the repository.
# 4. Watch it detect and correct **drift**, a change made by hand in the cluster.
# 5. Roll out a change by committing it, and roll it back with `git revert`.
# 6. Place GitOps among the tools: Flux, Argo CD, and Helm (notebook 12).

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | Replicas, rollouts, ReplicaSets |
# | [11 · Extending Kubernetes](11-extending.ipynb) | Helpful | A GitOps agent is a controller, and the reconcile loop is the same idea |
# | [12 · Helm](12-helm.ipynb) | Helpful | The comparison at the end |
# | git: commit, log, revert | Helpful | Every git command is shown as it runs |
#
# **Time to learn**: 40 minutes
#
# This notebook needs an empty namespace (the setup below creates it fresh) and
# the `git` program. The repository is created in a temporary folder and
# removed at the end.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb13-gitops")
solve_exercises = False       # True: the hidden solution cells solve the exercises (CI does)
sync_interval = 1.0           # seconds between two passes of the GitOps loop
timeout = 60                  # seconds to wait for a sync or a rollout

# %% [markdown]
# ## Setup

# %% tags=["setup"]
import k8slab as lab
from k8slab import gitops

lab.setup(namespace)

# %% [markdown]
# ## A repository of manifests
#
# The folder `manifests/13-gitops/` holds the application in kustomize's
# layout:
#
# ```
# base/                       what every environment shares
#   kustomization.yaml        lists the files, adds a label, generates a ConfigMap
#   deployment.yaml           Deployment "web"
#   service.yaml              Service "web"
# overlays/dev/               the base + 1 replica + a "debug" ConfigMap
#   kustomization.yaml
#   debug-configmap.yaml
# overlays/prod/              the base + 3 replicas + bigger resource requests
#   kustomization.yaml
#   resources-patch.yaml
# ```
#
# Let us make it a real git repository: `git init` in a fresh temporary
# folder, copy the files in, commit.

# %%
repo = gitops.GitRepo.create(prefix=f"{namespace}-")
lab.record("repo_path", str(repo.path))
repo.add_tree("13-gitops")

# %%
first = repo.commit("Add the web application: a base and two overlays")
repo.log()

# %% [markdown]
# An overlay does not copy the base: it *refers* to it and states only what
# differs. Here is the dev overlay:

# %%
print(repo.read("overlays/dev/kustomization.yaml"))

# %% [markdown]
# - `resources` pulls in the base and adds one file of its own;
# - `replicas` and `images` override the replica count and the image tag
#   without touching `deployment.yaml`;
# - `configMapGenerator` with `behavior: merge` changes one value of the
#   ConfigMap the base generates.

# %% [markdown]
# ## Rendering an overlay
#
# kustomize turns an overlay into plain objects. It is built into `kubectl`
# (`kubectl kustomize DIR` prints them, `kubectl apply -k DIR` applies them),
# and works offline: no server involved. `gitops.render` runs the lab's own
# kubectl:

# %%
dev = gitops.render(repo.path / "overlays" / "dev")
prod = gitops.render(repo.path / "overlays" / "prod")
lab.record("dev_objects", sorted(gitops.key(o) for o in dev))
gitops.summary(dev)

# %%
lab.record("prod_replicas", next(o["spec"]["replicas"] for o in prod if o["kind"] == "Deployment"))
gitops.summary(prod)

# %% [markdown]
# Same application, two environments, no copy-paste. Notice the ConfigMap's
# name: `web-config-` plus a hash of its content. kustomize rewrites the
# Deployment's reference to it, so changing a setting gives a new name, which
# changes the pod template, which makes the Deployment roll out new pods.
# Without the hash, pods would keep running with the old values.

# %% [markdown]
# ## The GitOps loop
#
# `gitops.GitOpsLoop` plays the part of Flux or Argo CD. Every
# `sync_interval` seconds it:
#
# 1. reads the commit at `HEAD` (committed files only: an edit you have not
#    committed does not exist for it) and renders `overlays/dev`;
# 2. compares each object with the cluster and reports the differences;
# 3. applies what differs with **server-side apply**, under its own field
#    manager, `k8slab-gitops`;
# 4. **prunes**: deletes objects that carry its label
#    (`k8slab.io/gitops-app=dev`) but are no longer in the repository.
#
# Each object it applies is labelled for pruning and annotated with the commit
# it came from (`k8slab.io/gitops-revision`). Start it and wait for the first sync:

# %%
loop = gitops.GitOpsLoop(repo, "overlays/dev", namespace, interval=sync_interval)
loop.start()
synced = loop.wait_synced(first, timeout=timeout)
lab.record("first_sync", {"revision": synced.revision, "applied": sorted(synced.applied)})
synced

# %%
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("web_revision", web["metadata"]["annotations"][gitops.REVISION_ANNOTATION])
lab.table("Deployment", namespace)

# %% [markdown]
# The namespace now holds exactly what `overlays/dev` describes. Nobody ran
# `kubectl apply`: you committed, the loop did the rest.

# %% [markdown]
# ## Drift: a change made by hand
#
# A colleague, in a hurry, scales the Deployment by hand, the equivalent of
# `kubectl scale deployment web --replicas=4`:

# %%
by_hand = lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 4}}, namespace)
print("replicas wanted now:", by_hand[0]["spec"]["replicas"])

# %% [markdown]
# The cluster no longer matches the repository: that is **drift**. Within a
# pass, the loop notices, reports it, and puts back what git says:

# %%
drifted = loop.wait_drift(timeout=timeout)
lab.record("drift", [(d.object, d.field, d.git, d.cluster) for d in drifted.changes])
drifted.changes_frame()

# %%
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("replicas_after_drift", web["spec"]["replicas"])
lab.table("Deployment", namespace)

# %% [markdown]
# Back to 1. In a GitOps world the hand-made change was not *wrong*; it was
# made in the wrong place. Real agents let you choose: Argo CD only reports
# drift unless "self-heal" is on; Flux corrects it on its next interval. Our
# loop corrects (`self_heal=True`).

# %% [markdown]
# ### Exercise 1: scale through git
#
# Make the dev environment run **2** replicas, the GitOps way: edit
# `overlays/dev/kustomization.yaml` in the repository (change `count: 1` to
# `count: 2`; `repo.replace(file, old_text, new_text)` does it, or use any
# editor on `repo.path`), commit with `repo.commit("...")`, wait for the loop
# with `loop.wait_synced()`, then for the rollout with `lab.wait`. Run the check
# (exercise id `13.git-scale`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("13.git-scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    repo.replace("overlays/dev/kustomization.yaml", "count: 1", "count: 2")
    scaled = repo.commit("dev: run 2 replicas")
    loop.wait_synced(scaled, timeout=timeout)
    lab.wait("Deployment", "web", namespace, timeout=timeout)
    lab.check("13.git-scale", namespace)

# %% [markdown]
# ## Rolling out a change
#
# A new version of the application is out: the image `k8slab.local/web:2.0`
# (the course's own nginx image, made by k8slab from Debian's nginx 1.22.1;
# its page says "web 2.0"). Let us try it in dev. The change is one line in
# git, and the commit says why:

# %%
repo.replace("overlays/dev/kustomization.yaml", 'newTag: "1.0"', 'newTag: "2.0"')
bump = repo.commit("dev: try web 2.0")
print(repo.show(bump))

# %% [markdown]
# The loop picks up the new commit on its next pass and applies it; the
# Deployment controller then rolls out new pods:

# %%
rolled = loop.wait_synced(bump, timeout=timeout)
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
image_after_bump = web["spec"]["template"]["spec"]["containers"][0]["image"]
lab.record("image_after_bump", image_after_bump)
rolled

# %% [markdown]
# Which version answers now? Ask a pod of the Deployment for its page,
# through the API server's port-forward (notebook 06):

# %%
engine = lab.status()["engine"]
page = lab.http_get("deployment/web", 8080, "/", namespace)
lab.record("page_after_bump", {"engine": engine, "simulated": page.simulated,
                               "says_2": "web 2.0" in page.body})
print("engine:", engine, "· simulated answer:", page.simulated)
print(page.body)

# %% [markdown]
# On an engine with real containers (the host engine, kind, minikube), the
# page comes from the new image: "web 2.0". On kwok no container runs, and
# the answer says it is simulated: there, the image name in the pod template
# is all the proof there is.

# %% [markdown]
# ## Rolling back with `git revert`
#
# Suppose web 2.0 misbehaves. The rollback is a git operation too: `git revert`
# makes a *new* commit that undoes the old one. Nothing is erased from
# history: the log shows who changed what, when, and who undid it.

# %%
undo = repo.revert(bump)
loop.wait_synced(undo, timeout=timeout)
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.record("image_after_revert", web["spec"]["template"]["spec"]["containers"][0]["image"])
repo.log()

# %% [markdown]
# Back on web 1.0, with the replica count of your exercise untouched: the revert
# undid one commit, not everything that came after it.

# %% [markdown]
# ### Exercise 2: remove an object through git
#
# The team no longer wants the `debug` ConfigMap in dev. Deleting it with
# `lab.delete` would not last (try it: the loop puts it back, as the object is
# still in git). Remove it from the repository instead: delete the line
# `- debug-configmap.yaml` from `overlays/dev/kustomization.yaml`, delete the
# file with `repo.remove(...)`, commit, and wait for the loop. It will
# **prune** the ConfigMap. Run the check (exercise id `13.prune`); the
# solution is hidden after it.

# %%
# Your code here

# %%
lab.check("13.prune", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    repo.replace("overlays/dev/kustomization.yaml", "- debug-configmap.yaml\n", "")
    repo.remove("overlays/dev/debug-configmap.yaml")
    cleaned = repo.commit("dev: drop the debug ConfigMap")
    loop.wait_synced(cleaned, timeout=timeout)
    lab.check("13.prune", namespace)

# %% [markdown]
# The loop's history tells the whole story of this notebook, one line per
# pass that changed something:

# %%
history = loop.history()
lab.record("history_reasons", list(history["reason"]))
history

# %% [markdown]
# Pruning only ever touches objects with the loop's label. Anything else in the
# namespace is left alone, such as the small ConfigMap `gitops-dev` where the
# loop writes what it last synced, as Flux writes the status of its
# `Kustomization` objects:

# %%
lab.get("ConfigMap", "gitops-dev", namespace)["data"]

# %% [markdown]
# ## GitOps in the real world
#
# The loop you used is a toy, but the shape is that of the real agents, both
# graduated projects of the CNCF:
#
# - **Flux** runs controllers in the cluster that pull a git repository (or
#   an OCI artifact) and reconcile `Kustomization` and `HelmRelease` objects;
# - **Argo CD** does the same around `Application` objects, with a web
#   interface that draws the live tree and its drift.
#
# What you gain:
#
# - **one source of truth**, declarative, reviewed like code (pull requests),
#   with a full history of who changed what;
# - **rollback** = `git revert`; **audit** = `git log`;
# - **no cluster credentials on laptops or in CI**: the agent inside the
#   cluster pulls, nobody pushes to the API server;
# - **any renderer**: plain YAML, kustomize, Helm charts, jsonnet; and easy
#   integration of other tools, since everything goes through git;
# - **cluster bootstrap**: the agent's own manifests live in the repository
#   too (`flux bootstrap` commits them), so a new or rebuilt cluster is
#   pointed at the repository and converges to the full platform by itself.
#
# ### And Helm?
#
# | | Helm (notebook 12) | GitOps |
# | --- | --- | --- |
# | What it is | A package manager and template engine | A way of operating, run by an agent |
# | Who applies | A person or a CI job runs `helm upgrade` | The agent in the cluster, continuously |
# | Desired state | Chart + values, release history stored in the cluster | The git repository |
# | Rollback | `helm rollback NAME REVISION` | `git revert` |
# | Drift (a change by hand) | Unnoticed until the next upgrade | Detected and corrected |
#
# They are not rivals: a GitOps repository often *contains* Helm releases
# (Flux's `HelmRelease`, an Argo CD `Application` pointing at a chart), and
# the agent renders the chart. Helm packages; GitOps decides what is
# deployed where, and keeps it so.

# %% [markdown]
# ## Summary
#
# - GitOps: the desired state lives in git, the single source of truth; an
#   agent renders it and makes the cluster match, again and again.
# - kustomize organises manifests as a **base** plus **overlays** per
#   environment; `kubectl kustomize` renders them offline.
# - The loop applies with server-side apply, **prunes** what left the
#   repository (selected by its label), and corrects **drift** made by hand.
# - A change is a commit; a rollback is `git revert`; the history is the audit log.
# - Flux and Argo CD are the real agents; they work with kustomize, Helm and
#   jsonnet, and can bootstrap a whole cluster from a repository.
#
# ## What's next
#
# This is the last notebook of the course: congratulations! Go back to the
# [README](../README.md) for ideas to go further: run the same notebooks on
# another engine (`k8slab up --engine host` or kind run real containers,
# kwok simulates them), or revisit
# [01 · Getting started](01-getting-started.ipynb) with new eyes.
#
# ## Clean-up
#
# Stop the loop, delete the temporary repository, and delete the namespace.

# %%
loop.stop()
repo.delete()
lab.cleanup(namespace)
