"""What each engine's cluster can do, asked of the engine (not of its name).

The tables below are what the lab used to decide from lists of engine names
(Traefik's "real" engines, etcdctl's and exec's "kwok or host", the guard's
lab engines): the abilities must answer the same.
"""

from __future__ import annotations

import pytest

from k8slab._base.cluster_record import ClusterRecord
from k8slab._core.guard import is_lab
from k8slab.engines import ENGINES, engine_for
from k8slab.engines.existing import AttendeeSeat
from k8slab.errors import K8sLabError

EVERY = [*ENGINES, "workshop"]
EXPECTED = {
    "runs_containers": {"host", "kind", "minikube", "existing"},
    "loads_images": {"host", "kind", "minikube"},
    "owns_etcd": {"kwok", "host"},
    "exec_on_this_machine": {"kwok", "host"},
    "is_lab_cluster": {"kwok", "host", "kind", "minikube", "workshop"},
}


def _record(engine: str) -> ClusterRecord:
    return ClusterRecord(engine=engine, context=f"{engine}-k8slab")


@pytest.mark.parametrize("ability", sorted(EXPECTED))
def test_each_engine_answers_for_its_cluster(ability):
    able = {name for name in EVERY if getattr(engine_for(_record(name)), ability)}
    assert able == EXPECTED[ability]


def test_an_attendee_record_gets_the_attendee_seat_which_starts_nothing():
    seat = engine_for(_record("workshop"))
    assert isinstance(seat, AttendeeSeat) and not seat.availability().ok
    with pytest.raises(K8sLabError, match="attendee's cluster"):
        seat.up()


def test_an_unknown_engine_is_named_in_the_error():
    with pytest.raises(K8sLabError, match="Unknown engine 'k3s'"):
        engine_for(_record("k3s"))


def test_the_guard_follows_the_lab_flag_each_engine_writes():
    for name in EVERY:
        engine = engine_for(_record(name))
        record = ClusterRecord(engine=name, context="c", lab=engine.is_lab_cluster)
        assert is_lab(record) is (name in EXPECTED["is_lab_cluster"]), name
    assert not is_lab(None)
