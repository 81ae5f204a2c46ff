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
# the controller is a few Python functions run by **kopf**, the Python
# operator framework used in the field.

# %% [markdown]
# ## Overview
#
# 1. Define a new kind, `Website`, with a CRD and a validation schema.
# 2. Create, read and list custom objects with the same calls as for built-in kinds.
# 3. See the API server reject an invalid object (HTTP 422) and fix it.
# 4. Write the reconcile handler of a kopf operator: for each Website, a
#    Deployment and a Service, and progress in the Website's `status`.
# 5. Run the operator, read its timeline, watch it heal, then stop it and see
#    that nothing heals any more.
# 6. Understand the operator pattern, and where to find operators.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [02 · The API and the architecture](02-api-and-architecture.ipynb) | Necessary | The API server, controllers and the reconcile loop |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | The controller creates Deployments |
# | [06 · Services](06-services.ipynb) | Helpful | ... and Services |
# | Python functions and dicts | Helpful | The handler you write is a Python function |
#
# **Time to learn**: 50 minutes
#
# Nothing from earlier notebooks is needed in the cluster: the setup below
# creates a fresh namespace and installs the CRD.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb11-extending")
timeout = 60                    # seconds to wait for the operator to converge

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

import kopf
import yaml

import k8slab as lab
from k8slab import crds, operators

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
crd = lab.wait("CustomResourceDefinition", crds.WEBSITE_CRD, until="condition=Established")
lab.record("crd_kind", crd["spec"]["names"]["kind"])
crds.schema_frame(crd)

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
# controller's job, and you will write it soon.

# %% [markdown]
# ## Validation: the API server says no
#
# The schema is enforced on every write. `manifests/11-extending-website-shop-invalid.yaml`
# asks for 20 replicas (the schema allows 1 to 10) on port 80 (the schema
# wants 1024 or more).
#
# Why 1024? Not because a non-root process can never listen on port 80:
# ports below 1024 are "privileged" only while the kernel setting
# `net.ipv4.ip_unprivileged_port_start` says so, and it is set per network
# namespace, so per pod. containerd 2 (kind's runtime) and Docker set it to
# `0` in every pod, and so does this lab's host engine (containerd's
# `enable_unprivileged_ports`): there, any user in a pod may bind port 80. A
# pod can also ask for it itself (`securityContext.sysctls`, a "safe" sysctl).
# containerd 1.x and CRI-O by default (CRI-O sets it only when its
# `default_sysctls` say so), and some hardened clusters, keep the old rule.
# The course's web image runs nginx as an unprivileged user (uid 101) anyway,
# because not being root is what protects the node if the container is
# broken into (it is also what the "restricted" Pod Security Standard asks
# for), and it listens on 8080, which works under every runtime whatever the
# sysctl says. The Service still offers port 80 to clients. The Website
# schema makes that the rule of this kind. Watch the API server refuse it:

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
print(lab.manifest("manifests/11-extending-website-shop.yaml"))
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
# ## An operator in Python, with kopf
#
# A controller is a loop. It **watches** objects; for each one that changed it
# calls a **reconcile** function, which compares what the object asks for
# with what exists, and fixes the difference; then it writes what it saw in
# the object's **status**. The loop itself (the watches, a queue per object,
# retries with a growing delay, remembering what was already handled) is the
# same for every controller, so nobody writes it twice: Go operators use
# **controller-runtime** (Kubebuilder, the Operator SDK), Python ones
# [**kopf**](https://kopf.readthedocs.io/). You write *handlers*, plain
# functions that kopf calls when something happens:
#
# | decorator | kopf calls the function when... |
# | --- | --- |
# | `@kopf.on.create(group, version, plural)` | an object appears |
# | `@kopf.on.update(..., field="spec")` | its `spec` changes (not its status, not its metadata) |
# | `@kopf.on.resume(...)` | the operator starts and finds the object already there |
# | `@kopf.on.event(...)` | anything happens to an object of a kind, ours or not |
#
# Each handler receives keyword arguments: `body` (the whole object), `spec`,
# `name`, `namespace`, `labels`, and a `logger` whose messages kopf attaches
# to that object (and also posts as Kubernetes Events).
#
# Here is the plan for the Website operator. One function, `reconcile(site,
# logger)`, does the whole job for one Website, whatever woke it up:
#
# 1. build the **Deployment** and the **Service** the Website asks for, as
#    YAML filled in from its `spec` (`image`, `replicas`, `port`), with the
#    pods labelled `k8slab.io/website: <name>` and selected by that label;
# 2. `kopf.adopt(obj, owner=site)` each of them: it puts them in the
#    Website's namespace, adds an **ownerReference** pointing at the Website
#    (and copies the Website's labels, if any); then
#    `operators.apply(obj, logger)` (server-side apply, which logs what it
#    created or changed);
# 3. read the Deployment back (`operators.read("Deployment", name,
#    namespace)`) and write the Website's status through the **status
#    subresource**, a URL of its own (`.../websites/home/status`), with
#    `operators.set_status(site, status, logger)`: `phase` `Ready` when all
#    the wanted replicas are ready and up to date, otherwise `Progressing`;
#    also `replicas` (wanted) and `readyReplicas`.
#
# `reconcile` is called again and again for the same Website, so it must be
# *idempotent*: applying an unchanged object changes nothing, and
# `set_status` skips a status that is already right.

# %% [markdown]
# ### Exercise 2: write the reconcile handler
#
# Complete `reconcile` in the next cell, following the three steps above. Look
# at `manifests/05-deployments-web.yaml` and `manifests/06-services-frontend.yaml`
# if you want a Deployment and a Service to start from: here the Service
# offers port 80 and sends it to the container port named `http`. Run the
# cell, then the two cells after it (the kopf handlers, and the start of the
# operator), then the check (exercise id `11.operator`): it looks at what the
# operator did in the cluster, for `home` and `shop`. Each time you change
# `reconcile`, run those cells again. `op.timeline()` (further down) shows what
# your handler did, and `op.problems()` the errors it raised. The solution is
# hidden after the check.

# %%
def reconcile(site: dict, logger) -> None:
    """Make the cluster match one Website: its Deployment, its Service, its status."""
    name, namespace, spec = site["metadata"]["name"], site["metadata"]["namespace"], site["spec"]
    # 1. deployment = yaml.safe_load(f"""...""") and service = ..., from spec
    # 2. for each: kopf.adopt(obj, owner=site); operators.apply(obj, logger)
    # 3. read the Deployment back, then operators.set_status(site, {...}, logger)
    logger.info(f"reconcile is not written yet: nothing done for {name} in {namespace}, "
                f"which asks for {spec['replicas']} x {spec['image']}")

# %% [markdown]
# Now the handlers, which say *when* kopf calls `reconcile`: when a Website
# appears, when its `spec` changes, and for those already there when the
# operator starts. kopf has no "owns" like controller-runtime, so a fourth
# handler watches the Deployments labelled `k8slab.io/website` and reconciles
# their Website whenever one changes or disappears: that is how the operator
# sees pods become ready, and how it heals.

# %%
WEBSITES = ("k8slab.io", "v1alpha1", "websites")


@kopf.on.resume(*WEBSITES, backoff=2)   # backoff: retry a failed handler after 2 s, not 60
@kopf.on.create(*WEBSITES, backoff=2)
@kopf.on.update(*WEBSITES, field="spec", backoff=2)
def website_changed(body, logger, **_):
    reconcile(body, logger)


@kopf.on.event("apps", "v1", "deployments", labels={"k8slab.io/website": kopf.PRESENT})
def deployment_changed(labels, namespace, logger, **_):
    site = operators.read("Website", labels["k8slab.io/website"], namespace)
    if site is not None and not site["metadata"].get("deletionTimestamp"):
        reconcile(site, logger)

# %% [markdown]
# Start the operator. `operators.start` runs kopf (`kopf.operator`, what the
# `kopf run` command runs) in a background thread of this notebook's kernel,
# watching this namespace only, in *standalone* mode (a single operator, so no
# peering objects to agree on who works), logged in with the lab's
# kubeconfig. A real operator runs the same code as the main program of a pod.
# Running this cell again restarts it with the handlers as they are now.

# %%
op = operators.start(namespace)

# %%
lab.check("11.operator", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
def reconcile(site: dict, logger) -> None:  # noqa: F811 (the solution replaces your version)
    """Make the cluster match one Website: its Deployment, its Service, its status."""
    name, namespace, spec = (site["metadata"]["name"], site["metadata"]["namespace"],
                             site["spec"])
    deployment = yaml.safe_load(f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    k8slab.io/website: {name}
spec:
  replicas: {spec['replicas']}
  selector:
    matchLabels:
      k8slab.io/website: {name}
  template:
    metadata:
      labels:
        k8slab.io/website: {name}
    spec:
      containers:
      - name: web
        image: {spec['image']}
        ports:
        - name: http
          containerPort: {spec['port']}
        resources:
          requests:
            cpu: 50m
            memory: 32Mi
""")
    service = yaml.safe_load(f"""
apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    k8slab.io/website: {name}
spec:
  selector:
    k8slab.io/website: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
""")
    for obj in (deployment, service):
        kopf.adopt(obj, owner=site)
        operators.apply(obj, logger)
    current = operators.read("Deployment", name, namespace) or {}
    counts = current.get("status") or {}
    want = spec["replicas"]
    done = counts.get("readyReplicas", 0) == want and counts.get("updatedReplicas", 0) == want
    operators.set_status(site, {"phase": "Ready" if done else "Progressing",
                                "replicas": want,
                                "readyReplicas": counts.get("readyReplicas", 0)}, logger)

op = operators.start(namespace)
for site in ("home", "shop"):
    lab.wait("Website", site, namespace, until=crds.status_matches(phase="Ready"),
             timeout=timeout)
lab.check("11.operator", namespace)

# %% [markdown]
# The Websites created *before* the operator started were handled first (the
# `resume` handler): a controller reads the state of the world, not a list of
# past events. Wait for both to be Ready:

# %%
for site in ("home", "shop"):
    lab.wait("Website", site, namespace, until=crds.status_matches(phase="Ready"),
             timeout=timeout)
websites = lab.list("Website", namespace)
lab.record("phases", {w["metadata"]["name"]: w["status"]["phase"] for w in websites})
lab.table("Deployment", namespace)

# %% [markdown]
# `Ready` is what your handler wrote. Does the site answer? Ask the Service
# `home` for `/hello` through the API server (notebook 06's `lab.http_get`):

# %%
hello = lab.http_get("service/home", 80, "/hello", namespace)
lab.record("home_hello", {"status": hello.status, "simulated": hello.simulated,
                          "body": hello.body.strip()})
print(hello.status, "· simulated:", hello.simulated)
print(hello.body)

# %% [markdown]
# With real containers (the host engine, kind, minikube) the answer comes
# from the nginx of a pod the operator's Deployment made: it names that
# pod. On kwok the answer is simulated, and says so: the objects are all real,
# the container is not.

# %% [markdown]
# ## What the operator did: its timeline
#
# Every message of kopf and of your handler about an object is kept in
# `op.timeline()`: when (seconds since the operator started), about which
# object, in which handler, and what. `operators.apply` and
# `operators.set_status` log only what they changed.

# %%
timeline = op.timeline()
lab.record("timeline_messages", list(timeline["message"]))
timeline

# %% [markdown]
# Read it from the top: `website_changed` ran for each Website (kopf's
# "Resuming is processed" or "Creation is processed" line says why), created
# its Deployment and Service and wrote phase `Progressing`; then each change
# of a Deployment's status (pods becoming ready) ran `deployment_changed`,
# until your handler wrote `Ready`. kopf also posted those messages as Events
# of the Website, where `kubectl describe website home` shows them:

# %%
events = lab.events(namespace, object_name="home")
events = events[events["object"] == "website/home"].reset_index(drop=True)
lab.record("website_events", len(events))
events

# %% [markdown]
# kopf remembers what it handled in an annotation of the Website,
# `kopf.zalando.org/last-handled-configuration` (that is how, after a restart,
# it tells a changed spec from an unchanged one). And the Deployment records
# who owns it:

# %%
home = lab.get("Website", "home", namespace)
lab.record("kopf_annotation", "kopf.zalando.org/last-handled-configuration"
           in (home["metadata"].get("annotations") or {}))
owners = lab.get("Deployment", "home", namespace)["metadata"]["ownerReferences"]
lab.record("home_owner", {"kind": owners[0]["kind"], "name": owners[0]["name"]})
owners

# %% [markdown]
# ## Healing
#
# An operator does not only create things: it keeps them as asked. Delete
# the Deployment of `home`, as a clumsy colleague might:

# %%
old_uid = lab.get("Deployment", "home", namespace)["metadata"]["uid"]
lab.delete("Deployment", "home", namespace)
new = lab.wait("Deployment", "home", namespace,
               until=lambda d: (d["metadata"]["uid"] != old_uid, "a new Deployment"),
               timeout=timeout)
lab.wait("Website", "home", namespace, until=crds.status_matches(phase="Ready"),
         timeout=timeout)
lab.record("healed", new["metadata"]["uid"] != old_uid)

# %% [markdown]
# A new Deployment (a new `uid`) appeared within a second: kopf told
# `deployment_changed` that the Deployment was deleted, and your `reconcile`
# applied it again. Scaling the Deployment by hand does not stick either: the
# Website says 1 replica, and the operator's apply forces its own fields back.

# %%
lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "home"},
           "spec": {"replicas": 4}}, namespace)
back = lab.wait("Deployment", "home", namespace,
                until=lambda d: (d["spec"]["replicas"] == 1, f"{d['spec']['replicas']} replicas"),
                timeout=timeout)
lab.record("replicas_after_hand_scale", back["spec"]["replicas"])
op.timeline(last=6)

# %% [markdown]
# ### Exercise 3: scale through the custom object
#
# The right way to scale a Website is to change the Website. Make `home` run
# **3** replicas by applying it again with `spec.replicas: 3` (keep its
# image), then wait until its status says `Ready` with 3 ready replicas
# (`crds.status_matches(phase="Ready", readyReplicas=3)` is a rule for
# `lab.wait`). Run the check (exercise id `11.scale`). The solution is hidden
# after it.

# %%
# Your code here

# %%
lab.check("11.scale", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
home = """
apiVersion: k8slab.io/v1alpha1
kind: Website
metadata:
  name: home
spec:
  image: k8slab.local/web:1.0
  replicas: 3
"""
print(home)
lab.apply(home, namespace)
lab.wait("Website", "home", namespace, timeout=timeout,
         until=crds.status_matches(phase="Ready", readyReplicas=3))
lab.check("11.scale", namespace)

# %% [markdown]
# This time kopf called `website_changed` through its `update` handler
# (`website_changed/spec`): the Website's spec changed.

# %%
op.timeline(last=5)

# %% [markdown]
# ## Deleting a Website
#
# The operator never deletes anything. When a Website goes, the cluster's
# **garbage collector** (part of `kube-controller-manager`) deletes every
# object whose ownerReference points at it: here the Deployment and the
# Service, then, in cascade, the ReplicaSet and the pods. (An operator that
# must clean up *outside* the cluster, say a DNS record, adds a
# `@kopf.on.delete` handler; kopf then puts a **finalizer** on the object so
# that the API server waits for the handler before deleting it.)

# %%
lab.delete("Website", "shop", namespace)
lab.wait("Deployment", "shop", namespace, until="deleted", timeout=timeout)
lab.wait("Service", "shop", namespace, until="deleted", timeout=timeout)
lab.record("shop_children_left", [o["metadata"]["name"] for kind in ("Deployment", "Service")
                                  for o in lab.list(kind, namespace)
                                  if o["metadata"]["name"] == "shop"])

# %% [markdown]
# ## Stopping the operator
#
# Our operator lives in this notebook's kernel. Stop it, and delete the
# Deployment of `home` once more:

# %%
op.stop()
lab.record("operator_running_after_stop", op.running)
lab.delete("Deployment", "home", namespace, wait=True)
time.sleep(3)
lab.record("recreated_after_stop", lab.exists("Deployment", "home", namespace))
lab.table("Website", namespace)

# %% [markdown]
# This time nothing comes back, and the Website still claims `Ready`: its
# status is only as fresh as the last controller that wrote it. The API
# server stores wishes; controllers make them true. Kubernetes' own kinds
# behave the same way. Their controllers simply run all the time, inside
# `kube-controller-manager`. A real operator runs the same way: kopf as the
# main program of a Deployment in the cluster (`kopf run operator.py`), under
# a ServiceAccount whose RBAC roles allow it to read Websites, to write their
# status, and to write Deployments and Services.

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
#   `Cluster` object into a primary and
#   replicas, handles fail-over, backups and minor upgrades;
# - **Elastic**'s operator (ECK) runs `Elasticsearch` and `Kibana` objects,
#   rolling restarts node by node without losing data;
# - the **Prometheus** operator turns `Prometheus`, `ServiceMonitor` and
#   `PrometheusRule` objects into a running monitoring stack and its configuration.
#
# [OperatorHub.io](https://operatorhub.io/) lists hundreds of them. kopf
# handles more than this notebook used: finalizers and `on.delete`, timers
# and daemons per object, indexes, admission webhooks, and peering, so that a
# second replica of an operator stays idle until the first one dies. In Go,
# **Kubebuilder** and the **Operator SDK** play the same role.
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
#   With **kopf** you write only the handlers; kopf watches, queues, retries
#   and remembers. Owner references let the operator hear from its children
#   and let the garbage collector clean up after it.
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
# Stop the operator (`lab.cleanup` does it too, and stopping twice is
# harmless), remove the CRD if no other namespace still has Websites
# (deleting a CRD deletes *all* its objects, everywhere), and delete this
# notebook's namespace.

# %%
operators.stop(namespace)
lab.record("crd_removed", crds.remove_crd_if_unused(crds.WEBSITE_CRD, namespace))
lab.cleanup(namespace)
lab.record("operators_left", operators.leftovers())
