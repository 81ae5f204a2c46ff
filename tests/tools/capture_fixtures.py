"""Capture real API objects from the lab cluster as JSON fixtures for unit tests.

Run against a live cluster (``./run setup && k8slab up`` first):

    python -m tests.tools.capture_fixtures

The unit tests then build tables and judge rollouts from objects exactly as
the API server returns them, without needing a cluster.
"""

from __future__ import annotations

import json
from pathlib import Path

import k8slab as lab

OUT = Path(__file__).resolve().parent.parent / "unit" / "fixtures"
NS = "capture-fixtures"

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: orphan}
spec:
  selector: {app: nothing-has-this-label}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  containers:
  - name: c
    image: busybox
    resources: {requests: {cpu: "64"}}
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lab.namespace(NS)
    lab.apply(MANIFEST, NS)
    lab.wait("Deployment", "web", NS)
    import time

    time.sleep(2)
    dumps = {
        "pods": lab.list("Pod", NS),
        "deployments": lab.list("Deployment", NS),
        "replicasets": lab.list("ReplicaSet", NS),
        "services": lab.list("Service", NS),
        "endpointslices": lab.list("EndpointSlice", NS),
        "events": lab.list("Event", NS),
        "nodes": lab.list("Node"),
    }
    for name, items in dumps.items():
        (OUT / f"{name}.json").write_text(json.dumps(items, indent=1, default=str) + "\n")
        print(f"{name}: {len(items)}")
    lab.cleanup(NS, wait_for=False)


if __name__ == "__main__":
    main()
