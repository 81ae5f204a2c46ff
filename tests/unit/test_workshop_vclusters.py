"""Workshop mode ``cluster`` without a cluster: the attendee's identity, kubeconfig, ports, cost.

The clusters themselves are started in tests/integration/test_workshop_vclusters.py.
"""

from __future__ import annotations

import os
import socket

import yaml

from k8slab.workshop import _vclusters as vc
from k8slab.workshop._objects import ClusterInfo, Quota, attendee_objects


def test_attendee_is_cluster_admin_through_rbac_not_system_masters():
    sa, binding = vc.admin_objects("vc-01")
    assert (sa["kind"], sa["metadata"]["namespace"]) == ("ServiceAccount", "kube-system")
    assert binding["roleRef"]["name"] == "cluster-admin"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "vc-01",
                                    "namespace": "kube-system"}]


def test_kubeconfig_has_no_namespace_and_counts_as_a_kwok_lab(tmp_path, monkeypatch):
    cfg = vc.build_vcluster_kubeconfig(ClusterInfo("https://127.0.0.1:37001", "Q0E="),
                                       "vc-02", "t0ken")
    assert cfg["current-context"] == "k8slab-vcluster-vc-02"
    assert cfg["clusters"][0]["cluster"] == {"server": "https://127.0.0.1:37001",
                                             "certificate-authority-data": "Q0E="}
    path = tmp_path / "vc-02.kubeconfig.yaml"
    path.write_text(yaml.safe_dump(cfg))
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(path))
    from k8slab._core.guard import is_lab
    from k8slab._core.target import attendee_namespace, attendee_record

    record = attendee_record()
    # The notebooks read the engine: a kwok cluster of one's own is "kwok" (simulated).
    assert record.engine == "kwok" and is_lab(record)
    assert attendee_namespace() is None   # every namespace is theirs


def test_pick_port_skips_taken_and_busy_ports():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert vc.pick_port(port, set()) != port
        assert vc.pick_port(port, {port + 1}) not in (port, port + 1)


def test_memory_of_this_process_is_counted():
    rss, pss = vc.memory([os.getpid()])
    assert rss > 10 and 0 < pss <= rss * 1.01
    assert vc.memory([]) == (0.0, 0.0)


def test_cost_line_says_per_attendee_and_total(tmp_path):
    clusters = [vc.VCluster(f"vc-0{i}", "vc", 37000 + i, tmp_path, running=True,
                            rss_mib=600.0, pss_mib=400.0) for i in (1, 2)]
    line = vc.cost_line(clusters)
    assert "600 MiB RSS per attendee (400 MiB PSS" in line
    assert "2 attendee(s): 1.17 GiB RSS" in line
    assert vc.cost_line([]) == "no attendee cluster runs."


def test_known_reads_the_recorded_clusters(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    assert vc.known() == []
    (tmp_path / "vclusters" / "vc-01").mkdir(parents=True)
    (tmp_path / "vclusters" / "vc-01" / vc.META_FILE).write_text(
        '{"name": "vc-01", "workshop": "vc", "port": 37005}')
    (found,) = vc.known("vc")
    assert (found.name, found.server) == ("vc-01", "https://127.0.0.1:37005")
    assert vc.known("other") == []
    assert vc.cluster_pids(found.state) == []


def test_shared_mode_does_not_default_a_cpu_limit():
    """A default CPU limit below a container's own request makes the pod invalid.

    Notebook 05 asks for 100 CPU so that the *scheduler* refuses the pod; with a
    default limit of 200m the pod could not even be created, as an attendee.
    """
    quota = Quota(cpu="204")
    assert "limits.cpu" not in quota.hard() and quota.hard()["requests.cpu"] == "204"
    limit_range = attendee_objects("ws-01", "ws", quota)[-1]
    (limits,) = limit_range["spec"]["limits"]
    assert "cpu" not in limits["default"] and limits["default"]["memory"]
    assert limits["defaultRequest"]["cpu"]
