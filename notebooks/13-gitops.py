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
# # 13 · GitOps with Flux
#
# Throughout this course you changed the cluster by running cells: apply this,
# scale that. It works for one person and one notebook. A team running many
# applications in several environments needs to know, at any moment, *what
# should be running and why*, and to undo a bad change in seconds.
# **GitOps** answers with one rule: the desired state of the cluster lives in
# a **git repository**, the single source of truth, and an agent makes the
# cluster match it, continuously. People never apply by hand; they commit.
#
# In this notebook the agent is **Flux**, a graduated project of the CNCF:
# its real `source-controller` and `kustomize-controller` run beside the lab's
# cluster, pull your repository from a git server, and apply it.

# %% [markdown]
# ## Overview
#
# 1. Put manifests in a git repository, organised as a kustomize base and two overlays (dev, prod).
# 2. Render an overlay into plain Kubernetes objects with `kubectl kustomize`.
# 3. Start Flux, push the repository to a git server, and point Flux at it
#    with two objects: a `GitRepository` and a `Kustomization`.
# 4. Watch Flux detect and correct **drift**, a change made by hand in the cluster.
# 5. Roll out a change by committing it, and roll it back with `git revert`.
# 6. Remove an object through git and watch Flux **prune** it.
# 7. Place GitOps among the tools: Flux, Argo CD, and Helm (notebook 12).

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | Replicas, rollouts, ReplicaSets |
# | [11 · Extending Kubernetes](11-extending.ipynb) | Helpful | Flux is a set of controllers reconciling custom resources |
# | [12 · Helm](12-helm.ipynb) | Helpful | The comparison at the end |
# | git: commit, log, revert, push | Helpful | Every git command is shown as it runs |
#
# **Time to learn**: 45 minutes (the very first run also builds Flux's two
# controllers from source: a few minutes, once; they are cached afterwards).
#
# This notebook needs an empty namespace (the setup below creates it fresh) and
# the `git` program. Your working copy of the repository is created in a
# temporary folder and removed at the end.
#
# **On the kwok engine** Flux is as real as on any other: the controllers
# clone, build and apply for real, and every object they create is a real API
# object. Only the pods are simulated by kwok (no container runs), and the
# notebook says so where it matters.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb13-gitops")
interval = "10s"              # how often Flux fetches git and corrects drift
timeout = 120                 # seconds to wait for Flux or a rollout

# %% [markdown]
# ## Setup

# %% tags=["setup"]
import yaml

import k8slab as lab
from k8slab import gitops

gitops.release(namespace)   # Flux objects left by an interrupted run must not block the reset
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
# and works offline: no server involved. Flux's kustomize-controller embeds
# the same kustomize; `gitops.render` runs the lab's own kubectl, so that you
# can see what an overlay becomes before you commit it:

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

# %% [markdown]
# ## Starting Flux
#
# Flux is a set of controllers. This lesson needs two of them:
#
# - **source-controller** watches `GitRepository` objects: it clones the
#   repository, and stores each new commit as an *artifact* (a tarball it
#   serves over HTTP to the other controllers);
# - **kustomize-controller** watches `Kustomization` objects: it downloads
#   the artifact, runs kustomize on one folder of it, applies the result by
#   **server-side apply** (field manager `kustomize-controller`), prunes what
#   left git, and does it all again every `interval`, which corrects drift.
#
# In a real cluster `flux install` runs them as pods in `flux-system`. Here
# they run as processes of this machine beside the lab's API server (they
# only ever talk to the API server and to git), watching only this
# notebook's namespace, together with a small git server: git's own
# `git http-backend` on 127.0.0.1, playing GitHub's part. One call starts all
# three (`k8slab flux start NAMESPACE` on the command line) and installs
# Flux's CustomResourceDefinitions:

# %%
flux = gitops.start_flux(namespace)
lab.record("flux_versions", flux.versions)
flux

# %% [markdown]
# Push your repository to the git server. From now on, **the server** is the
# source of truth: Flux never sees your working copy, only what you push.

# %%
url = flux.new_remote("course")
repo.push(url)
print(url)

# %% [markdown]
# ## Pointing Flux at the repository
#
# Two objects tell Flux what to do. A `GitRepository` says *where* the
# manifests are and how often to look for new commits:

# %%
source = gitops.git_repository(url, interval=interval)
print(yaml.safe_dump(source, sort_keys=False))
lab.apply(source, namespace)

# %% [markdown]
# A `Kustomization` (Flux's object, not to be confused with kustomize's
# `kustomization.yaml` file) says *which folder* to build from that source,
# into *which namespace*, how often to reconcile, and whether to prune:

# %%
app = gitops.kustomization("./overlays/dev", namespace, interval=interval)
print(yaml.safe_dump(app, sort_keys=False))
lab.apply(app, namespace)

# %% [markdown]
# Now wait until Flux has applied your first commit. `flux get` shows both
# objects, with the revision each one reached (`main@sha1:` and the commit id):

# %%
applied = gitops.wait_applied(namespace, first, timeout=timeout)
gitops.sources(namespace)

# %%
gitops.kustomizations(namespace)

# %% [markdown]
# What did Flux apply? It keeps the list in the Kustomization's
# `status.inventory`: exactly what it will prune when it leaves git.

# %%
lab.record("first_sync", {"revision": applied["status"]["lastAppliedRevision"],
                          "inventory": gitops.inventory_of(applied)})
gitops.inventory(namespace)

# %%
lab.wait("Deployment", "web", namespace, timeout=timeout)
lab.table("Deployment", namespace)

# %% [markdown]
# The namespace now holds exactly what `overlays/dev` describes. Nobody ran
# `kubectl apply` on the application: you pushed, Flux did the rest. The
# Deployment's `managedFields` say who set its replica count:

# %%
web_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("web_owner", web_owner)
print("spec.replicas is owned by:", web_owner)

# %% [markdown]
# ## Drift: a change made by hand
#
# A colleague, in a hurry, scales the Deployment by hand, the equivalent of
# `kubectl scale deployment web --replicas=4`:

# %%
by_hand = lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 4}}, namespace)[0]
drift_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("drift_owner", drift_owner)
print("replicas wanted now:", by_hand["spec"]["replicas"], "· spec.replicas owned by:", drift_owner)

# %% [markdown]
# The cluster no longer matches the repository: that is **drift**. Nobody
# tells Flux. On its next pass (at most `interval` later) kustomize-controller
# applies git's version again, and server-side apply gives the field back to
# git. Watch the Deployment until that happens:

# %%
healed = lab.wait("Deployment", "web", namespace, timeout=timeout,
                  until=lambda d: (d["spec"]["replicas"] == 1,
                                   f"spec.replicas is {d['spec']['replicas']}"))
healed_owner = gitops.owner("Deployment", "web", namespace, "spec", "replicas")
lab.record("replicas_after_drift", healed["spec"]["replicas"])
lab.record("owner_after_drift", healed_owner)
print("replicas wanted now:", healed["spec"]["replicas"], "· spec.replicas owned by:", healed_owner)

# %% [markdown]
# What did Flux do, pass after pass? kustomize-controller logs every pass:
# the revision it applied and what that changed (`flux logs` shows these
# lines; `gitops.history` reads them from the controller's log file and keeps
# the passes that changed something). The last line is the drift it just
# corrected: same revision as before, but the Deployment had to be configured
# again.

# %%
passes = gitops.history(namespace)
lab.record("drift_pass", passes.iloc[-1].to_dict())
passes

# %% [markdown]
# In a GitOps world the hand-made change was not *wrong*; it was made in the
# wrong place. Flux corrects drift on every interval; Argo CD, by default,
# only reports it (turn on "self-heal" to correct it).

# %% [markdown]
# ### Exercise 1: scale through git
#
# Make the dev environment run **2** replicas, the GitOps way: edit
# `overlays/dev/kustomization.yaml` in your working copy (change `count: 1`
# to `count: 2`; `repo.replace(file, old_text, new_text)` does it, or use any
# editor on `repo.path`), commit with `repo.commit("...")` and publish with
# `repo.push()`. Flux finds the commit within `interval`; to skip the wait, ask
# for a pass now with `gitops.reconcile(namespace)` (what a webhook from the
# git host does). Then wait with `gitops.wait_applied(namespace, repo.head())`
# and for the rollout with `lab.wait`. Run the check (exercise id
# `13.git-scale`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("13.git-scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
repo.replace("overlays/dev/kustomization.yaml", "count: 1", "count: 2")
scaled = repo.commit("dev: run 2 replicas")
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, scaled, timeout=timeout)
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
# Push it, ask Flux to look now, and wait: source-controller fetches the new
# commit, kustomize-controller applies it, and the Deployment controller rolls
# out new pods.

# %%
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, bump, timeout=timeout)
web = lab.wait("Deployment", "web", namespace, timeout=timeout)
image_after_bump = web["spec"]["template"]["spec"]["containers"][0]["image"]
lab.record("image_after_bump", image_after_bump)
gitops.kustomizations(namespace)

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
# the answer says it is simulated: there, the image name in the pod template,
# which Flux really applied, is all the proof there is.

# %% [markdown]
# ## Rolling back with `git revert`
#
# Suppose web 2.0 misbehaves. The rollback is a git operation too: `git revert`
# makes a *new* commit that undoes the old one. Nothing is erased from
# history: the log shows who changed what, when, and who undid it.

# %%
undo = repo.revert(bump)
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, undo, timeout=timeout)
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
# `lab.delete` would not last (try it: Flux puts it back on its next pass, as
# the object is still in git). Remove it from the repository instead: delete
# the line `- debug-configmap.yaml` from `overlays/dev/kustomization.yaml`,
# delete the file with `repo.remove(...)`, commit, push, and wait for Flux. It
# will **prune** the ConfigMap: it is in the inventory of the last revision
# and not in the new one. Run the check (exercise id `13.prune`); the solution
# is hidden after it.

# %%
# Your code here

# %%
lab.check("13.prune", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
repo.replace("overlays/dev/kustomization.yaml", "- debug-configmap.yaml\n", "")
repo.remove("overlays/dev/debug-configmap.yaml")
cleaned = repo.commit("dev: drop the debug ConfigMap")
repo.push()
gitops.reconcile(namespace)
gitops.wait_applied(namespace, cleaned, timeout=timeout)
lab.check("13.prune", namespace)

# %% [markdown]
# The inventory no longer lists the ConfigMap, and Flux's log tells the
# whole story of this notebook: each revision applied, the drift corrected,
# the object pruned.

# %%
lab.record("inventory_after_prune", gitops.inventory_of(
    lab.get("Kustomization", gitops.APP, namespace)))
gitops.inventory(namespace)

# %%
history = gitops.history(namespace)
lab.record("history", [[r, c] for r, c in zip(history["reason"], history["changes"],
                                               strict=True)])
history

# %% [markdown]
# ## GitOps in the real world
#
# You used Flux itself, two of its controllers, started by hand. In a real
# cluster:
#
# - `flux bootstrap github ...` installs the controllers as pods and commits
#   their own manifests to the repository, so a new or rebuilt cluster is
#   pointed at the repository and converges to the full platform by itself;
# - a webhook from the git host (Flux's notification-controller receives it)
#   replaces the `reconcile` calls you made; intervals are minutes, not seconds;
# - `HelmRelease` objects (helm-controller) deploy charts the same way, and
#   image automation can even commit new image tags for you;
# - **Argo CD** does the same job around `Application` objects, with a web
#   interface that draws the live tree and its drift.
#
# What you gain:
#
# - **one source of truth**, declarative, reviewed like code (pull requests),
#   with a full history of who changed what;
# - **rollback** = `git revert`; **audit** = `git log`;
# - **no cluster credentials on laptops or in CI**: the agent inside the
#   cluster pulls, nobody pushes to the API server;
# - **any renderer**: plain YAML, kustomize, Helm charts.
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
#   agent pulls it and makes the cluster match, again and again.
# - kustomize organises manifests as a **base** plus **overlays** per
#   environment; `kubectl kustomize` renders them offline.
# - Flux: a `GitRepository` (source-controller fetches commits) and a
#   `Kustomization` (kustomize-controller builds, applies by server-side
#   apply, **prunes** what its inventory no longer has, corrects **drift**).
# - A change is a commit and a push; a rollback is `git revert`; the history is the audit log.
#
# ## What's next
#
# [14 · Operating a cluster](14-operating.ipynb) takes the administrator's
# chair: quotas and limits, maintenance without an outage, network policies
# and a backup of etcd. After it, go back to the
# [README](../README.md) for ideas to go further: run the same notebooks on
# another engine (`k8slab up --engine host` or kind run real containers,
# kwok simulates them), or revisit
# [01 · Getting started](01-getting-started.ipynb) with new eyes.
#
# ## Clean-up
#
# Deleting the `Kustomization` makes Flux delete everything it applied (its
# inventory), because `prune` is on; then the `GitRepository` goes, Flux
# stops, and the working copy and the namespace are deleted.

# %%
lab.delete("Kustomization", gitops.APP, namespace, wait=True, timeout=timeout)
lab.delete("GitRepository", gitops.SOURCE, namespace, wait=True, timeout=timeout)
lab.record("left_after_uninstall", sorted(f"{k}/{o['metadata']['name']}"
                                          for k in ("Deployment", "Service")
                                          for o in lab.list(k, namespace)))
gitops.stop_flux()
repo.delete()
lab.cleanup(namespace)
