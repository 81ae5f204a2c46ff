"""Real containers on the host engine: what kwok can only simulate, observed for real."""

from __future__ import annotations

import time

import k8slab as lab
from k8slab._core import resources as _resources

WEB = """
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: nginx
    image: k8slab.local/web:1.0
    ports: [{containerPort: 8080, name: http}]
"""

CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: k8slab.local/busybox:1.35
    command: ["sleep", "3600"]
"""


def _poll(what, predicate, timeout: float = 120, every: float = 1.0):
    """Poll ``predicate()`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {timeout:.0f}s (last: {last!r})")


def _container_status(ns: str, pod: str) -> dict:
    obj = _resources.find("Pod", pod, ns) or {}
    statuses = (obj.get("status") or {}).get("containerStatuses") or [{}]
    return statuses[0]


def test_the_node_is_real(cluster):
    nodes = lab.list("Node")
    assert len(nodes) == 1
    node = nodes[0]
    info = node["status"]["nodeInfo"]
    assert info["containerRuntimeVersion"].startswith("containerd://1.")
    assert info["kubeletVersion"] == "v1.36.3"
    assert "kwok.x-k8s.io/node" not in (node["metadata"].get("annotations") or {})
    assert node["metadata"]["name"] == cluster.extra["node"]


def test_nginx_really_serves_logs_and_execs(ns):
    lab.apply(WEB, ns)
    lab.wait("Pod", "web", ns)
    answer = lab.http_get("pod/web", 8080, "/hello", ns)
    assert answer.status == 200
    assert answer.body.strip() == "Hello from web (web 1.0)"
    assert "nginx/1.22.1" in lab.logs("web", ns)
    assert "GET /hello" in _poll("the access log line", lambda: lab.logs("web", ns)
                                 if "GET /hello" in lab.logs("web", ns) else "")
    assert lab.exec("web", ["id"], ns).startswith("uid=101(nginx)")
    processes = lab.exec("web", ["ps"], ns)
    assert "nginx: master process" in processes


def test_service_and_dns_from_inside_a_pod(ns):
    lab.apply(WEB, ns)
    lab.apply(CLIENT, ns)
    lab.apply("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
""", ns)
    lab.wait("Pod", "web", ns)
    lab.wait("Pod", "client", ns)
    cluster_ip = lab.get("Service", "web", ns)["spec"]["clusterIP"]
    lookup = lab.exec("client", ["nslookup", f"web.{ns}.svc.cluster.local"], ns)
    assert cluster_ip in lookup
    reply = _poll("an answer through the Service", lambda: lab.exec(
        "client", "printf 'GET /hello HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80", ns))
    assert "200 OK" in reply and "Hello from web" in reply


def test_a_failing_command_goes_into_crash_loop_back_off(ns):
    lab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: c
    image: k8slab.local/busybox:1.35
    command: ["sh", "-c", "echo about to fail; exit 3"]
""", ns)
    status = _poll("CrashLoopBackOff", lambda: (s := _container_status(ns, "crash"))
                   and (s.get("state", {}).get("waiting", {}).get("reason")
                        == "CrashLoopBackOff") and s)
    assert status["restartCount"] >= 1
    assert status["lastState"]["terminated"]["exitCode"] == 3
    assert "about to fail" in lab.logs("crash", ns, previous=True)


def test_a_failing_liveness_probe_restarts_the_container(ns):
    lab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: k8slab.local/busybox:1.35
    command: ["sh", "-c", "touch /tmp/healthy; sleep 4; rm /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
""", ns)
    _poll("a liveness restart", lambda: _container_status(ns, "probed").get("restartCount", 0)
          >= 1, timeout=90)
    events = lab.list("Event", ns)
    reasons = {e.get("reason") for e in events
               if (e.get("involvedObject") or {}).get("name") == "probed"}
    assert {"Unhealthy", "Killing"} <= reasons


def test_an_unknown_image_cannot_be_pulled(ns):
    lab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers:
  - name: c
    image: k8slab.local/does-not-exist:0.1
""", ns)
    reason = _poll("an image pull error", lambda: _container_status(ns, "typo").get(
        "state", {}).get("waiting", {}).get("reason") in ("ErrImagePull", "ImagePullBackOff")
        and _container_status(ns, "typo")["state"]["waiting"]["reason"], timeout=60)
    assert reason in ("ErrImagePull", "ImagePullBackOff")


def test_two_containers_share_an_empty_dir(ns):
    lab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: pair}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: k8slab.local/busybox:1.35
    command: ["sh", "-c", "echo written-by-writer > /shared/note; sleep 3600"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  - name: reader
    image: k8slab.local/busybox:1.35
    command: ["sleep", "3600"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  volumes: [{name: shared, emptyDir: {}}]
""", ns)
    lab.wait("Pod", "pair", ns)
    note = _poll("the shared file", lambda: lab.exec(
        "pair", "cat /shared/note 2>/dev/null || true", ns, container="reader").strip())
    assert note == "written-by-writer"


def test_a_claim_gets_a_real_volume_that_outlives_its_pod(ns):
    claim = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
"""
    pod = """
apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: k8slab.local/busybox:1.35
    command: ["sh", "-c", "%s; sleep 3600"]
    volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
"""
    lab.apply(claim, ns)
    lab.wait("PersistentVolumeClaim", "data", ns)
    pv_name = lab.get("PersistentVolumeClaim", "data", ns)["spec"]["volumeName"]
    pv = lab.get("PersistentVolume", pv_name)
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == \
        "k8slab.io/host-path"
    lab.apply(pod % ("writer", "echo kept > /data/proof"), ns)
    lab.wait("Pod", "writer", ns)
    _poll("the write", lambda: lab.exec("writer", "cat /data/proof 2>/dev/null || true",
                                        ns).strip() == "kept")
    lab.delete("Pod", "writer", ns)
    lab.wait("Pod", "writer", ns, until="deleted")
    lab.apply(pod % ("reader", "true"), ns)
    lab.wait("Pod", "reader", ns)
    assert lab.exec("reader", ["cat", "/data/proof"], ns).strip() == "kept"
    lab.delete("Pod", "reader", ns)
    lab.wait("Pod", "reader", ns, until="deleted")
    lab.delete("PersistentVolumeClaim", "data", ns)
    _poll("the volume's deletion", lambda: _resources.find("PersistentVolume", pv_name) is None,
          timeout=60)


def test_the_kubelet_did_not_keep_the_hosts_kernel_settings(cluster):
    from k8slab.engines import host, host_state

    before = host_state.HostSnapshot.load(host.node_dir() / "host-before.json")
    assert before is not None
    now = host_state.read_sysctls()
    for name in ("vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops"):
        assert now[name] == before.sysctls[name], name
