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
# # 06 · Services
#
# Pods are disposable: notebook 04 showed that a re-created pod gets a new
# address, and notebook 05 that a Deployment replaces its pods whenever it
# likes. So how does anyone talk to them? Through a **Service**: a durable
# object with a stable name and a stable virtual IP address, that forwards
# traffic to whichever pods currently match its label selector. In this
# notebook you put a Service in front of the `web` Deployment, watch its list
# of endpoints follow the pods, send it HTTP requests, open it on the nodes'
# ports, and repair a Service that reaches nobody.

# %% [markdown]
# ## Overview
#
# 1. Create a ClusterIP Service and read its label selector and ports.
# 2. Find its endpoints in EndpointSlices, the objects that list the pods behind it.
# 3. Check that its name and IP stay put while its pods come and go.
# 4. Send HTTP requests to it through a port-forward, and see which pod answered.
# 5. Call it by name from inside the cluster, from another pod.
# 6. Expose it on every node with a NodePort Service.
# 7. Diagnose a Service whose selector matches no pod.
# 8. Repair pods that run but are not ready, so that their Service reaches them.

# %% [markdown]
# ## Prerequisites
#
# | Concepts | Importance | Notes |
# | --- | --- | --- |
# | [04 · Pods](04-pods.ipynb) | Necessary | Labels, container ports, pod IPs that change |
# | [05 · Deployments](05-deployments.ipynb) | Necessary | The `web` Deployment and its pods |
# | Ports and HTTP, in broad strokes | Helpful | A request goes to an address and a port |
#
# **Time to learn**: 30 minutes
#
# This notebook starts where notebook 05 left off: the `web` Deployment with
# three pods labelled `app=web`, running the course's `web` image (nginx
# 1.22.1 from Debian, packed by k8slab, listening on 8080; its `/hello` page
# names the pod that answered). You do not need to have run notebook 05: the
# setup cell below recreates that state in a fresh namespace.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
import os  # namespace: yours in a workshop hub (K8SLAB_NAMESPACE), else this notebook's

namespace = os.environ.get("K8SLAB_NAMESPACE", "nb06-services")
timeout = 60

# %% [markdown]
# ## Setup
#
# Import the library, then bring a fresh namespace to this notebook's starting
# state: `lab.setup` applies the Deployment and waits until its pods run.
# Importing it also gives cells that start with `%kubectl`: they run the lab's
# real kubectl against the lab cluster (`{namespace}` is replaced by this
# notebook's namespace), for the commands you would type on any cluster.

# %% tags=["setup"]
import time
import urllib.request
from collections.abc import Callable

import k8slab as lab

lab.setup(namespace, "manifests/06-services-web.yaml")

# %% [markdown]
# Which engine runs this lab? On the **host** engine (and on kind or
# minikube) the pods are real containers on a real network: kube-proxy on the
# node routes Service addresses, CoreDNS answers Service names. On the
# **kwok** engine the API objects are just as real, but the nodes are
# simulated: no container runs, no packet flows, and the addresses are only
# numbers written into the objects.

# %%
status = lab.status()
engine = status["engine"]
# The nodes say whether containers run (a workshop attendee sees engine "workshop").
real_containers = not all(node["simulated"] for node in status["nodes"])
print(f"engine: {engine} ·", "real containers and network" if real_containers
      else "simulated nodes (kwok): no container runs, no traffic flows")

# %% [markdown]
# ## The problem: moving targets
#
# Here are the three pods. Each has its own IP address, and each address
# lives exactly as long as its pod.

# %%
lab.table("Pod", namespace)[["name", "phase", "node", "ip"]]

# %% [markdown]
# A client that remembered one of these addresses would break at the next
# update, scale-down or node failure. It needs one address for "the web
# pods, whichever they are right now". That is a Service.

# %% [markdown]
# ## A Service: one name, one address
#
# Here is the Service we are about to create:

# %%
lab.manifest("manifests/06-services-web-svc.yaml")

# %% [markdown]
# - `selector: {app: web}`: the Service is for every pod carrying the label
#   `app=web`. It does not name pods; it describes them. This is the same
#   label mechanism a Deployment uses to count its pods.
# - `ports`: clients connect to `port` 80 of the Service; traffic arrives at
#   `targetPort` on the pod. We gave the port by *name*, `http`, the name the
#   pod template gave to 8080: if the pods ever move to another port, the
#   Service follows.
# - `type: ClusterIP` (the default) gives the Service a virtual IP address,
#   reachable from inside the cluster only.

# %%
web_service = lab.apply("manifests/06-services-web-svc.yaml", namespace)[0]
cluster_ip = web_service["spec"]["clusterIP"]
print("ClusterIP:", cluster_ip, "· DNS name:", f"web.{namespace}.svc.cluster.local")

# %% [markdown]
# The Service got its **ClusterIP** as soon as it was stored, taken from a
# range reserved for Services (separate from the pods' range), and it keeps
# it until it is deleted. It also has a DNS name: inside the cluster, `web`
# (from the same namespace) or `web.<namespace>.svc.cluster.local` (from
# anywhere) resolves to that IP. CoreDNS answers those names on kind and
# minikube, and the host engine runs it too (the `kube-dns` Service, at
# 10.96.0.10, is what every pod's `/etc/resolv.conf` names); on the kwok
# engine no pod runs to ask, so there the name is only a convention you can
# read. We will ask it from inside a pod below.

# %% [markdown]
# ## EndpointSlices: who is behind the Service
#
# The Service object itself holds no list of pods. A controller in the
# control plane, the **EndpointSlice controller**, watches Services and pods,
# and writes the matching pods' addresses into **EndpointSlice** objects,
# labelled with the Service's name. On every node, **kube-proxy** watches
# those slices and programs the node's network rules so that traffic to the
# ClusterIP goes to one of the listed pods.
#
# The next cell defines two small helpers that read the slices of a Service,
# and follow them with a watch until a condition holds.

# %%
def ready_endpoints(slices: list[dict]) -> dict[str, str]:
    """Pod name -> IP for each endpoint marked ready in these EndpointSlices."""
    return {ep["targetRef"]["name"]: ep["addresses"][0] for s in slices
            for ep in s.get("endpoints") or [] if ep["conditions"].get("ready")}


def wait_for_endpoints(service: str, done: Callable[[dict], bool]) -> dict[str, str]:
    """Watch a Service's EndpointSlices until done(endpoints) is true; return them."""
    slices: dict[str, dict] = {}
    for change, item in lab.watch("EndpointSlice", namespace, timeout=timeout,
                                  labels=f"kubernetes.io/service-name={service}"):
        if change == "DELETED":
            slices.pop(item["metadata"]["name"], None)
        else:
            slices[item["metadata"]["name"]] = item
        if done(ready_endpoints(list(slices.values()))):
            return ready_endpoints(list(slices.values()))
    raise lab.WaitTimeout(f"The endpoints of {service!r} did not settle in {timeout}s.",
                          "Look at lab.table('Pod', namespace) and the Service's selector.")


# %% [markdown]
# The controller needs a moment (well under a second) to write the slice.
# Let us wait until it lists the three pods:

# %%
before = wait_for_endpoints("web", lambda eps: len(eps) == 3)
before

# %% [markdown]
# `lab.table` shows each Service with its endpoints, read from these slices:

# %%
lab.table("Service", namespace)

# %% [markdown]
# The same, as kubectl shows it: the Service (with its selector, in `-o wide`)
# and its slices, found by their label:

# %%
# %kubectl get service web -n {namespace} -o wide
# %kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name=web

# %% [markdown]
# And here is the slice itself:

# %%
slices = lab.list("EndpointSlice", namespace, labels={"kubernetes.io/service-name": "web"})
for item in slices:
    print(item["metadata"]["name"], "· ports:", item["ports"])
    for ep in item["endpoints"]:
        print("  ", ep["addresses"], ep["targetRef"]["name"], ep["conditions"])

# %% [markdown]
# One slice (a slice holds up to 100 endpoints), whose port is 8080: the
# Service's target port, resolved from its name `http`. Each endpoint points
# at a pod (`targetRef`) and says whether that pod is ready. A pod that is not
# ready (its readiness probe fails, or it is shutting down) stays in the
# slice, marked `ready: false`, and kube-proxy sends it no traffic.

# %%
lab.record("cluster_ip", cluster_ip)
lab.record("endpoints_before", sorted(before))

# %% [markdown]
# ## Pods change, the Service stays
#
# Now let us be rough: delete every pod behind the Service. The Deployment
# replaces them (notebook 05), and the EndpointSlice controller updates the
# slice. We wait until the slice lists three ready pods, none of them an old
# one.

# %%
for pod_name in before:
    lab.delete("Pod", pod_name, namespace)
after = wait_for_endpoints("web", lambda eps: len(eps) == 3 and not set(eps) & set(before))
after

# %%
ip_after = lab.get("Service", "web", namespace)["spec"]["clusterIP"]
print("ClusterIP:", cluster_ip, "->", ip_after)
print("pod IPs:  ", sorted(before.values()), "->", sorted(after.values()))
lab.record("cluster_ip_after", ip_after)
lab.record("endpoints_after", sorted(after))

# %% [markdown]
# Three new pods, with new names and (most likely) new addresses; the
# Service's address did not move. Clients that use the Service, by its IP or
# better by its DNS name, never noticed. This is the contract of a Service:
# a durable front for ephemeral pods.

# %% [markdown]
# ## Talking to the Service
#
# A ClusterIP is virtual: no machine owns it. On a real cluster, kube-proxy's
# rules on each node catch packets sent to it and redirect them to a pod.
# From your laptop, outside the cluster, that address leads nowhere. On the
# kwok engine it is even less: the pod and Service addresses are *simulated*
# (no kube-proxy, no container behind them). In this course we **never**
# connect to pod or Service addresses from the lab machine: we go through the
# API server, or from inside another pod.
#
# The way in from outside is a **port-forward**, as with
# `kubectl port-forward service/web 8080:80`. Note who does what: the
# *client* (kubectl, or here the library) reads the Service, picks **one** of
# its pods, and asks the API server to open a stream to *that pod*; the API
# server relays the bytes to the pod's node, and the node into the pod. No
# Service routing is involved at all. `lab.http_get` sends one request that
# way:

# %%
response = lab.http_get("service/web", 80, "/", namespace)
print(response.status, "· simulated:", response.simulated)
print(response.body[:300])

# %% [markdown]
# On the host engine (and on kind or minikube) nginx itself answers, with the
# page "web 1.0". On kwok the answer comes from a tiny simulated server (its
# header `X-K8slab-Simulated: true` and its text say so), but it came through
# the real API server, to the pod the client picked.
#
# `lab.port_forward` keeps a local port open for as long as a `with` block
# runs, so any HTTP client on your machine can use it, here Python's own
# `urllib`. The local port is on `127.0.0.1`, your own machine. We ask for
# `/hello`, whose answer names the pod that served it:

# %%
with (lab.port_forward("service/web", 80, namespace) as local_port,
      urllib.request.urlopen(f"http://127.0.0.1:{local_port}/hello", timeout=10) as answer):
    forwarded_status = answer.status
    hello = answer.read().decode().strip()
    print(f"127.0.0.1:{local_port} ->", answer.status, answer.headers.get("Server"))
    print(hello if real_containers else hello[:120] + "...")

# %% [markdown]
# The pod that answered (on a real engine, its name is in the answer) is one
# of the three endpoints: the one the client picked when the forward started.
# A port-forward sticks to that pod. It is a debugging tool, not a load
# balancer: real traffic goes through the Service's IP (inside the cluster,
# next section) or through the ways in of the NodePort section and of
# notebook 10.

# %%
served_by = hello.split()[2] if real_containers else None
print("served by:", served_by or "(kwok: a simulated answer names no pod)",
      "· one of the endpoints:", served_by in after if served_by else "-")
lab.record("http_status", response.status)
lab.record("http_simulated", response.simulated)
lab.record("http_body", response.body)
lab.record("port_forward_status", forwarded_status)
lab.record("hello", hello)
lab.record("hello_pod", served_by)

# %% [markdown]
# ## From inside the cluster: a name and a balanced address
#
# Inside the cluster, a client simply calls `web` (or `web:80`): DNS turns
# the name into the ClusterIP, and kube-proxy's rules on the node send each
# new connection to one of the ready endpoints, picked at random. Let us be
# that client: a small BusyBox pod, from which we use `nslookup` and `nc`
# (netcat, writing a bare HTTP request by hand).

# %%
lab.apply("manifests/06-services-client.yaml", namespace)
lab.wait("Pod", "client", namespace, timeout=timeout)

# %% [markdown]
# On kwok this pod is simulated too, and `exec` there would run the command
# on the lab machine itself, not in a pod, so the next cell sends nothing on
# that engine. On a real engine it asks DNS for the Service's full name, then
# makes six requests to `web:80` (the short name works too: the pod's
# `/etc/resolv.conf` lists `<namespace>.svc.cluster.local` among the domains
# to try):

# %%
REQUEST = r"printf 'GET /hello HTTP/1.0\r\nHost: web\r\n\r\n' | nc -w 3 web 80 | tail -n 1"
if real_containers:
    lookup = lab.exec("pod/client", f"nslookup web.{namespace}.svc.cluster.local", namespace)
    print(*(line for line in lookup.splitlines() if line.strip()), sep="\n")
    answers = lab.exec("pod/client", f"for i in 1 2 3 4 5 6; do {REQUEST}; done",
                       namespace).splitlines()
    in_cluster = [line.strip() for line in answers if line.strip()]
    print(*in_cluster, sep="\n")
else:
    lookup, in_cluster = "", []
    print("kwok: no DNS server, no kube-proxy, no container: nothing to ask from inside")

# %% [markdown]
# On a real engine: DNS answered with the Service's ClusterIP, not with pod
# addresses, and the six answers usually come from more than one pod (the
# choice is random for each connection, so two or three different names
# appear). This is the Service doing its real job, which a port-forward
# never does.

# %%
in_cluster_pods = sorted({line.split()[2] for line in in_cluster if line.startswith("Hello")})
print("pods that answered:", in_cluster_pods or "(none on kwok)")
lab.record("dns_answer_has_cluster_ip", cluster_ip in lookup)
lab.record("in_cluster_answers", len(in_cluster))
lab.record("in_cluster_pods", in_cluster_pods)

# %% [markdown]
# ### Exercise 1: a second door to the same pods
#
# Several Services may select the same pods. Create a Service called
# `frontend` that selects the `app=web` pods and listens on port **8000**,
# forwarding to the pods' port 8080. Start from the Service manifest printed
# above (`lab.apply` also takes YAML text). The endpoints appear within a
# second: `wait_for_endpoints("frontend", lambda eps: len(eps) == 3)` waits
# for them. Then try `lab.http_get("service/frontend", 8000, "/", namespace)`
# and run the check (exercise id `06.frontend`). The solution is hidden in
# the cell after the check.

# %%
# Your code here

# %%
lab.check("06.frontend", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-frontend.yaml"))
lab.apply("manifests/06-services-frontend.yaml", namespace)
wait_for_endpoints("frontend", lambda eps: len(eps) == 3)
print(lab.http_get("service/frontend", 8000, "/", namespace).status)
lab.check("06.frontend", namespace)

# %% [markdown]
# ## NodePort: a port on every node
#
# A ClusterIP serves clients inside the cluster. To let traffic in from
# outside, the simplest type is **NodePort**: every node opens the same port,
# taken from the range 30000-32767, and forwards what arrives there to the
# Service. It still has a ClusterIP, too.

# %%
lab.apply("manifests/06-services-web-nodeport.yaml", namespace)
lab.table("Service", namespace)

# %% [markdown]
# The manifest names no node port: the API server picked a free one in the
# range and wrote it into the Service. That matters on a shared cluster: a
# node port is one per cluster, so if every attendee of a workshop asked for
# the same fixed number, only the first would get it. Read it back:

# %%
node_port_service = lab.get("Service", "web-nodeport", namespace)
node_port = node_port_service["spec"]["ports"][0]["nodePort"]
print("ports column:", f"80:{node_port}/TCP", "· node port:", node_port)

# %% [markdown]
# Port 80 on the ClusterIP, port `node_port` on each node. Who can reach it
# depends on where the nodes are:
#
# - On the **host** engine the node is this machine, and kube-proxy's rules
#   catch that port on the node's address. We still do not call it from the
#   lab machine (the course's network rule); the client pod calls the node's
#   address instead, as a machine of your network would. kube-proxy needs a
#   moment to write the rules of a new Service: a first try may be refused.
# - On **kind**, the nodes are containers on your machine; only the ports the
#   kind configuration maps in advance are reachable from it
#   (`manifests/kind-cluster.yaml` maps 30080).
# - On **minikube**, `minikube service web-nodeport --url` prints the address.
# - On **kwok**, the nodes are simulated and no kube-proxy runs: nothing
#   listens on the node port. The Service is real (stored, validated, given
#   its port), but no traffic can flow through it.
#
# In the cloud, type **LoadBalancer** goes one step further: the cloud
# provider puts a load balancer with a public address in front of the node
# ports. Notebook 10 shows the usual way for web traffic, an Ingress.

# %%
node = lab.get("Node", lab.get("Pod", "client", namespace)["spec"]["nodeName"])
node_ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
if real_containers:
    request = REQUEST.replace("nc -w 3 web 80", f"nc -w 3 {node_ip} {node_port}")
    for _ in range(15):  # kube-proxy programs the new port within a second or two
        via_node_port = lab.exec("pod/client", request, namespace).strip()
        print(f"{node_ip}:{node_port} ->", via_node_port)
        if via_node_port.startswith("Hello"):
            break
        time.sleep(1)
else:
    via_node_port = ""
    print(f"kwok: node {node['metadata']['name']} ({node_ip}) is simulated; "
          f"nothing listens on port {node_port}")

# %%
lab.record("nodeport_type", node_port_service["spec"]["type"])
lab.record("node_port", node_port)
lab.record("via_node_port", via_node_port)

# %% [markdown]
# ## A Service that reaches nobody
#
# A colleague wrote a Service for the web pods, called `storefront`. It was
# accepted without complaint, yet every request through it fails. Let us look.

# %%
lab.apply("manifests/06-services-storefront.yaml", namespace)
lab.table("Service", namespace)

# %% [markdown]
# Its `endpoints` column is empty. The API server cannot reject such a
# Service: a selector that matches no pod *today* may match pods tomorrow.
# So a typo in a selector is silent. `lab.diagnose` compares the selector with
# the labels of the pods in the namespace:

# %%
storefront_diagnosis = lab.diagnose("Service", "storefront", namespace)
print(storefront_diagnosis)
lab.table("Pod", namespace, labels={"app": "web"})[["name", "phase"]]

# %% [markdown]
# With kubectl, the two things to compare are the Service's `Selector` (in
# `describe`, next to `Endpoints: <none>`) and the pods' labels:

# %%
# %kubectl describe service storefront -n {namespace}
# %kubectl get pods -n {namespace} --show-labels

# %% [markdown]
# And a request through it has no pod to go to:

# %%
try:
    lab.http_get("service/storefront", 80, "/", namespace)
    storefront_error = ""
except lab.K8sLabError as err:
    storefront_error = err.message
    print(err.message)

# %%
storefront_slices = lab.list("EndpointSlice", namespace,
                             labels={"kubernetes.io/service-name": "storefront"})
lab.record("storefront_endpoints", len(ready_endpoints(storefront_slices)))
lab.record("storefront_diagnosis", storefront_diagnosis)
lab.record("storefront_error", storefront_error)

# %% [markdown]
# ### Exercise 2: repair the storefront
#
# Make the `storefront` Service reach the web pods. Only its selector is
# wrong: apply it again with a selector that matches the pods' labels (what
# are they? `lab.get("Pod", name, namespace)["metadata"]["labels"]` tells).
# Unlike a pod's spec, a Service's selector can be changed in place. Wait for
# the endpoints (`wait_for_endpoints("storefront", lambda eps: len(eps) > 0)`),
# then run the check (exercise id `06.fix-selector`). The solution is hidden in
# the cell after the check.

# %%
# Your code here

# %%
lab.check("06.fix-selector", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-storefront-fixed.yaml"))
lab.apply("manifests/06-services-storefront-fixed.yaml", namespace)
wait_for_endpoints("storefront", lambda eps: len(eps) > 0)
lab.check("06.fix-selector", namespace)

# %% [markdown]
# ## Running is not ready
#
# A Service sends traffic only to **ready** endpoints, and "ready" is what
# the pod's **readiness probe** says: the kubelet asks it regularly (here an
# HTTP GET), and marks the pod ready only while it succeeds. A pod can thus
# run for ever and receive nothing. Another colleague deployed a `shop`, two
# pods and a Service; the pods are `Running`, yet the shop is unreachable:

# %%
lab.apply("manifests/06-services-shop.yaml", namespace)


def shop_unhealthy_events() -> list[str]:
    """The messages of the Unhealthy events of the shop's pods."""
    events = lab.events(namespace)
    mine = events[(events["reason"] == "Unhealthy") & events["object"].str.contains("shop-")]
    return list(mine["message"])


def shop_stuck() -> bool:
    """Both shop pods run, none is ready, and the kubelet said why (an HTTP answer)."""
    pods = [p for p in lab.list("Pod", namespace, labels={"app": "shop"})
            if p["status"].get("phase") == "Running"]
    ready = [p for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                    for c in p["status"].get("conditions") or [])]
    answered = [m for m in shop_unhealthy_events() if "statuscode" in m]
    return len(pods) == 2 and not ready and bool(answered)


deadline = time.monotonic() + timeout
while not shop_stuck():  # look once a second: the probe runs every 2 s
    if time.monotonic() > deadline:
        raise lab.WaitTimeout("The shop pods did not settle.", "Look at lab.events(namespace).")
    time.sleep(1)
lab.table("Pod", namespace, labels="app=shop")

# %% [markdown]
# Running, but not ready (`READY 0/1` in kubectl's words); the Service lists
# both pods in its slice, marked `ready: false`, and has no *ready* endpoint to send
# traffic to. The warnings of the namespace say why:

# %%
# %kubectl get pods -n {namespace} -l app=shop
# %kubectl events -n {namespace} --types=Warning

# %% [markdown]
# The same messages and the slice's verdict, read from the API:

# %%
print(*sorted(set(shop_unhealthy_events())), sep="\n")
unhealthy = next(m for m in shop_unhealthy_events() if "statuscode" in m)
shop_slices = lab.list("EndpointSlice", namespace,
                       labels={"kubernetes.io/service-name": "shop"})
print("shop endpoints:", [(ep["targetRef"]["name"], ep["conditions"].get("ready"))
                          for s in shop_slices for ep in s.get("endpoints") or []])
lab.record("shop_ready_endpoints", len(ready_endpoints(shop_slices)))
lab.record("shop_unhealthy_message", unhealthy)

# %% [markdown]
# On a real node nginx itself answered the probe with `404`; on kwok, kwok
# plays the same answer (its message says so), driven by the probe's path.
# On a busy real node you may also see `connection refused`: a first probe
# that ran before nginx was listening. That one is harmless (a probe that
# fails then passes makes the pod ready a little later); the `404` is not.
#
# ### Exercise 3: open the shop
#
# Make the `shop` pods ready endpoints of their Service. Look at the probe in
# the manifest (`lab.manifest("manifests/06-services-shop.yaml")`), compare
# with the pages the web image serves (`/`, `/hello`, `/healthz`, `/whoami`),
# fix the YAML and apply it. The Deployment rolls out new pods (`%kubectl
# rollout status deployment/shop -n {namespace}` follows it); wait for two
# ready endpoints with `wait_for_endpoints("shop", lambda eps: len(eps) == 2)`,
# then run the check (exercise id `06.readiness`). The solution is hidden in
# the cell after the check.

# %%
# Your code here

# %%
lab.check("06.readiness", namespace)

# %% tags=["solution"] jupyter={"source_hidden": true}
print(lab.manifest("manifests/06-services-shop-fixed.yaml"))
lab.apply("manifests/06-services-shop-fixed.yaml", namespace)
wait_for_endpoints("shop", lambda eps: len(eps) == 2)
# %kubectl rollout status deployment/shop -n {namespace} --timeout=60s
lab.check("06.readiness", namespace)

# %% [markdown]
# The Services of the namespace, and their endpoints, once the exercises are done:

# %%
services = lab.table("Service", namespace)
lab.record("services", sorted(services["name"]))
services

# %% [markdown]
# ## Summary
#
# - A **Service** gives a changing set of pods one stable name and one stable
#   virtual IP (its ClusterIP). It finds its pods with a **label selector**.
# - The EndpointSlice controller lists the matching pods in
#   **EndpointSlices**, each marked ready or not; kube-proxy on each node
#   routes the ClusterIP to the ready ones, a random one per connection.
# - Pods can all be replaced: the endpoints change, the Service does not.
# - Inside the cluster, clients call the Service by its DNS name. From
#   outside, a **port-forward** (`lab.http_get`, `lab.port_forward`) reaches
#   one pod that the client picked, through the API server.
# - **NodePort** opens the same port on every node; let the API server pick
#   it. On kwok nothing listens on it.
# - A selector that matches no pod leaves the Service without endpoints, and
#   no error anywhere: look at the `endpoints` column, or ask `lab.diagnose`.
# - A pod that runs but fails its **readiness probe** stays out of the
#   Service's ready endpoints: its `Unhealthy` events say why.
#
# ## What's next
#
# [07 · Workloads](07-workloads.ipynb) meets the other controllers: Jobs and
# CronJobs for tasks that finish, StatefulSets for pods that need a stable
# identity, DaemonSets for one pod per node.
#
# ## Clean-up
#
# Delete this notebook's namespace and everything in it.

# %%
lab.cleanup(namespace)
