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
# they do nothing on their own, start a real Ingress controller (Traefik), and
# send requests through it to see which Service and pod served each one. Then
# you write the same routing with the **Gateway API**, where the field is going.

# %% [markdown]
# ## Overview
#
# 1. Read an Ingress: its class, its rules (host and path), its backends (Service and port).
# 2. See that an Ingress is only data: without an Ingress **controller**, nothing serves it.
# 3. Start Traefik, a real controller, and watch it take the Ingress in charge.
# 4. Route two applications behind one entry point, by path (`/app1`, `/app2`).
# 5. Follow requests through the controller to the pods, and learn how `Prefix` and `Exact` match.
# 6. Give a whole host name to one application.
# 7. Route with a Gateway and an HTTPRoute, and rewrite a path with a standard filter.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | The two applications are Deployments |
# | [06 · Services](06-services.ipynb) | Necessary | An Ingress forwards to Services, never to pods directly |
# | HTTP: host, path, status codes | Helpful | `Host: shop.k8slab.test`, `GET /app1`, `404` |
#
# **Time to learn**: 40 minutes
#
# **Which engine**: the host engine (`k8slab up --engine host`), kind or
# minikube run real containers, so a real Traefik routes real requests. The
# kwok engine runs no container at all: there, no controller can run, and the
# notebook says so and **simulates** the routing with the library's Python
# reading of the rules; every simulated answer is labelled as such.
#
# This notebook needs two applications, `app1` and `app2`, each a Deployment
# behind a Service of the same name. The `lab.setup(...)` call below creates
# them in a fresh namespace, so you can start here.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb10-ingress")
address_wait = 5               # seconds to wait for an Ingress address that cannot come yet

# %% [markdown]
# ## Setup
#
# `lab.setup` creates the namespace afresh and applies
# `manifests/10-ingress-apps.yaml`: two Deployments (`app1` with two replicas,
# `app2` with one) and a Service in front of each, port 80, forwarding to the
# containers' port named `http` (8080). Both run the course's **echo** image:
# whatever the path, it answers one line that names the Service and the pod
# that served the request (the pod learns its own name from the downward API),
# the `Host` header and the path it received, and the proxy that relayed it.

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
print(f"engine: {engine} ·", "app1 and app2 are real echo servers in containers"
      if real_containers else "kwok simulates the pods: no container runs, and no controller can")

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
# ## Nobody is listening yet: the Ingress controller
#
# The API server accepted the Ingress and stored it. But who reads it? An
# Ingress, like a Deployment, is a wish; a **controller** turns it into
# reality. For Deployments, that controller ships with Kubernetes (inside
# `kube-controller-manager`). For Ingresses, **no controller ships with
# Kubernetes**: the cluster's administrator installs one, such as Traefik,
# HAProxy, Contour, or the load balancer controller of a cloud provider. Each
# one announces itself with an **IngressClass** object. When a controller takes
# an Ingress in charge, it configures its proxy and writes the proxy's address
# into the Ingress's `status.loadBalancer`. Here is ours:

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
lab.record("addresses_before", ingress.addresses(lab.get("Ingress", "single", namespace)))

# %% [markdown]
# An Ingress without a controller for its class is silently ignored: no
# error, no Event, no address. When an Ingress "does nothing", the first
# question is always: *is there a controller for its class?*

# %% [markdown]
# ## Starting a real controller: Traefik
#
# The lab uses **Traefik** (v3): a maintained, open-source reverse proxy and
# Ingress controller in a single Go program, which also implements the Gateway
# API. k8slab builds it from its source on the Go module proxy (once, then
# cached) and packs it into a local image, `k8slab.local/traefik:3.7.13`.
# `ingress.install_controller(namespace)` does what an administrator does:
# it applies `manifests/10-ingress-traefik.yaml` (a ServiceAccount, a
# ClusterRole that lets Traefik read Ingresses, Services and EndpointSlices and
# write Ingress status, its binding, the IngressClass `traefik`, a Deployment
# and a Service), then the Gateway API's CRDs and the GatewayClass `traefik`,
# waits for the pod and asks Traefik its version.
#
# In a real cluster one controller serves every namespace. Here, your Traefik
# watches only your namespace, so that attendees sharing a cluster never route
# each other's requests.
#
# On kwok no container runs, so there is no controller to start: the cell says
# so, and from here on `ingress.send_all` *simulates* the controller (it
# applies the rules in Python, then asks a pod of the chosen Service, whose
# answer kwok simulates too). Its `through` column always tells which.

# %%
if real_containers:
    controller = ingress.install_controller(namespace)
else:
    controller = None
    print("kwok runs no containers: no Ingress controller can run here. The routing below "
          "is simulated by k8slab.ingress (a Python reading of the rules), and the pods' "
          "answers are simulated by kwok.")
lab.record("controller_version", controller)

# %%
lab.record("ingress_classes", sorted(c["metadata"]["name"] for c in lab.list("IngressClass")))
lab.table("IngressClass")

# %% [markdown]
# With a controller running, its address appears in the Ingress's status
# within seconds. Traefik is told to publish `127.0.0.1`: the address at which
# you reach it in this lab, through a port-forward. On kwok nothing writes it.

# %%
try:
    lab.wait("Ingress", "single", namespace, until=ingress.has_address,
             timeout=60 if controller else address_wait)
except lab.WaitTimeout as err:
    print(err.message)
lab.record("addresses_after", ingress.addresses(lab.get("Ingress", "single", namespace)))

# %% [markdown]
# Now a first request. `ingress.send_all` sends each `(host, path)` to
# Traefik's entry point (port 8000 of its pod, through the API server's
# port-forward on 127.0.0.1; the printed `kubectl port-forward ... curl` line
# does the same) and reads the echo server's answer: `service` and `pod` say
# who served the request, `received` is the path the pod got, `via` the proxy
# pod that relayed it (Traefik's `X-Forwarded-Server` header).
#
# On kwok, the `through` column says `simulated`: the Service was chosen by
# `k8slab.ingress.route`, the request went straight to one of its pods, and
# kwok's simulated server answered (200 to any path, with no echo line, so
# `received` only repeats the path and `via` stays empty).

# %%
first = ingress.send_all([("shop.k8slab.test", "/"), ("shop.k8slab.test", "/cart")], namespace)
lab.record("first_services", list(first["service"]))
lab.record("first_via", list(first["via"]))
first

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
# `single` above, save it as a file or a string, and `lab.apply` it. Then run
# the check (exercise id `10.fanout`). The solution is hidden in the cell after the check.

# %%
# Your code here

# %%
lab.check("10.fanout", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/10-ingress-fanout.yaml"))
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
# ## Following requests
#
# How does a controller choose? It merges all the Ingresses of its class, picks
# the **host** first (an exact host beats a wildcard like `*.k8slab.test`, which
# beats rules without a host), then the **longest matching path** among that
# host's rules. `ingress.route(ingresses, host, path)` is k8slab's Python
# reading of those rules of the Ingress specification: use it to *predict*,
# then let the controller answer.

# %%
ingresses = lab.list("Ingress", namespace)
r = ingress.route(ingresses, "k8slab.test", "/app2/orders")
lab.record("route_app2", ingress.route_dict(r))
print("predicted:", r)

# %%
requests = [("k8slab.test", "/app1/whoami"), ("k8slab.test", "/app1/hello"),
            ("k8slab.test", "/app2/orders"), ("k8slab.test", "/app10"),
            ("shop.k8slab.test", "/app2/whoami")]
ingress.wait_served("k8slab.test", "/app2/orders", namespace)  # Traefik has read `fanout`
trip = ingress.send_all(requests, namespace)
lab.record("trip_services", list(trip["service"]))
lab.record("trip_pods", list(trip["pod"]))
lab.record("trip_received", list(trip["received"]))
lab.record("trip_statuses", [int(s) for s in trip["status"]])
lab.record("trip_via", list(trip["via"]))
lab.record("trip_through", list(trip["through"]))
lab.record("app_pods", {app: sorted(p["metadata"]["name"] for p in
                                    lab.list("Pod", namespace, labels={"app": app}))
                        for app in ("app1", "app2")})
trip

# %% [markdown]
# Four lessons hide in this table:
#
# - `/app1/whoami` and `/app1/hello` reached `app1`: a `Prefix` path covers
#   everything below it. The `pod` column names the pod that answered; run the
#   cell again and the two replicas of app1 may take turns.
# - The path is forwarded **unchanged** (`received`): app2 got `/app2/orders`,
#   not `/orders`. The application behind a prefix must expect it, or the
#   proxy must be told to remove it (you will do that with the Gateway API).
# - `/app10` matched nothing, so the controller itself answers **404** (an
#   Ingress may set a `defaultBackend` for such requests). `Prefix` compares
#   whole path *elements*: `/app1` is not a prefix of `/app10` (more on that below).
# - `shop.k8slab.test/app2/whoami` went to **app1**! The Ingress `single` has
#   a rule for that exact host, and a rule with a host always beats rules
#   without one: the controller looks for a path only among that host's rules.

# %% [markdown]
# ## Prefix or Exact?
#
# Each path has a `pathType`:
#
# - `Exact`: the request path must be the very same string (case-sensitive).
# - `Prefix`: the request path must start with the rule's path, compared
#   element by element between the `/` separators; a trailing `/` is ignored.
# - `ImplementationSpecific`: up to the controller (Traefik treats it as a
#   prefix). `k8slab.ingress` reads it as `Prefix`.
#
# Controllers do not all follow the letter of it: Traefik's own `PathPrefix`
# compares characters, so by default its Ingress provider lets `/app1` match
# `/app10`. The lab's Traefik runs with
# `--providers.kubernetesIngress.strictPrefixMatching=true`, which makes it
# compare path elements as the specification says. Read your controller's
# documentation on this point before you rely on it.
#
# When several paths match, the **longest** one wins, and `Exact` wins a tie.
# `ingress.path_matches` applies one path to one request, as the specification says:

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
# path. Write an Ingress called `admin` (class `traefik`) with one rule for the
# host `admin.k8slab.test` and one path, `/` of type `Prefix`, to the Service
# `app2` port 80, and apply it. Try it with `ingress.send_all` before running
# the check (exercise id `10.host`). The solution is hidden after it.

# %%
# Your code here

# %%
lab.check("10.host", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/10-ingress-admin.yaml"))
lab.apply("manifests/10-ingress-admin.yaml", namespace)
lab.check("10.host", namespace)

# %% [markdown]
# Whatever way you wrote it, here is where requests now go. A controller
# applies a changed Ingress a moment later (Traefik gathers changes for half a
# second before it reloads), so the cell first waits, with
# `ingress.wait_served`, until Traefik routes the new host.

# %%
ingress.wait_served("admin.k8slab.test", "/whoami", namespace)
hosts = ingress.send_all([("admin.k8slab.test", "/whoami"), ("admin.k8slab.test", "/app1"),
                          ("k8slab.test", "/app1/whoami")], namespace)
lab.record("host_services", list(hosts["service"]))
lab.record("host_statuses", [int(s) for s in hosts["status"]])
hosts

# %% [markdown]
# `admin.k8slab.test/app1` reached **app2**, and app2 received `/app1`: the
# rule's path is `/`, so the host alone decided.

# %% [markdown]
# ## The Gateway API: Gateway and HTTPRoute
#
# The Ingress API is frozen: it will stay, but new features go to its
# successor, the **Gateway API**, a set of CRDs maintained by the Kubernetes
# project (`gateway.networking.k8s.io`). It splits the job in roles:
#
# - a **GatewayClass** names a controller (the cluster's administrator; like an IngressClass),
# - a **Gateway** is an entry point: a class, listeners with a port and a protocol
#   (the platform team),
# - an **HTTPRoute** attaches host names and rules to a Gateway (the application team).
#
# Rewriting a path is a **standard filter** there (`URLRewrite`), where an
# Ingress needs a controller's own annotation or middleware.
# `manifests/10-ingress-gateway.yaml` holds a Gateway `web` (class `traefik`,
# HTTP on Traefik's port 8000) and an HTTPRoute `shop` for the host
# `gw.k8slab.test`: `/shop/...` goes to app1 **without** its `/shop` prefix,
# `/orders/...` to app2 unchanged.
#
# The Gateway API is not built into Kubernetes: its CRDs must be installed
# first (`install_controller` did it; the next cell makes sure, on kwok too:
# k8slab takes them from the Gateway API's Go module, version below).

# %%
lab.record("gateway_api", ingress.install_gateway_api())
lab.apply("manifests/10-ingress-gateway.yaml", namespace)
try:
    lab.wait("HTTPRoute", "shop", namespace, until=ingress.route_accepted,
             timeout=60 if controller else address_wait)
except lab.WaitTimeout as err:
    print(err.message)
status_rows = ingress.route_status(lab.get("HTTPRoute", "shop", namespace))
lab.record("route_conditions", sorted({(r["type"], r["status"]) for r in status_rows}))
pd.DataFrame(status_rows, columns=["gateway", "controller", "type", "status", "reason"])

# %% [markdown]
# With Traefik running, the table shows the conditions it wrote: `Accepted`
# (the route is attached to the Gateway) and `ResolvedRefs` (its Services
# exist). On kwok it is empty: the API server stored the objects, and no
# controller read them. Now the requests (on kwok, `send_all` only simulates
# Ingress rules, so these go unanswered there: the table says 404 for each).

# %%
if controller:
    ingress.wait_served("gw.k8slab.test", "/shop/whoami", namespace)
    gw = ingress.send_all([("gw.k8slab.test", "/shop/whoami"), ("gw.k8slab.test", "/orders/7"),
                           ("gw.k8slab.test", "/app1")], namespace)
    lab.record("gateway_services", list(gw["service"]))
    lab.record("gateway_received", list(gw["received"]))
    lab.record("gateway_statuses", [int(s) for s in gw["status"]])
else:
    gw = pd.DataFrame([{"host": "gw.k8slab.test", "note": "simulated engine: no controller "
                        "serves the Gateway, nothing to send"}])
gw

# %% [markdown]
# `/shop/whoami` reached app1 as `/whoami`: the `URLRewrite` filter removed the
# prefix. `/orders/7` reached app2 unchanged. And `gw.k8slab.test/app1`? No rule
# of the HTTPRoute matches it, yet app1 answered: Traefik merges the Ingresses
# and the HTTPRoutes it serves into **one** routing table, and the Ingress
# `fanout` (no host, `/app1`) matches every host name. One controller, two
# APIs, one set of routes: keep that in mind on a cluster that uses both.

# %% [markdown]
# ## On kind, minikube, and in production
#
# Three things differ on other clusters, and none of them is in your YAML:
#
# 1. **Who installs the controller.** An administrator, once, in its own
#    namespace (`helm install traefik traefik/traefik`, or the one k3s ships).
#    k3s ships Traefik; the community **ingress-nginx** controller was retired
#    by the Kubernetes project (best-effort maintenance ended in March 2026):
#    do not install it on a new cluster. Traefik, HAProxy, Contour, Envoy
#    Gateway, Cilium and NGINX Gateway Fabric are maintained choices.
# 2. **How the proxy is reached.** Through a Service of type `LoadBalancer` in a
#    cloud, or ports 80 and 443 of a node. On kind, nodes are containers, so the
#    cluster's configuration maps those ports of a node container to your
#    machine: `manifests/kind-cluster.yaml` gives the control-plane node
#    `extraPortMappings` 80 and 443 on 127.0.0.1 and the label
#    `ingress-ready=true`, where a controller's pod is then placed (a
#    `nodeSelector`) with `hostPort` 80 and 443. This is fixed when the cluster
#    is created.
# 3. **HTTPS.** An Ingress's `spec.tls` (or a Gateway listener's
#    `certificateRefs`) names the Secret holding a certificate, often made by
#    cert-manager.

# %% [markdown]
# ## Summary
#
# - An Ingress is a routing table for HTTP: rules of host and path, each
#   pointing to a Service port; `ingressClassName` names the controller meant to serve it.
# - The API server only stores it. An **Ingress controller** (installed
#   separately, here Traefik) configures a proxy and publishes its address in
#   `status.loadBalancer`; without one, nothing happens and nothing complains.
# - The controller picks the host first (exact, then wildcard, then rules
#   without a host), then the longest matching path; `Exact` beats `Prefix` on a tie.
# - `Prefix` matches whole path elements: `/app1` covers `/app1/cart`, not `/apple`.
# - The path is forwarded unchanged unless the proxy is told to rewrite it.
# - The Gateway API (GatewayClass, Gateway, HTTPRoute) is Ingress's successor,
#   with roles and standard filters such as `URLRewrite`; Traefik serves both.
# - On kwok no controller can run: the notebook simulates the routing and says so.
#
# ## What's next
#
# [11 · Extending Kubernetes](11-extending.ipynb) goes one step further: you
# will invent a kind of object of your own and write the controller that gives
# it a meaning.
#
# ## Clean-up
#
# Delete this notebook's namespace: Traefik, its Ingresses, Gateway, HTTPRoute,
# Services and Deployments go with it, and `lab.cleanup` also deletes the
# ClusterRoleBinding made for it. The IngressClass, GatewayClass, ClusterRole
# and the Gateway API CRDs are cluster-wide and stay for the next lesson (they
# serve nothing without a controller); `k8slab down` removes everything.

# %%
lab.cleanup(namespace)
lab.record("bindings_left", [b["metadata"]["name"] for b in lab.list("ClusterRoleBinding")
                             if b["metadata"]["name"] == f"k8slab-traefik-{namespace}"])
