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
# # 12 · Helm
#
# A real application is rarely one object. Even our small web server needs a
# Deployment, a Service and a ConfigMap, and the copy that runs in testing
# differs from the one in production by a handful of settings: the number of
# replicas, the image tag, a message. Copying the YAML files for each
# environment works until the copies drift apart. **Helm** packages the
# files of an application as a **chart**, with placeholders for what varies,
# and installs it as a **release** whose every change is numbered, so that
# you can look back, roll back, and remove the whole application in one step.
# In this notebook you read a chart, watch Helm render it, and take a release
# through its whole life.

# %% [markdown]
# ## Overview
#
# 1. Say which problems Helm solves, and name its three ideas: chart, values, release.
# 2. Read a chart: `Chart.yaml`, `values.yaml` and the templates.
# 3. Render a chart with `helm template` to see exactly what Helm would send.
# 4. Install a release, upgrade it with new values, read its history, roll it back.
# 5. Install a chart twice, and uninstall a release cleanly.
# 6. Place Helm next to kustomize, its main alternative.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | Replicas, rollouts, `rollout undo` |
# | [06 · Services](06-services.ipynb) | Helpful | The chart ships a Service in front of its pods |
# | [08 · Configuration](08-configuration.ipynb) | Helpful | A ConfigMap feeds an environment variable |
# | YAML | Necessary | Helm templates produce YAML |
#
# **Time to learn**: 35 minutes
#
# This notebook needs nothing from earlier ones but an empty namespace, which
# the setup cell below creates (fresh, every time you run it). The chart it
# installs lives in `manifests/12-helm-chart/`.

# %% [markdown]
# ## Parameters
#
# The namespace this notebook works in, and how long Helm may wait for the
# pods, in seconds.

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb12-helm")
timeout = 60

# %% [markdown]
# ## Setup
#
# Besides `lab`, this notebook uses `k8slab.helm`, which runs the real `helm`
# program (version 4), the one you would type in a terminal. It always talks
# to the lab cluster, and the grey line under each cell shows the `helm`
# command it ran, ready to paste into a terminal of this JupyterLab. A cell
# that starts with `%kubectl` runs the lab's real kubectl (`{namespace}` is
# replaced by this notebook's namespace), to look at what Helm made.

# %% tags=["setup"]
import tempfile
from pathlib import Path

import k8slab as lab
from k8slab import helm

lab.setup(namespace)
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "the chart's pods will be real nginx containers" if real_containers
      else "kwok simulates the pods: no container runs")

# %% [markdown]
# ## Why Helm?
#
# So far you have applied manifests one file at a time. Three problems show up
# as soon as an application leaves the tutorial:
#
# - **Variants.** Testing wants 1 replica, production 5; both want the same
#   Deployment otherwise. Copies of a file drift; you want one source with a
#   few knobs.
# - **Grouping.** Removing an application means remembering every object it
#   made. Forget one, and it lingers.
# - **Memory.** "What did we change on Tuesday, and how do we go back?" The
#   cluster only knows the current state.
#
# Helm's answer rests on three words:
#
# | Word | What it is |
# | --- | --- |
# | **chart** | a package: templates of manifests, default values, and a name and version |
# | **values** | the knobs of a chart (replicas, image tag, message...), with defaults you override |
# | **release** | one installed copy of a chart in a namespace, with numbered **revisions** |
#
# Helm calls itself "the package manager for Kubernetes". At heart it is a
# templating engine plus a way to publish charts (in chart repositories or
# container registries), and it has become the usual way to distribute
# software for Kubernetes: most off-the-shelf projects ship a chart.

# %% [markdown]
# ## Anatomy of a chart
#
# A chart is a folder. Here is the one of this course, `hello-web`:

# %%
chart = lab.manifest("manifests/12-helm-chart")
for path in sorted(chart.rglob("*")):
    if path.is_file():
        print(path.relative_to(chart))

# %% [markdown]
# - `Chart.yaml` is the identity card: the chart's name and **version** (the
#   version of the packaging), and the **appVersion** (the version of the
#   software inside, for information).
# - `values.yaml` holds the default values. `values-v2.yaml` is an extra
#   set, used later in this notebook: Helm only reads it when asked to.
# - `templates/` holds the manifests, with placeholders. Helm renders every
#   file in it, except those starting with `_`, which only define reusable
#   snippets, and `NOTES.txt`, the message shown after an install.

# %%
print((chart / "Chart.yaml").read_text())

# %%
print((chart / "values.yaml").read_text())

# %% [markdown]
# Each key of `values.yaml` is a knob, documented where it is defined. Now a
# template, the ConfigMap:

# %%
print((chart / "templates" / "configmap.yaml").read_text())

# %% [markdown]
# Everything between `{{` and `}}` is replaced at render time (the language is
# Go's template language):
#
# - `.Values.message` reads a value; `.Release.Name` is the release's name,
#   chosen at install time; `.Chart.Name` comes from `Chart.yaml`.
# - `| quote` is a pipeline: the value goes through the `quote` function, so
#   that a message like `yes` stays a string in the YAML.
# - `include "hello-web.labels" .` inserts a snippet defined in
#   `_helpers.tpl`, and `nindent 4` indents it by 4 spaces on a new line.
#   Every object gets the same labels without repeating them.
# - A `-` inside the braces (`{{-`) eats the whitespace before it, to keep the
#   output tidy.
#
# The Deployment template uses the same tools, plus one trick explained when
# we upgrade:

# %%
print((chart / "templates" / "deployment.yaml").read_text())

# %% [markdown]
# ## What Helm would send: `helm template`
#
# `helm template` renders a chart into plain YAML, on your machine, without
# contacting the cluster. It is the best way to understand a chart, and to
# check what a change of values does before applying it.

# %%
print(helm.template("web", "12-helm-chart", namespace))

# %% [markdown]
# No more braces: three ordinary manifests, named after the release (`web`,
# `web-config`). Let us render again with other values, and look at the
# objects as Python dicts:

# %%
rendered = helm.template_objects("web", "12-helm-chart", namespace,
                                 values={"replicaCount": 5, "message": "Hi!"})
for obj in rendered:
    print(obj["kind"], obj["metadata"]["name"])
deployment = next(obj for obj in rendered if obj["kind"] == "Deployment")
print("replicas:", deployment["spec"]["replicas"])

# %%
lab.record("rendered_kinds", sorted(obj["kind"] for obj in rendered))
lab.record("rendered_replicas", deployment["spec"]["replicas"])
lab.record("objects_before_install", len(lab.list("Deployment", namespace)))
lab.table("Deployment", namespace)

# %% [markdown]
# Nothing reached the cluster: the namespace still holds no Deployment.
# `helm lint` is the other offline check: it renders the chart with its
# defaults and reports mistakes (here, only a suggestion to add an icon).

# %%
print(helm.lint("12-helm-chart"))

# %% [markdown]
# ## Install a release
#
# `helm install` renders the chart and sends the objects to the API server.
# `k8slab.helm` adds `--wait`, so the cell returns once every object is ready.
# The chart runs the image `k8slab.local/web:1.0` (values `image.repository`
# and `image.tag`; the chart's `appVersion` is "1.0" too): the course's nginx
# image, built by k8slab from Debian's nginx 1.22.1. On the host engine (or
# kind, minikube) its pods are real containers, ready once they run; on the
# kwok engine no container runs, kwok marks the pods ready about a second
# after they are scheduled, and Helm sees them ready like on any cluster. The
# text at the end is the chart's `NOTES.txt`, rendered.

# %%
release = helm.install("web", "12-helm-chart", namespace, timeout=timeout)
release

# %%
pods_v1 = {pod["metadata"]["name"] for pod in lab.list("Pod", namespace)}
lab.record("install_revision", release.revision)
lab.record("install_ready_pods", len(pods_v1))
lab.table("Pod", namespace)

# %% [markdown]
# The chart hands its `message` value to the containers as the variable
# `GREETING` (through the ConfigMap it renders). With real containers we can
# read it inside a pod (`kubectl exec deploy/web -- sh -c 'echo $GREETING'`);
# on kwok there is no container to ask.

# %%
def greeting_inside() -> str | None:
    """The GREETING variable inside a pod of the release, when containers really run."""
    if not real_containers:
        print(f"{engine}: no container to ask; the ConfigMap below holds the message.")
        return None
    said = lab.exec("deployment/web", "echo $GREETING", namespace).strip()
    print("GREETING inside the container:", said)
    return said


lab.record("greeting_v1", greeting_inside())

# %% [markdown]
# The Service and the ConfigMap are there too. Two kinds of marks tell that
# they belong to the release, and they come from two places:
#
# - the **label** `app.kubernetes.io/managed-by: Helm` comes from the
#   *chart*: its `_helpers.tpl` writes `{{ .Release.Service }}` (which is
#   `Helm`) into every object's labels, a convention of the recommended
#   labels that charts follow, not something Helm enforces;
# - the **annotations** `meta.helm.sh/release-name` and
#   `meta.helm.sh/release-namespace` come from *Helm itself*, whatever the
#   chart says. Helm reads them (with that label) before it touches an
#   existing object: an object without them, or of another release, is not
#   its own, and it refuses to take it over.

# %%
# %kubectl get deployment,service,configmap -n {namespace} -l app.kubernetes.io/instance=web

# %% [markdown]
# Both marks, on the ConfigMap, as `kubectl get -o yaml` shows them (look at
# `metadata.labels` and `metadata.annotations`):

# %%
# %kubectl get configmap web-config -n {namespace} -o yaml

# %%
configmap = lab.get("ConfigMap", "web-config", namespace)
lab.record("helm_marks", {"managed_by": configmap["metadata"]["labels"].get(
    "app.kubernetes.io/managed-by"), "annotations": sorted(configmap["metadata"]["annotations"])})
print(configmap["data"])
print(configmap["metadata"]["labels"])
print(configmap["metadata"]["annotations"])

# %% [markdown]
# ### Where Helm keeps its memory
#
# Helm has no component running in the cluster. It writes each revision of a
# release into a **Secret** in the release's namespace: the chart, the values
# and the rendered manifest, compressed. `helm list` reads these Secrets.

# %%
# %kubectl get secrets -n {namespace} -l owner=helm

# %%
records = lab.list("Secret", namespace, labels={"owner": "helm"})
lab.record("release_secrets", sorted(s["metadata"]["name"] for s in records))
for secret in records:
    print(secret["metadata"]["name"], secret["type"], secret["metadata"]["labels"])

# %%
helm.releases(namespace)

# %% [markdown]
# ## Upgrade with new values
#
# Values are usually kept in files, one per environment, and given with
# `-f`. This one changes two knobs:

# %%
lab.manifest("manifests/12-helm-chart/values-v2.yaml")

# %%
release = helm.upgrade("web", "12-helm-chart", namespace,
                       values_files=["manifests/12-helm-chart/values-v2.yaml"], timeout=timeout)
release

# %% [markdown]
# Helm rendered the chart again with the merged values (chart defaults, then
# the file) and brought each object in line with the new rendering. Let us
# look at the pods and the ConfigMap:

# %%
pods_v2 = {pod["metadata"]["name"] for pod in lab.list("Pod", namespace)
           if not pod["metadata"].get("deletionTimestamp")}
message = lab.get("ConfigMap", "web-config", namespace)["data"]["MESSAGE"]
print("message:", message)
print("pods kept from revision 1:", pods_v1 & pods_v2)
lab.record("upgrade_revision", release.revision)
lab.record("upgrade_message", message)
lab.record("upgrade_pods", len(pods_v2))
lab.record("pods_replaced", not pods_v1 & pods_v2)
lab.record("greeting_v2", greeting_inside())
lab.table("Pod", namespace)

# %% [markdown]
# Three new pods, and none of the old ones (one may still show as
# `Terminating` for a moment). Changing the replica count alone
# would only have added a pod; the *message* is what replaced them all.
# Containers read environment variables when they start, so pods that keep
# running would keep greeting with the old message. The chart guards against
# that: its pod template carries a `checksum/config` annotation, a hash of the
# rendered ConfigMap. A new message means a new hash, hence a changed pod
# template, hence a rollout (notebook 05) that starts fresh pods. With real
# containers, the `GREETING` printed above comes from one of these fresh pods.

# %% [markdown]
# ## History
#
# Every install, upgrade and rollback adds a revision:

# %%
history = helm.history("web", namespace)
lab.record("history_revisions", history["revision"].tolist())
history

# %% [markdown]
# Revision 1 is `superseded`, revision 2 `deployed`. Helm also remembers the
# values each revision was given (only what *you* set; `all_values=True` adds
# the chart's defaults):

# %%
values_v1 = helm.get_values("web", namespace, revision=1)
values_v2 = helm.get_values("web", namespace, revision=2)
lab.record("values_v2", values_v2)
print("revision 1:", values_v1)
print("revision 2:", values_v2)

# %% [markdown]
# A word of caution on upgrades: when you give values, Helm starts again from
# the chart's defaults and applies only the values of *this* upgrade. A value
# set in an earlier upgrade and not repeated is dropped. Keep each
# environment's values in one file and pass it every time (or use
# `reuse_values=True` to start from the previous revision's values).

# %% [markdown]
# ## Roll back
#
# The new greeting is not liked. `helm rollback` brings back revision 1:

# %%
release = helm.rollback("web", 1, namespace, timeout=timeout)
release

# %%
message = lab.get("ConfigMap", "web-config", namespace)["data"]["MESSAGE"]
replicas = lab.get("Deployment", "web", namespace)["spec"]["replicas"]
print(f"message: {message!r}, replicas: {replicas}")
lab.record("rollback_revision", release.revision)
lab.record("rollback_description", release.description)
lab.record("rollback_message", message)
helm.history("web", namespace)

# %% [markdown]
# Two things to notice:
#
# - A rollback does not rewrite history: it adds revision **3**, a copy of
#   revision 1 ("Rollback to 1"). Revision numbers only go up, so the record
#   of what happened stays complete.
# - It restored the ConfigMap *and* the Deployment together. Notebook 05's
#   `rollout undo` rolls back one Deployment's pod template; a Helm rollback
#   takes the whole application back, every object of the release.

# %% [markdown]
# ### Exercise 1: change the release, not its objects
#
# Make the release `web` run **4 replicas** and greet with a **message of your
# own**, with `helm.upgrade(...)` and a `values` dict. Do it through Helm:
# scaling the Deployment directly would work for a while, but the release
# would still say 2 replicas. Helm 4 applies its objects *server-side*, and
# the API server records who set each field; the next upgrade would then stop
# with a conflict ("conflict with kubectl ... .spec.replicas") until someone
# decides who is right. The check (exercise id `12.upgrade-values`) asks Helm
# for the release's values and the cluster for the ready pods. The solution
# is hidden in the cell after the check.

# %%
# Your code here
# helm.upgrade("web", "12-helm-chart", namespace, values={...}, timeout=timeout)

# %%
lab.check("12.upgrade-values", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
helm.upgrade("web", "12-helm-chart", namespace,
             values={"replicaCount": 4, "message": "Hello from exercise 1"},
             timeout=timeout)
lab.check("12.upgrade-values", namespace)

# %% [markdown]
# ### Exercise 2: one chart, two releases
#
# A chart can be installed many times: each release is a separate copy with
# its own values and history. Install the same chart as a second release
# called **`canary`**, with **1 replica** and a message that mentions
# "canary". This time, write the values as a **values file**, in YAML, the
# way teams keep one file per environment: look at the keys of
# `manifests/12-helm-chart/values.yaml` (or `values-v2.yaml` above) and write
# only the two you change. The next cell gives a file name in a temporary
# folder; write the file with a cell that starts with `%%writefile
# {canary_values}`, then pass it with
# `helm.install("canary", "12-helm-chart", namespace, values_files=[canary_values])`
# (`helm install -f`). The chart names its objects after the release, so
# `canary` and `web` do not collide. Then run the check (exercise id
# `12.second-release`). The solution is hidden in the cell after the check.

# %%
canary_values = Path(tempfile.gettempdir()) / f"{namespace}-canary-values.yaml"
canary_values.unlink(missing_ok=True)
print(canary_values)

# %%
# Your code here

# %%
lab.check("12.second-release", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
# %%writefile {canary_values}
replicaCount: 1
message: Hello from the canary

# %% tags=["solution"] jupyter={"source_hidden": true}
print(canary_values.read_text())
helm.install("canary", "12-helm-chart", namespace, values_files=[canary_values],
             timeout=timeout)
lab.check("12.second-release", namespace)

# %%
helm.releases(namespace)

# %% [markdown]
# ## Uninstall
#
# `helm uninstall` deletes every object the release made (Helm knows them
# from the manifest stored with the release), then the release's Secrets, its
# history. Other releases in the namespace are left alone.

# %%
print(helm.uninstall("web", namespace, timeout=timeout))

# %%
left = {f"{kind}/{name}": lab.exists(kind, name, namespace)
        for kind, name in [("Deployment", "web"), ("Service", "web"),
                           ("ConfigMap", "web-config")]}
remaining = [r["name"] for r in helm.list_releases(namespace)]
lab.record("web_objects_left", sum(left.values()))
lab.record("releases_after_uninstall", remaining)
print("still there:", left)
print("releases left:", remaining)

# %% [markdown]
# `web` is gone, objects and history. If you solved exercise 2, `canary` is
# still there, untouched. (Pass `keep_history=True` to keep the release's
# records after an uninstall.)

# %% [markdown]
# ## Helm and kustomize
#
# Helm is not the only way to vary manifests. Its main alternative,
# **kustomize**, takes the opposite approach: no templates, only valid YAML.
# You write a *base* of ordinary manifests and, for each variant, an
# *overlay* that lists patches ("replicas: 5 here", "add this label").
#
# | | Helm | kustomize |
# | --- | --- | --- |
# | How variants differ | templates with placeholders, filled from values | plain YAML, changed by overlays and patches |
# | What you write | a chart: templates and `values.yaml` | `kustomization.yaml` files next to ordinary manifests |
# | Memory of what was deployed | releases: history, rollback, uninstall | none: it renders, `kubectl apply` applies, Git remembers |
# | Distribution | versioned charts in repositories or registries | Git repositories |
# | Where it comes from | the `helm` program | built into `kubectl` (`kubectl apply -k`) |
#
# Templates can express anything (conditions, loops) but big charts become
# hard to read; kustomize stays readable but cannot compute. Many teams use
# both: Helm for software published by others, kustomize for their own
# applications. GitOps tools, the topic of the next notebook, accept both.

# %% [markdown]
# ## Summary
#
# - A **chart** packages templates and default **values**; installing it
#   makes a **release**, whose every change is a numbered **revision**.
# - `helm template` (and `helm lint`) show what a chart produces without
#   touching the cluster.
# - `helm install` and `helm upgrade` render and apply; with `--wait` they
#   return once the objects are ready. Upgrades take values from files (`-f`)
#   or a dict, starting from the chart's defaults each time.
# - A checksum annotation in the pod template makes a configuration change
#   roll the pods, so they pick up the new values.
# - `helm history` lists revisions; `helm rollback` adds a new revision that
#   copies an old one, for every object of the release at once.
# - Change a release through Helm, not its objects directly: Helm 4 stops
#   the next upgrade with a conflict on any field changed behind its back.
# - `helm uninstall` removes exactly the release's objects and its history.
# - Helm keeps its records in Secrets in the release's namespace.
#
# ## What's next
#
# [13 · GitOps](13-gitops.ipynb) keeps the desired state of the cluster in a
# Git repository and lets a tool apply it, with kustomize to describe the
# variants.
#
# ## Clean-up
#
# Delete this notebook's namespace, with the `canary` release and everything
# else in it.

# %%
lab.cleanup(namespace)
canary_values.unlink(missing_ok=True)
