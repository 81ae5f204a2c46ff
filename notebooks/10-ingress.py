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
# # 10 · Ingress
#
# A Service gives a set of pods one stable name inside the cluster. People on
# the outside, though, type URLs: `https://shop.example.org/cart`. Opening one
# port per Service does not scale, and nobody wants to remember port numbers.
# An **Ingress** is Kubernetes' answer: a single HTTP entry point, a reverse
# proxy, that reads the host name and the path of each request and forwards it
# to the right Service. In this notebook you write Ingress rules, discover why
# they do nothing on their own, and follow requests through them with a
# small simulated controller that delivers each request to a real pod.

# %% [markdown]
# ## Overview
#
# 1. Read an Ingress: its class, its rules (host and path), its backends (Service and port).
# 2. See that an Ingress is only data: without an Ingress **controller**, nothing serves it.
# 3. Route two applications behind one entry point, by path (`/app1`, `/app2`).
# 4. Follow a request through the rules to a pod, and learn how `Prefix` and `Exact` paths match.
# 5. Give a whole host name to one application.
# 6. Know what changes on a cluster that runs an Ingress controller.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | The two applications are Deployments |
# | [06 · Services](06-services.ipynb) | Necessary | An Ingress forwards to Services, never to pods directly |
# | HTTP: host, path, status codes | Helpful | `Host: shop.k8slab.test`, `GET /app1`, `404` |
#
# **Time to learn**: 30 minutes
#
# This notebook needs two applications, `app1` and `app2`, each a Deployment
# behind a Service of the same name. The `lab.setup(...)` call below creates
# them in a fresh namespace, so you can start here.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb10-ingress")
solve_exercises = False        # True: the hidden solution cells solve the exercises (CI does)
address_wait = 5               # seconds to wait for an Ingress address that never comes on kwok

# %% [markdown]
# ## Setup
#
# `lab.setup` creates the namespace afresh and applies
# `manifests/10-ingress-apps.yaml`: two Deployments (`app1` with two replicas,
# `app2` with one) and a Service in front of each, port 80, forwarding to the
# containers' port named `http` (8080).

# %% tags=["setup"]
import pandas as pd

import k8slab as lab
from k8slab import ingress

lab.setup(namespace, "manifests/10-ingress-apps.yaml")
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
lab.record("engine", engine)
print(f"engine: {engine} ·", "app1 and app2 are real nginx containers" if real_containers
      else "kwok simulates the pods: their HTTP answers are simulated too")

# %%
lab.table("Service", namespace)

# %% [markdown]
# Both Services have endpoints: they work, but only *inside* the cluster (a
# `ClusterIP` is a private address). To reach them from outside you could give
# each one a `NodePort` or a `LoadBalancer` (notebook 06), one port or one
# cloud load balancer per Service. An Ingress puts one HTTP proxy in front of
# all of them instead.

# %% [markdown]
# ## The Ingress object
#
# Here is a first Ingress, `manifests/10-ingress-single.yaml`:
#
# ```yaml
# apiVersion: networking.k8s.io/v1
# kind: Ingress
# metadata:
#   name: single
# spec:
#   ingressClassName: traefik        # which controller should serve it
#   rules:
#   - host: shop.k8slab.test         # the Host header of the request
#     http:
#       paths:
#       - path: /
#         pathType: Prefix           # "/" as a prefix: every path
#         backend:
#           service:
#             name: app1
#             port:
#               number: 80
# ```
#
# Read it as a routing table. Each **rule** names a host (optional) and a list
# of **paths**; each path says how to compare it (`pathType`) and which
# **backend** receives the request: a Service and one of its ports.
# `ingressClassName` says *which* Ingress controller is meant to serve it, as
# a cluster may run several.

# %%
lab.apply("manifests/10-ingress-single.yaml", namespace)
ingress.rules_frame(lab.get("Ingress", "single", namespace))

# %% [markdown]
# `ingress.rules_frame` flattens the rules into one row per path, like the
# "Rules" part of `kubectl describe ingress`.

# %% [markdown]
# ## Nobody is listening: the Ingress controller
#
# The API server accepted the Ingress and stored it. But who reads it? An
# Ingress, like a Deployment, is a wish; a **controller** turns it into
# reality. For Deployments, that controller ships with Kubernetes (inside
# `kube-controller-manager`). For Ingresses, **no controller ships with
# Kubernetes**: the cluster's administrator installs one, such as
# Traefik, HAProxy, Contour, or the load balancer controller of a cloud
# provider. Each one announces itself with an **IngressClass** object.
# Let us look for some:

# %%
classes = lab.list("IngressClass")
lab.record("ingress_classes", sorted(c["metadata"]["name"] for c in classes))
lab.table("IngressClass")

# %% [markdown]
# None. Our Ingress asks for the class `traefik`, and nothing answers to that
# name: the API server does not check it, it simply stores the object. When a
# controller takes an Ingress in charge, it configures its proxy and then
# writes the proxy's address into the Ingress's `status.loadBalancer`. Here is
# ours:

# %%
stored = lab.get("Ingress", "single", namespace)
lab.record("load_balancer", stored.get("status", {}).get("loadBalancer"))
stored.get("status")

# %% [markdown]
# Empty. Waiting does not help: the next cell waits a few seconds for an
# address (`ingress.has_address` is the rule it applies) and gives up.

# %%
try:
    lab.wait("Ingress", "single", namespace, until=ingress.has_address, timeout=address_wait)
except lab.WaitTimeout as err:
    print(err.message)
lab.record("addresses_after_wait", ingress.addresses(lab.get("Ingress", "single", namespace)))

# %% [markdown]
# This is the normal state on the lab's clusters: neither the kwok engine
# nor the host engine runs an Ingress controller. It is also what you would
# see on a fresh kind or minikube cluster before installing one: an Ingress
# without a controller is silently ignored. No error, no Event, no address.
# When an Ingress "does nothing", the first question is always: *is there a
# controller for its class?*
#
# We can still learn everything about the routing itself. The rules are plain
# data, and the library module `k8slab.ingress` reads them as a controller
# would: **that part is a simulation**, Python code in this notebook, not a
# proxy in the cluster. Then it delivers the request to a pod of the chosen
# Service through the API server, the way `kubectl port-forward` does, and
# shows the pod's own answer: a real nginx on the host engine (or kind,
# minikube), kwok's simulated server on kwok.

# %% [markdown]
# ## Two applications behind one entry point
#
# A classic layout ("fan-out"): one host, several applications, chosen by the
# first part of the path.
#
# | Request path | Goes to |
# | --- | --- |
# | `/app1`, `/app1/...` | Service `app1`, port 80 |
# | `/app2`, `/app2/...` | Service `app2`, port 80 |
#
# ### Exercise 1: route by path
#
# Create an Ingress called `fanout` in your namespace, with
# `ingressClassName: traefik`, **no host** (so its rules apply to every host
# name), and two paths of type `Prefix`: `/app1` to the Service `app1` port
# 80, and `/app2` to the Service `app2` port 80. Start from the YAML of
# `single` above and `lab.apply` it. Then run the check (exercise id
# `10.fanout`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("10.fanout", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    lab.apply("manifests/10-ingress-fanout.yaml", namespace)
    lab.check("10.fanout", namespace)

# %% [markdown]
# The reference version, `manifests/10-ingress-fanout.yaml`, names the port of
# `app2` (`name: http`) instead of numbering it: both forms are allowed. If you
# skipped the exercise, the next cell applies that file so the rest of the
# notebook works; if your own `fanout` exists, it leaves it alone.

# %%
if not lab.exists("Ingress", "fanout", namespace):
    lab.apply("manifests/10-ingress-fanout.yaml", namespace)
ingress.rules_frame(lab.list("Ingress", namespace))

# %% [markdown]
# ## Following a request
#
# `ingress.route(ingresses, host, path)` answers the controller's question:
# which Service and port receive this request? A controller merges all the
# Ingresses of its class, so we give it all of the namespace's.

# %%
ingresses = lab.list("Ingress", namespace)
r = ingress.route(ingresses, "k8slab.test", "/app2/orders")
lab.record("route_app2", ingress.route_dict(r))
print(r)

# %% [markdown]
# Now deliver that request where the controller would: to a pod of the
# Service `app2`, on the port the rule names. `lab.http_get("service/NAME",
# port, path, ns)` picks a running pod behind the Service and sends the
# request through the API server's port-forward. The path is sent
# **unchanged**: ingress-nginx, Traefik and the Gateway API all forward
# `/app2/orders` as it is, unless told otherwise.

# %%
port = ingress.service_port_number(lab.get("Service", r.service, namespace), r.port)
response = lab.http_get(f"service/{r.service}", port, "/app2/orders", namespace)
lab.record("app2_status", response.status)
lab.record("app2_simulated", response.simulated)
print(response.status, response.headers.get("server"), "· simulated:", response.simulated)
print(response.body)

# %% [markdown]
# On the host engine (or kind, minikube) this is the real nginx of app2's pod
# answering **404 Not Found**: the route was right, but the application only
# knows `/`, `/hello`, `/whoami` and `/healthz`, not `/app2/orders`. That is
# the most common surprise with Ingresses: the application must expect the
# prefix, or the proxy must remove it. On kwok no container runs and the
# simulated server answers 200 to any path (its page says it is simulated), so
# this lesson is only visible with real containers.
#
# ### Removing the prefix
#
# Controllers can rewrite the path before forwarding it: Traefik with a
# `StripPrefix` middleware, HAProxy's and NGINX-based controllers with their
# own annotations,
# the Gateway API with a `URLRewrite` filter (`ReplacePrefixMatch: /`). None of
# these is part of the Ingress object itself. `ingress.send_all` takes
# `strip_prefix=True` to play a controller configured that way: `/app1/whoami`
# reaches app1 as `/whoami`. It sends several requests and shows the whole
# path: the rule that matched, the Service, the pod, the path sent, the HTTP
# status and the first line of the answer (the `/whoami` page of our web image
# names the pod that served it and the Host header it received).

# %%
requests = [("k8slab.test", "/app1/whoami"), ("k8slab.test", "/app1/hello"),
            ("k8slab.test", "/app2/whoami"), ("k8slab.test", "/apple"),
            ("shop.k8slab.test", "/app2/whoami")]
trip = ingress.send_all(requests, namespace, strip_prefix=True)
lab.record("trip_services", list(trip["service"]))
lab.record("trip_sent", list(trip["sent"]))
lab.record("trip_statuses", [int(s) for s in trip["status"]])
lab.record("trip_answers", list(trip["answer"]))
trip

# %% [markdown]
# Four lessons hide in this table:
#
# - `/app1/whoami` and `/app1/hello` reached `app1`: a `Prefix` path covers
#   everything below it. With real containers, the `pod` column and the
#   answer agree: the pod that served the request says its own name.
# - `/apple` matched nothing, so the controller itself answers **404** from
#   its own default page (an Ingress may set a `defaultBackend` for such
#   requests). `Prefix` compares whole path *elements*: `/app1` is not a
#   prefix of `/apple`.
# - `shop.k8slab.test/app2/whoami` went to **app1**! The Ingress `single` has
#   a rule for that exact host, and a rule with a host always beats rules
#   without one. The controller first picks the host, then looks for a path
#   only among that host's rules, and `single` sends every path of its host to
#   `app1`. Its rule path is `/`, so nothing is stripped, and with real
#   containers app1 answers 404 to `/app2/whoami`.
# - The `status` column is the pod's answer, except for the requests no rule
#   matches: those never leave the (simulated) controller.

# %% [markdown]
# ## Prefix or Exact?
#
# Each path has a `pathType`:
#
# - `Exact`: the request path must be the very same string (case-sensitive).
# - `Prefix`: the request path must start with the rule's path, compared
#   element by element between the `/` separators; a trailing `/` is ignored.
# - `ImplementationSpecific`: up to the controller (most treat it as a
#   prefix; some read it as a regular expression when asked). `k8slab.ingress`
#   reads it as `Prefix`.
#
# When several paths match, the **longest** one wins, and `Exact` wins a tie.
# `ingress.path_matches` applies one path to one request:

# %%
cases = [("Prefix", "/app1", "/app1"), ("Prefix", "/app1", "/app1/"),
         ("Prefix", "/app1", "/app1/cart"), ("Prefix", "/app1", "/app10"),
         ("Exact", "/app1", "/app1"), ("Exact", "/app1", "/app1/"), ("Prefix", "/", "/anything")]
matches = pd.DataFrame([(t, p, q, ingress.path_matches(t, p, q)) for t, p, q in cases],
                       columns=["pathType", "rule path", "request path", "matches"])
lab.record("path_matches", list(matches["matches"]))
matches

# %% [markdown]
# ### Exercise 2: a host name for one application
#
# The team wants `admin.k8slab.test` to lead to `app2`, whatever the path
# (`/`, `/reports/2024`, even `/app1`), while other host names keep routing by
# path. Create an Ingress called `admin` (class `traefik`) with one rule for the
# host `admin.k8slab.test` and one path, `/` of type `Prefix`, to the Service
# `app2` port 80. Check with `ingress.route` or `ingress.send_all` before
# running the check (exercise id `10.host`). The solution is hidden after it.

# %%
# Your code here

# %%
lab.check("10.host", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
if solve_exercises:
    lab.apply("manifests/10-ingress-admin.yaml", namespace)
    lab.check("10.host", namespace)

# %% [markdown]
# Whatever way you wrote it, here is where requests now go:

# %%
hosts = ingress.send_all([("admin.k8slab.test", "/whoami"), ("admin.k8slab.test", "/app1"),
                          ("k8slab.test", "/app1/whoami")], namespace, strip_prefix=True)
lab.record("host_services", list(hosts["service"]))
lab.record("host_statuses", [int(s) for s in hosts["status"]])
hosts

# %% [markdown]
# With real containers, `admin.k8slab.test/app1` gets a 404 from a pod of
# **app2**: the proof that it went to app2, whose nginx has no `/app1` page
# (the rule's path is `/`, so there is nothing to strip).

# %% [markdown]
# ## On a cluster with a controller
#
# Neither lab engine runs an Ingress controller yet. On a cluster that runs
# one, three things change, and none of them is in your Ingress YAML:
#
# 1. **Someone installs a controller** and names its class. Traefik, for
#    instance (the controller k3s ships), creates the IngressClass `traefik`,
#    which is why our Ingresses ask for that name; HAProxy, Contour or a cloud
#    provider's load balancer controller each bring their own class. The
#    controller is ordinary pods (a Deployment or a DaemonSet) running a
#    proxy, plus the code that watches Ingresses and reconfigures the proxy.
# 2. **The proxy must be reachable from outside**: through a Service of type
#    `LoadBalancer` in a cloud, or ports 80 and 443 of a node. On kind, nodes
#    are containers, so the cluster's configuration must map those ports of a
#    node container to your machine (`extraPortMappings`), and this is fixed
#    when the cluster is created.
# 3. **The controller fills in the status.** Within seconds of your
#    `lab.apply`, `status.loadBalancer` gets an address, the controller may
#    emit Events about the Ingress, and
#    `curl -H 'Host: admin.k8slab.test' http://<address>/whoami` reaches a pod
#    of `app2` through the real proxy, with the routing rules you followed
#    here by hand.
#
# An Ingress can also terminate HTTPS: its `spec.tls` names the hosts and the
# Secret holding their certificate (often created by cert-manager).
#
# About the ecosystem: the community **ingress-nginx** controller, long the
# most common one, was retired by the Kubernetes project (announced in
# November 2025, best-effort maintenance until March 2026): do not install it
# on a new cluster. The `Ingress` API itself stays. Its designated successor is
# the **Gateway API** (`Gateway`, `HTTPRoute`...), a richer set of objects in
# which path rewriting is a standard filter, implemented by Envoy Gateway,
# Cilium, Traefik, NGINX Gateway Fabric and others. The ideas of this notebook,
# hosts, paths, backends and a controller that must exist, carry over
# unchanged.

# %% [markdown]
# ## Summary
#
# - An Ingress is a routing table for HTTP: rules of host and path, each
#   pointing to a Service port; `ingressClassName` names the controller meant to serve it.
# - The API server only stores it. An **Ingress controller** (installed
#   separately) configures a proxy and publishes its address in
#   `status.loadBalancer`; the lab's engines run none, so the status stays
#   empty.
# - The controller picks the host first (exact, then wildcard, then rules
#   without a host), then the longest matching path; `Exact` beats `Prefix` on a tie.
# - `Prefix` matches whole path elements: `/app1` covers `/app1/cart`, not `/apple`.
# - A controller forwards the path unchanged unless it is configured to
#   rewrite it; the application behind `/app1` must expect `/app1/...`.
# - `k8slab.ingress` simulates the controller's routing, then delivers each
#   request to a pod of the chosen Service through the API server; the answer
#   is the pod's own (real nginx on the host engine, simulated on kwok).
#
# ## What's next
#
# [11 · Extending Kubernetes](11-extending.ipynb) goes one step further: you
# will invent a kind of object of your own and write the controller that gives
# it a meaning.
#
# ## Clean-up
#
# Delete this notebook's namespace, its Ingresses, Services and Deployments.

# %%
lab.cleanup(namespace)
