"""The pure parts of fetching binaries: release URLs, checksum files, platforms."""

from __future__ import annotations

import pytest

from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download
from k8slab._binaries.download import Platform, parse_checksum, release_asset
from k8slab.errors import ChecksumMismatch, ToolMissing

LINUX = Platform("linux", "amd64")
MAC = Platform("darwin", "arm64")
DIGEST = "0123456789abcdef" * 4


def test_kubernetes_url_layout_per_platform():
    asset = release_asset("kube-apiserver", "v1.36.3", Platform("linux", "arm64"))
    assert asset.url == "https://dl.k8s.io/release/v1.36.3/bin/linux/arm64/kube-apiserver"
    assert asset.checksum_url == asset.url + ".sha256"
    assert asset.member is None
    mac = release_asset("kubectl", "v1.36.3", MAC)
    assert mac.url == "https://dl.k8s.io/release/v1.36.3/bin/darwin/arm64/kubectl"


@pytest.mark.parametrize("name", ["kube-apiserver", "kube-controller-manager",
                                  "kube-scheduler", "kubelet", "kube-proxy"])
def test_no_official_kubernetes_servers_for_macos(name):
    assert release_asset(name, "v1.36.3", MAC) is None
    assert release_asset(name, "v1.36.3", LINUX) is not None


def test_etcd_is_a_tarball_on_linux_and_a_zip_on_macos():
    linux = release_asset("etcd", "v3.6.16", LINUX)
    assert linux.url == ("https://github.com/etcd-io/etcd/releases/download/v3.6.16/"
                         "etcd-v3.6.16-linux-amd64.tar.gz")
    assert linux.checksum_url.endswith("/v3.6.16/SHA256SUMS")
    assert linux.checksum_name == "etcd-v3.6.16-linux-amd64.tar.gz"
    assert linux.member == "etcd-v3.6.16-linux-amd64/etcd"
    mac = release_asset("etcd", "v3.6.16", MAC)
    assert mac.url.endswith("etcd-v3.6.16-darwin-arm64.zip")
    assert mac.member == "etcd-v3.6.16-darwin-arm64/etcd"


def test_kwok_and_helm_layouts():
    kwokctl = release_asset("kwokctl", "v0.8.0", MAC)
    assert kwokctl.url == ("https://github.com/kubernetes-sigs/kwok/releases/download/"
                           "v0.8.0/kwokctl-darwin-arm64")
    helm = release_asset("helm", "v4.3.1", LINUX)
    assert helm.url == "https://get.helm.sh/helm-v4.3.1-linux-amd64.tar.gz"
    assert helm.checksum_url == helm.url + ".sha256sum"
    assert helm.member == "linux-amd64/helm"


def test_traefik_layout():
    traefik = release_asset("traefik", "v3.7.13", LINUX)
    assert traefik.url == ("https://github.com/traefik/traefik/releases/download/v3.7.13/"
                           "traefik_v3.7.13_linux_amd64.tar.gz")
    assert traefik.checksum_url == ("https://github.com/traefik/traefik/releases/download/"
                                    "v3.7.13/traefik_v3.7.13_checksums.txt")
    assert traefik.checksum_name == "traefik_v3.7.13_linux_amd64.tar.gz"
    assert traefik.member == "traefik"
    assert release_asset("traefik", "v3.7.13", MAC).url.endswith("_darwin_arm64.tar.gz")


def test_unknown_platform_gets_no_download():
    assert release_asset("kubectl", "v1.36.3", Platform("freebsd", "amd64")) is None
    assert release_asset("kwok", "v0.8.0", Platform("linux", "s390x")) is None


def test_mirror_variable_replaces_each_base(monkeypatch):
    monkeypatch.setenv("K8SLAB_MIRROR_KUBERNETES", "http://127.0.0.1:9/k8s/")
    monkeypatch.setenv("K8SLAB_MIRROR_HELM", "http://127.0.0.1:9/helm")
    assert (release_asset("kubectl", "v1.36.3", LINUX).url
            == "http://127.0.0.1:9/k8s/v1.36.3/bin/linux/amd64/kubectl")
    assert release_asset("helm", "v4.3.1", LINUX).url.startswith("http://127.0.0.1:9/helm/helm-")
    # the other sources keep their official servers
    assert release_asset("etcd", "v3.6.16", LINUX).url.startswith("https://github.com/")


def test_parse_bare_digest_as_in_kubectl_sha256():
    assert parse_checksum(DIGEST.upper() + "\n", "kubectl") == DIGEST


def test_parse_sha256sums_picks_the_right_line():
    other = "f" * 64
    text = (f"{other}  etcd-v3.6.16-darwin-arm64.zip\n"
            f"{DIGEST}  etcd-v3.6.16-linux-amd64.tar.gz\n"
            f"{other} *etcd-v3.6.16-linux-arm64.tar.gz\n")
    assert parse_checksum(text, "etcd-v3.6.16-linux-amd64.tar.gz") == DIGEST
    assert parse_checksum(text, "etcd-v3.6.16-linux-arm64.tar.gz") == other


def test_parse_accepts_a_path_in_the_listing():
    assert parse_checksum(f"{DIGEST}  ./dist/helm.tar.gz", "helm.tar.gz") == DIGEST


@pytest.mark.parametrize("text", ["", "not a digest", "abc123  kubectl",
                                  f"{DIGEST}  some-other-file"])
def test_parse_rejects_what_does_not_name_the_file(text):
    with pytest.raises(ValueError):
        parse_checksum(text, "kubectl")


@pytest.mark.parametrize(("machine", "arch"), [("x86_64", "amd64"), ("aarch64", "arm64"),
                                               ("arm64", "arm64"), ("ppc64le", "ppc64le")])
def test_host_platform_uses_go_arch_names(monkeypatch, machine, arch):
    monkeypatch.setattr(_download._platform, "machine", lambda: machine)
    monkeypatch.setattr(_download._platform, "system", lambda: "Linux")
    assert _download.host_platform() == Platform("linux", arch)


def test_kubelet_is_refused_on_macos(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    monkeypatch.setattr(_download, "host_platform", lambda: MAC)
    assert "Linux program" in _tools.unsupported_reason("kubelet")
    assert _tools.unsupported_reason("kubectl") is None
    with pytest.raises(ToolMissing) as err:
        _tools.ensure(["kubelet"], quiet=True)
    assert "kubelet" in err.value.message and "kwok engine" in err.value.hint


def test_checksum_mismatch_is_a_tool_missing():
    # callers that catch ToolMissing (helm.py, the CLI) report it too
    assert issubclass(ChecksumMismatch, ToolMissing)


def test_binaries_mode(monkeypatch):
    monkeypatch.setenv("K8SLAB_BINARIES", "build")
    assert _tools.download_mode() == "build"
    for value in ("download", "auto", ""):
        monkeypatch.setenv("K8SLAB_BINARIES", value)
        assert _tools.download_mode() == "auto"


def test_a_pinned_digest_needs_no_checksum_file(monkeypatch):
    monkeypatch.setenv("K8SLAB_MIRROR_KWOK", "http://127.0.0.1:9")  # nothing listens there
    asset = release_asset("kwokctl", "v0.8.0", LINUX)
    monkeypatch.setitem(_download.PINNED_SHA256, ("kwokctl-linux-amd64", "v0.8.0"),
                        DIGEST.upper())
    assert _download.expected_digest(asset, "v0.8.0") == DIGEST
