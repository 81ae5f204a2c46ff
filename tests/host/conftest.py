"""Tests that need real containers: they run only against the host engine.

``./run test`` starts a host-engine cluster for them when the machine allows
it (Linux, root, containerd). Run against any other engine, they fail at once
and say why, rather than pass on a simulation.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def real_node(cluster):
    if cluster.engine != "host":
        pytest.fail(f"tests/host need the host engine (real containers); the test cluster is "
                    f"{cluster.engine}. Run them with `./run host`.", pytrace=False)
    return cluster
