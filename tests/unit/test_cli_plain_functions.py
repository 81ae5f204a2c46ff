"""The command line calls plain functions, and a broken install says so.

``k8slab lab --up`` starts the cluster through :func:`k8slab.cli.up` with real
parameters (it used to build a fake ``argparse.Namespace`` for ``cmd_up``); a
workshop module that cannot be imported is reported with what to do, instead
of the command silently vanishing from the command line.
"""

from __future__ import annotations

import sys

import pytest

from k8slab import cli
from k8slab._base.procs import free_port


class _Stop(Exception):
    """Raised by the stand-in ``up``: the test ends before anything starts."""


def test_lab_up_starts_the_cluster_through_the_plain_function(monkeypatch):
    calls: list = []

    def fake_up(engine_name: str = "kwok", **options) -> int:
        calls.append((engine_name, options))
        raise _Stop

    monkeypatch.setattr(cli, "up", fake_up)
    args = cli.build_parser(workshop=False).parse_args(
        ["lab", "--up", "--engine", "kwok", "--port", str(free_port())])
    with pytest.raises(_Stop):
        args.func(args)
    # no cluster recorded: it starts one, and leaves "what next" to the lab's banner
    assert calls == [("kwok", {"next_steps": False})]


def test_up_refuses_zero_nodes_with_its_own_parameters():
    with pytest.raises(cli.K8sLabError, match="--nodes must be at least 1"):
        cli.up("kwok", nodes=0)


def test_a_workshop_module_that_cannot_load_is_reported_with_a_fix(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "k8slab.workshop", None)  # import raises ImportError
    assert cli.main(["workshop", "--help"]) == 1
    err = capsys.readouterr().err
    assert "The workshop commands could not be loaded (ModuleNotFoundError" in err
    assert "reinstall it" in err
