"""etcdctl's connection to the lab's etcd, and where its binaries come from (no cluster).

The commands themselves run for real in notebook 14's test (a snapshot saved
from the lab's etcd and restored next to it); here: what is derived from the
cluster record, and the messages when there is no etcd of ours to talk to.
"""

from __future__ import annotations

import pytest

from k8slab._base.cluster_record import ClusterRecord
from k8slab._binaries import download as _download
from k8slab._runners import etcdctl as _etcdctl
from k8slab.errors import ClusterUnavailable, K8sLabError


def test_no_cluster_names_the_next_command():
    with pytest.raises(ClusterUnavailable, match="k8slab up"):
        _etcdctl.connection_args()


def test_kind_is_told_to_run_it_inside_the_etcd_pod():
    ClusterRecord(engine="kind", context="kind-k8slab").save()
    with pytest.raises(K8sLabError) as caught:
        _etcdctl.connection_args()
    assert "not one k8slab started" in caught.value.message
    assert "static pod" in caught.value.hint
    assert "kubectl -n kube-system exec etcd-" in caught.value.hint


def test_the_lab_etcd_is_reached_with_the_api_servers_certificate(isolated_state):
    ClusterRecord(engine="host", context="kwok-k8slab",
                  extra={"internal_ports": {"etcd": 40123}}).save()
    pki = isolated_state / "pki"
    pki.mkdir(parents=True)
    for name in ("ca.crt", "apiserver-etcd-client.crt", "apiserver-etcd-client.key"):
        (pki / name).write_text("-")
    args = _etcdctl.connection_args()
    assert args[:2] == ["--endpoints", "https://127.0.0.1:40123"]
    assert args[args.index("--cert") + 1] == str(pki / "apiserver-etcd-client.crt")
    assert args[args.index("--cacert") + 1] == str(pki / "ca.crt")


def test_a_missing_certificate_says_how_to_make_it(isolated_state):
    ClusterRecord(engine="kwok", context="kwok-k8slab",
                  extra={"internal_ports": {"etcd": 40123}}).save()
    with pytest.raises(K8sLabError, match="client certificate is missing"):
        _etcdctl.connection_args()


@pytest.mark.parametrize("tool", ["etcdctl", "etcdutl"])
def test_the_tools_come_from_etcds_release_archive(tool):
    asset = _download.release_asset(tool, "v3.6.16", _download.Platform("linux", "amd64"))
    assert asset.url.endswith("/v3.6.16/etcd-v3.6.16-linux-amd64.tar.gz")
    assert asset.member == f"etcd-v3.6.16-linux-amd64/{tool}"
    assert asset.checksum_url.endswith("/v3.6.16/SHA256SUMS")
