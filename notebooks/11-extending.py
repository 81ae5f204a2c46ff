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
# # 11 · Extending Kubernetes
#
# Pods, Deployments, Services, Ingresses: so far you have used the kinds of
# objects Kubernetes ships with. But the API is open. You can teach it a new
# kind of object, say a `Website`, with a **CustomResourceDefinition** (CRD),
# and give that object a meaning by writing a **controller**: a program that
# watches Websites and creates whatever they ask for. Put the two together and
# you get an **operator**, the way databases, monitoring stacks and search
# engines are run on Kubernetes today. In this notebook you do all of it, and
# the controller fits in one short cell of Python.

# %% [markdown]
# ## Overview
#
# 1. Define a new kind, `Website`, with a CRD and a validation schema.
# 2. Create, read and list custom objects with the same calls as for built-in kinds.
# 3. See the API server reject an invalid object (HTTP 422) and fix it.
# 4. Write a controller in Python: watch Websites, create a Deployment and a
#    Service for each, report progress in the Website's `status`.
# 5. Watch it converge and heal, then stop it and see that nothing heals any more.
# 6. Understand the operator pattern, and where to find operators.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [02 · The API and the architecture](02-api-and-architecture.ipynb) | Necessary | The API server, controllers and the reconcile loop |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | The controller creates Deployments |
# | [06 · Services](06-services.ipynb) | Helpful | ... and Services |
# | Python functions and dicts | Helpful | The controller is a Python function |
#
# **Time to learn**: 40 minutes
#
# Nothing from earlier notebooks is needed in the cluster: the setup below
# creates a fresh namespace and installs the CRD.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb11-extending")
solve_exercises = False         # True: the hidden solution cells solve the exercises (CI does)
timeout = 60                    # seconds to wait for the controller to converge

# %% [markdown]
# ## Setup
#
# `lab.setup` creates the namespace afresh and applies
# `manifests/11-extending-crd.yaml`, the definition of the `Website` kind.
# Unlike everything else in this course, a CRD is **cluster-wide**: it has no
# namespace, and every namespace (every learner on a shared cluster) sees the
# same one. Applying it again when it already exists changes nothing, so this
# cell is safe to re-run.

# %% tags=["setup"]
import time

import k8slab as lab
from k8slab import controller

lab.setup(namespace, "manifests/11-extending-crd.yaml")
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "the Websites' pods will be real nginx containers"
      if real_containers else "kwok simulates the pods: no container runs")

# %% [markdown]
# ## A new word for the API: the CustomResourceDefinition
#
# The heart of `manifests/11-extending-crd.yaml`:
#
# ```yaml
# apiVersion: apiextensions.k8s.io/v1
# kind: CustomResourceDefinition
# metadata:
#   name: websites.k8slab.io          # <plural>.<group>
# spec:
#   group: k8slab.io
#   scope: Namespaced
#   names: {kind: Website, plural: websites, singular: website, shortNames: [ws]}
#   versions:
#   - name: v1alpha1
#     served: true
#     storage: true
#     subresources:
#       status: {}                    # status is written apart from spec
#     schema:
#       openAPIV3Schema: ...          # the fields and their rules
# ```
#
# The **group** (`k8slab.io`, a domain name you own) keeps your kinds apart
# from everybody else's; the **version** lets the kind evolve (`v1alpha1`,
# then `v1beta1`, `v1`). The **schema** lists the fields of `spec` and their
# rules. Once the API server has checked the definition, it marks the CRD
# `Established` and starts serving the new kind:

# %%
crd = lab.wait("CustomResourceDefinition", controller.WEBSITE_CRD, until="condition=Established")
lab.record("crd_kind", crd["spec"]["names"]["kind"])
controller.schema_frame(crd)

# %% [markdown]
# A new URL now exists on the API server,
# `/apis/k8slab.io/v1alpha1/namespaces/<namespace>/websites`, and every client
# can use it: `kubectl get websites` (or `kubectl get ws`), the Python client,
# and `lab.*`. Nothing to install on the client side.

# %%
lab.record("websites_at_start", len(lab.list("Website", namespace)))
lab.list("Website", namespace)

# %% [markdown]
# ## Custom objects
#
# `manifests/11-extending-website-home.yaml` describes a first Website:
#
# ```yaml
# apiVersion: k8slab.io/v1alpha1
# kind: Website
# metadata:
#   name: home
# spec:
#   image: k8slab.local/web:1.0
#   replicas: 1
# ```
#
# `lab.apply` handles it exactly like a built-in kind:

# %%
lab.apply("manifests/11-extending-website-home.yaml", namespace)
home = lab.get("Website", "home", namespace)
lab.record("home_spec", home["spec"])
home["spec"]

# %% [markdown]
# The stored object has a `port: 8080` you did not write: the schema declares
# a default, and the API server filled it in. Now, what did creating a
# Website *do*?

# %%
lab.record("deployments_before_controller", len(lab.list("Deployment", namespace)))
lab.table("Website", namespace)

# %% [markdown]
# Nothing. The API server stored the object, with no phase and no
# Deployment; nobody acts on it. A CRD gives you storage, an API, validation
# and access control for free, but no behaviour. Behaviour is the
# controller's job, and we will write it soon.

# %% [markdown]
# ## Validation: the API server says no
#
# The schema is enforced on every write. `manifests/11-extending-website-shop-invalid.yaml`
# asks for 20 replicas (the schema allows 1 to 10) on port 80 (the schema
# wants 1024 or more: the course's web image runs as an unprivileged user,
# and a port from 1024 up works for such a user under any container runtime;
# recent runtimes also open the low ports to unprivileged processes inside a
# pod, with `net.ipv4.ip_unprivileged_port_start=0`, but a schema should not
# count on it).
# Watch the API server refuse it:

# %%
try:
    lab.apply("manifests/11-extending-website-shop-invalid.yaml", namespace)
    rejected = None
except lab.ApiError as err:
    rejected = err
lab.record("rejected_status", rejected.status if rejected else None)
rejected

# %% [markdown]
# HTTP **422 Unprocessable Entity**: the request was well-formed, but the
# object breaks the rules, and the message names each offending field. The
# object was not stored at all. Validation happens *before* anything reaches
# etcd, so a controller never sees an impossible Website.

# %%
lab.record("shop_stored", lab.exists("Website", "shop", namespace))

# %% [markdown]
# ### Exercise 1: a Website the API server accepts
#
# Create the Website `shop` with 2 replicas: start from the invalid manifest
# (its text is above), fix the two fields, and `lab.apply` it (a dict or a
# YAML string both work). Then run the check (exercise id `11.shop`). The
# solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("11.shop", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    lab.apply("manifests/11-extending-website-shop.yaml", namespace)
    lab.check("11.shop", namespace)

# %% [markdown]
# If you skipped the exercise, the next cell creates `shop` for you (from
# `manifests/11-extending-website-shop.yaml`), so the rest of the notebook
# works; if yours exists, it is left alone.

# %%
if not lab.exists("Website", "shop", namespace):
    lab.apply("manifests/11-extending-website-shop.yaml", namespace)
lab.table("Website", namespace)

# %% [markdown]
# ## A controller in Python
#
# A controller is a loop. It **watches** objects; for each one that changed it
# calls a **reconcile** function, which compares what the object asks for
# with what exists, and fixes the difference; then it writes what it saw in
# the object's **status**. The module `k8slab.controller` provides the loop
# (the watches, a work queue, retries, a stop button). What is left to us is
# the reconcile function, which gives the Website its meaning:
#
# 1. build the Deployment and the Service the Website asks for
#    (`controller.website_children`: plain dicts, each with an
#    **ownerReference** pointing at the Website), and apply them;
# 2. read the Deployment back and compute the Website's status
#    (`controller.website_status`: `Pending`, `Progressing` or `Ready`);
# 3. write that status through the **status subresource**, a separate URL
#    (`.../websites/home/status`), so users own `spec` and the controller owns `status`.
#
# Reconcile is called again and again, for the same object, whenever anything
# changes. So it must be *idempotent*: applying an unchanged object changes
# nothing, and writing the same status is skipped.

# %%
def reconcile(site: dict, ctl: controller.Controller) -> str:
    for child in controller.website_children(site):
        ctl.apply(child)
    deployment = ctl.get("Deployment", site["metadata"]["name"])
    status = controller.website_status(site, deployment)
    ctl.update_status(site, status)
    return f"{status['phase']}: {status['readyReplicas']}/{status['replicas']} ready"


# %% [markdown]
# Now start the controller. It watches Websites, and also the Deployments and
# Services it owns (`owns=`): when one of those changes, its owner is
# reconciled. It runs in background threads of this notebook's kernel, until
# `ctl.stop()`.

# %%
ctl = controller.Controller("Website", namespace, reconcile, owns=["Deployment", "Service"])
ctl.start()

# %% [markdown]
# The Websites created *before* the controller started are reconciled first:
# a controller reads the state of the world, not a list of past events. Wait
# for `home` to be Ready:

# %%
lab.wait("Website", "home", namespace, until=controller.status_matches(phase="Ready"),
         timeout=timeout)
lab.wait("Website", "shop", namespace, until=controller.status_matches(phase="Ready"),
         timeout=timeout)
websites = lab.list("Website", namespace)
lab.record("phases", {w["metadata"]["name"]: w["status"]["phase"] for w in websites})
lab.table("Deployment", namespace)

# %% [markdown]
# `Ready` is what the controller wrote. Does the site answer? Ask the Service
# `home` for `/hello` through the API server (notebook 06's `lab.http_get`):

# %%
hello = lab.http_get("service/home", 80, "/hello", namespace)
lab.record("home_hello", {"status": hello.status, "simulated": hello.simulated,
                          "body": hello.body.strip()})
print(hello.status, "· simulated:", hello.simulated)
print(hello.body)

# %% [markdown]
# With real containers (the host engine, kind, minikube) the answer comes
# from the nginx of the pod the controller's Deployment made: it names that
# pod. On kwok the answer is simulated, and says so: the objects are all real,
# the container is not.

# %% [markdown]
# Each Website now has a Deployment and a Service of its name, and a status.
# The history shows what the controller did, and what woke it up each time:

# %%
ctl.history()

# %% [markdown]
# Read it from the top: the two `EXISTING` Websites made it create their
# Deployments and Services (phase `Progressing`); then every change of a
# Deployment's status (pods becoming ready) woke up its Website, until the
# phase reached `Ready`. The Deployment records who owns it:

# %%
owners = lab.get("Deployment", "home", namespace)["metadata"]["ownerReferences"]
lab.record("home_owner", {"kind": owners[0]["kind"], "name": owners[0]["name"]})
owners

# %% [markdown]
# ## Healing
#
# A controller does not only create things: it keeps them as asked. Delete
# the Deployment of `home`, as a clumsy colleague might:

# %%
old_uid = lab.get("Deployment", "home", namespace)["metadata"]["uid"]
lab.delete("Deployment", "home", namespace)
new = lab.wait("Deployment", "home", namespace,
               until=lambda d: (d["metadata"]["uid"] != old_uid, "a new Deployment"),
               timeout=timeout)
lab.wait("Website", "home", namespace, until=controller.status_matches(phase="Ready"),
         timeout=timeout)
lab.record("healed", new["metadata"]["uid"] != old_uid)

# %% [markdown]
# A new Deployment (a new `uid`) appeared within a second: the controller saw
# its owned Deployment `DELETED` and reconciled `home`. Scaling the
# Deployment by hand does not stick either: the Website says 1 replica, so
# the controller puts it back.

# %%
lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "home"},
           "spec": {"replicas": 4}}, namespace)
back = lab.wait("Deployment", "home", namespace,
                until=lambda d: (d["spec"]["replicas"] == 1, f"{d['spec']['replicas']} replicas"),
                timeout=timeout)
lab.record("replicas_after_hand_scale", back["spec"]["replicas"])
ctl.history().tail(4)

# %% [markdown]
# ### Exercise 2: scale through the custom object
#
# The right way to scale a Website is to change the Website. Make `home` run
# **3** replicas by applying it again with `spec.replicas: 3` (keep its
# image), then wait until its status says `Ready` with 3 ready replicas
# (`controller.status_matches(phase="Ready", readyReplicas=3)` is a rule for
# `lab.wait`). Run the check (exercise id `11.scale`). The solution is hidden
# after it.

# %%
# Your code here

# %%
lab.check("11.scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    lab.apply("""
apiVersion: k8slab.io/v1alpha1
kind: Website
metadata:
  name: home
spec:
  image: k8slab.local/web:1.0
  replicas: 3
""", namespace)
    lab.wait("Website", "home", namespace, timeout=timeout,
             until=controller.status_matches(phase="Ready", readyReplicas=3))
    lab.check("11.scale", namespace)

# %% [markdown]
# ## Deleting a Website
#
# The controller never deletes anything. When a Website goes, the cluster's
# **garbage collector** (part of `kube-controller-manager`) deletes every
# object whose ownerReference points at it: here the Deployment and the
# Service, then, in cascade, the ReplicaSet and the pods.

# %%
lab.delete("Website", "shop", namespace)
lab.wait("Deployment", "shop", namespace, until="deleted", timeout=timeout)
lab.wait("Service", "shop", namespace, until="deleted", timeout=timeout)
lab.record("shop_children_left", [o["metadata"]["name"] for kind in ("Deployment", "Service")
                                  for o in lab.list(kind, namespace)
                                  if o["metadata"]["name"] == "shop"])

# %% [markdown]
# ## Stopping the controller
#
# Our controller lives in this notebook's kernel. Stop it, and delete the
# Deployment of `home` once more:

# %%
ctl.stop()
lab.delete("Deployment", "home", namespace, wait=True)
time.sleep(3)
lab.record("recreated_after_stop", lab.exists("Deployment", "home", namespace))
lab.table("Website", namespace)

# %% [markdown]
# This time nothing comes back, and the Website still claims `Ready`: its
# status is only as fresh as the last controller that wrote it. The API
# server stores wishes; controllers make them true. Kubernetes' own kinds
# behave the same way. Their controllers simply run all the time, inside
# `kube-controller-manager`. A real custom controller runs the same way, as a
# Deployment in the cluster, under a ServiceAccount whose RBAC roles allow it
# to read Websites and to write Deployments and Services.

# %% [markdown]
# ## The operator pattern
#
# An **operator** is exactly what you built: a CRD that lets users state what
# they want in their own vocabulary, plus a custom controller that encodes
# how a human operator would make it so, and keep it so. Our Website only
# creates two objects, but the same loop can automate the hard parts of
# running software:
#
# - a **PostgreSQL** operator (CloudNativePG, Zalando's, Crunchy's) turns a
#   `Cluster` object into a primary and replicas, handles fail-over, backups
#   and minor upgrades;
# - **Elastic**'s operator (ECK) runs `Elasticsearch` and `Kibana` objects,
#   rolling restarts node by node without losing data;
# - the **Prometheus** operator turns `Prometheus`, `ServiceMonitor` and
#   `PrometheusRule` objects into a running monitoring stack and its configuration.
#
# [OperatorHub.io](https://operatorhub.io/) lists hundreds of them. To write
# your own beyond a notebook, use a framework that handles the details we
# skipped (leader election, caching, finalizers, conversion between
# versions): **Kubebuilder** or the **Operator SDK** in Go, **kopf** in Python.
#
# Installing an operator is also a trust decision: it usually runs with wide
# permissions, and its CRDs are cluster-wide, shared by every namespace.

# %% [markdown]
# ## Summary
#
# - A **CustomResourceDefinition** adds a kind to the API: group, version,
#   names, scope, and an OpenAPI schema that validates every write (HTTP 422
#   when a field breaks a rule) and fills defaults.
# - Custom objects are stored and served like built-in ones (`lab.apply`,
#   `lab.get`, `lab.list`, `kubectl get`), but do nothing by themselves.
# - A **controller** watches them and reconciles: create or fix what the
#   object asks for, and report in `status` through the status subresource.
#   Owner references let it react to its children and let the garbage
#   collector clean up after it.
# - CRD + controller = **operator**: operational knowledge turned into code
#   (databases, search engines, monitoring; see OperatorHub.io).
#
# ## What's next
#
# [12 · Helm](12-helm.ipynb) packages a whole application (many objects,
# with settings) into a chart you install, upgrade and roll back in one command.
#
# ## Clean-up
#
# Stop the controller (again: stopping twice is harmless), remove the CRD if
# no other namespace still has Websites (deleting a CRD deletes *all* its
# objects, everywhere), and delete this notebook's namespace.

# %%
ctl.stop()
lab.record("crd_removed", controller.remove_crd_if_unused(controller.WEBSITE_CRD, namespace))
lab.cleanup(namespace)
