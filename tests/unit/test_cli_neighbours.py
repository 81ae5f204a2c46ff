"""The command line behaves like kubectl's and kind's (issue #23).

Exit status 1 for a failure and 2 for bad usage only; ``-o json|yaml`` where a
command prints state; ``k8slab version``; completion scripts for bash and zsh;
examples in every ``--help``; one option name per idea, the old ones kept as
hidden aliases; ``k8slab check`` with the notebook's cards.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from k8slab import cli
from k8slab._base.completion import command_paths, completion_script
from k8slab._binaries import catalog
from k8slab._course.registry import REGISTRY, Exercise
from k8slab.exercises import default_namespace, exercises, select
from k8slab.workshop import _cluster as ws_cluster

ROOT = Path(__file__).resolve().parents[2]


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (path, parser) of the command line, the top one included."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


ALL_PATHS = [p for p, _ in _parsers(cli.build_parser())]


# -- exit status ---------------------------------------------------------------------

def test_a_failure_exits_1_and_says_why(capsys):
    assert cli.main(["status"]) == 1                   # no cluster: a K8sLabError
    err = capsys.readouterr().err
    assert "k8slab: error: No lab cluster is running" in err and "k8slab up" in err


@pytest.mark.parametrize("argv", [["up", "--engine", "podman"], ["no-such-command"], [],
                                  ["check", "--namespace"], ["version", "-o", "xml"],
                                  ["completion", "fish"], ["workshop", "progress", "--nope"]])
def test_bad_usage_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_the_installed_command_exits_with_those_codes(isolated_state):
    """Through ``python -m k8slab``, as a shell script sees it."""
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True,
                              text=True, timeout=120)

    assert run("status").returncode == 1
    assert run("up", "--nodes", "zero").returncode == 2
    assert run("check", "no.such-exercise").returncode == 1
    assert run("check", "05.scale").returncode == 1          # no cluster
    assert run("version").returncode == 0


# -- k8slab check ----------------------------------------------------------------------

@pytest.fixture
def demo_exercises(monkeypatch):
    """Two exercises of a fake notebook ``zz``: one passes, one does not."""
    exercises()  # load the course's own first, so they do not overwrite these
    monkeypatch.setitem(REGISTRY, "zz.pass", Exercise(
        "zz.pass", "Say hello", lambda ns: (True, f"hello from {ns}"), "say it"))
    monkeypatch.setitem(REGISTRY, "zz.fail", Exercise(
        "zz.fail", "Scale web to 5 replicas", lambda ns: (False, f"3 ready in {ns}, 5 wanted"),
        "kubectl scale deployment web --replicas 5"))
    monkeypatch.delenv("K8SLAB_NAMESPACE", raising=False)
    monkeypatch.setenv("K8SLAB_LANG", "en")


@pytest.fixture
def a_cluster(monkeypatch):
    """A lab kubeconfig on disk (the checks of ``demo_exercises`` never use it)."""
    monkeypatch.setattr(cli, "_require_cluster", lambda: None)


def test_check_without_a_cluster_fails_once_with_the_next_command(demo_exercises, capsys):
    assert cli.main(["check", "zz.pass", "zz.fail"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "No lab cluster is running" in err and "k8slab up" in err


def test_check_passes_with_exit_0_and_the_card(demo_exercises, a_cluster, capsys):
    assert cli.main(["check", "zz.pass", "--namespace", "demo"]) == 0
    assert capsys.readouterr().out.strip() == "[PASSED] Say hello (zz.pass): hello from demo"


def test_check_fails_with_exit_1_and_the_card_with_its_hint(demo_exercises, a_cluster, capsys):
    assert cli.main(["check", "zz.pass", "zz.fail", "-n", "demo"]) == 1
    out = capsys.readouterr().out
    assert "[NOT YET] Scale web to 5 replicas (zz.fail): 3 ready in demo, 5 wanted" in out
    assert "  Hint: kubectl scale deployment web --replicas 5" in out
    assert "1/2 passed; not yet: zz.fail" in out


def test_check_cards_are_the_notebooks_own_text(demo_exercises, a_cluster, capsys):
    from k8slab.exercises import run_check

    cli.main(["check", "zz.fail", "-n", "demo"])
    assert repr(run_check("zz.fail", "demo")) in capsys.readouterr().out


def test_check_a_notebook_prefix_and_json(demo_exercises, a_cluster, capsys):
    assert cli.main(["check", "zz.", "-n", "demo", "-o", "json"]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [(r["exercise"], r["passed"]) for r in results] == [("zz.fail", False),
                                                               ("zz.pass", True)]
    assert results[0]["hint"].startswith("kubectl scale")


def test_check_of_an_unknown_exercise_fails_with_the_way_to_list_them(capsys):
    assert cli.main(["check", "05.scal"]) == 1
    err = capsys.readouterr().err
    assert "There is no exercise '05.scal'" in err and "k8slab check --list" in err


def test_check_list_names_every_exercise_without_a_cluster(capsys, monkeypatch):
    monkeypatch.delenv("K8SLAB_NAMESPACE", raising=False)
    assert cli.main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(ex.id in out for ex in exercises())
    assert select(["05."]) == exercises("05.")
    assert cli.main(["check", "--list", "05.", "-o", "yaml"]) == 0
    listed = yaml.safe_load(capsys.readouterr().out)
    assert [e["exercise"] for e in listed] == [ex.id for ex in exercises("05.")]
    assert {e["namespace"] for e in listed} == {"nb05-deployments"}


def test_the_default_namespace_is_the_notebooks_own(monkeypatch):
    """Each notebook's parameter cell names its namespace; a terminal check looks there."""
    monkeypatch.delenv("K8SLAB_NAMESPACE", raising=False)
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py")):
        found = re.search(r'K8SLAB_NAMESPACE", "([a-z0-9-]+)"', source.read_text())
        assert found, source
        for ex in exercises(source.name[:2] + "."):
            assert default_namespace(ex.id) == found.group(1), ex.id
    monkeypatch.setenv("K8SLAB_NAMESPACE", "attendee-03")
    assert default_namespace("05.scale") == "attendee-03"


def test_kubectl_lab_is_an_entry_point_named_as_typed(capsys):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kubectl-lab"] == "k8slab.cli:kubectl_plugin"
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"], prog="kubectl lab")
    assert "usage: kubectl lab check" in capsys.readouterr().out


# -- k8slab version ----------------------------------------------------------------------

def test_version_names_every_tool_and_its_origin(capsys, monkeypatch):
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    assert cli.main(["version"]) == 0
    out = capsys.readouterr().out
    assert f"Kubernetes: {catalog.KUBE_VERSION}" in out and "k8slab:" in out
    for name, tool in catalog.TOOLS.items():
        line = next(ln for ln in out.splitlines() if ln.startswith(name + " "))
        assert tool.version in line and f"go build {tool.package}@{tool.version}" in line


def _no_network(*args, **kwargs):
    raise AssertionError("k8slab version must not use the network")


@pytest.mark.parametrize("fmt, parse", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_version_output_formats_parse(fmt, parse, capsys, monkeypatch):
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    assert cli.main(["version", "-o", fmt]) == 0
    info = parse(capsys.readouterr().out)
    assert info["kubernetes"] == catalog.KUBE_VERSION
    tools = {t["name"]: t for t in info["tools"]}
    assert set(tools) == set(catalog.TOOLS)
    kubectl = tools["kubectl"]
    assert kubectl["build"]["module"] == "k8s.io/kubernetes/cmd/kubectl"
    assert isinstance(kubectl["cached"], bool)
    if kubectl["obtained"] == "download":  # Linux and macOS publish kubectl
        assert kubectl["download"]["checksum"].endswith(".sha256")
    assert tools["kind"]["obtained"] == "build" and tools["kind"]["download"] is None


def test_version_says_a_tool_is_cached_only_when_it_is(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    assert not catalog.provenance("helm")["cached"]
    catalog.TOOLS["helm"].cached.parent.mkdir(parents=True)
    catalog.TOOLS["helm"].cached.write_text("#!/bin/sh\n")
    done = catalog.provenance("helm")
    assert done["cached"] and done["path"] == str(catalog.TOOLS["helm"].cached)


# -- -o json|yaml on the commands that print state ---------------------------------------

STATUS = {"engine": "kwok", "context": "kwok-k8slab", "server": "https://127.0.0.1:36443",
          "server_version": "v1.36.3", "lab_cluster": True,
          "nodes": [{"name": "kwok-node-0", "ready": True, "kubelet": "v1.36.3",
                     "runtime": "", "simulated": True}]}


@pytest.mark.parametrize("fmt, parse", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_status_output_formats_parse(fmt, parse, capsys, monkeypatch):
    monkeypatch.setattr(cli, "cluster_status", lambda: STATUS)
    assert cli.main(["status", "-o", fmt]) == 0
    assert parse(capsys.readouterr().out) == {**STATUS, "kubeconfig": str(
        cli._target.kubeconfig())}


def test_status_without_o_is_the_table_as_before(capsys, monkeypatch):
    monkeypatch.setattr(cli, "cluster_status", lambda: STATUS)
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("engine:     kwok\ncontext:    kwok-k8slab\n")
    assert "kwok-node-0" in out and "simulated by kwok" in out


@pytest.mark.parametrize("fmt, parse", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_workshop_list_output_formats_parse(fmt, parse, capsys, monkeypatch):
    import k8slab.workshop as ws
    from k8slab._base.cluster_record import ClusterRecord

    ClusterRecord(engine="kwok", context="kwok-k8slab").save()
    monkeypatch.setattr(ws.vclusters, "known", lambda workshop=None: [])
    monkeypatch.setattr(ws, "attendees", lambda workshop=None: [ws_cluster.Attendee(
        "team-01", "team", "/tmp/team-01.yaml", 2, {"pods": ("2", "20")}, "2026-12-09T00:00Z")])
    assert cli.main(["workshop", "list", "-o", fmt]) == 0
    (one,) = parse(capsys.readouterr().out)
    assert (one["name"], one["workshop"], one["pods"]) == ("team-01", "team", 2)
    assert one["quota"] == {"pods": {"used": "2", "hard": "20"}}


@pytest.mark.parametrize("fmt, parse", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_workshop_progress_output_formats_parse(fmt, parse, capsys, monkeypatch):
    import k8slab.workshop as ws

    frame = pd.DataFrame([[True, False], [False, False]],
                         index=pd.Index(["team-01", "team-02"], name="attendee"),
                         columns=["05.scale", "05.rollback"], dtype=bool)
    frame.attrs["messages"] = {("team-01", "05.rollback"): "not rolled back"}
    asked = {}

    def fake_progress(prefix="", *, workshop=None):
        asked.update(prefix=prefix, workshop=workshop)
        return frame

    monkeypatch.setattr(ws, "progress", fake_progress)
    assert cli.main(["workshop", "progress", "--exercises", "05.", "-o", fmt]) == 0
    rows = parse(capsys.readouterr().out)
    assert asked == {"prefix": "05.", "workshop": None}
    assert rows[0]["attendee"] == "team-01" and rows[0]["passed"] == 1 and rows[0]["of"] == 2
    assert rows[0]["exercises"]["05.rollback"] == {"passed": False,
                                                   "message": "not rolled back"}


# -- one name for one idea ---------------------------------------------------------------

def test_the_old_prefix_spellings_still_work_with_a_notice(capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["workshop", "create", "3", "--prefix", "team"])
    assert args.workshop == "team"
    assert "--prefix is deprecated here, use --workshop" in capsys.readouterr().err
    assert parser.parse_args(["workshop", "create", "3"]).workshop == "attendee"
    assert parser.parse_args(["workshop", "z2jh", "3", "--prefix", "t"]).workshop == "t"
    args = parser.parse_args(["workshop", "progress", "--prefix", "05."])
    assert args.exercises == "05."
    assert "use --exercises" in capsys.readouterr().err


def test_the_attendee_prefix_is_called_workshop_everywhere():
    for path, parser in _parsers(cli.build_parser()):
        shown = [o for a in parser._actions if a.help != argparse.SUPPRESS
                 for o in a.option_strings]
        assert "--prefix" not in shown, path
        if path[:1] == ("workshop",) and path[1:] and path[1] != "progress":
            assert "--workshop" in shown, path


# -- --help ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: " ".join(p) or "k8slab")
def test_every_help_has_examples_in_plain_text(path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([*path, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Example" in out, out
    assert "``" not in out, out
    assert "--prefix" not in out, out


# -- completion --------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_mentions_every_subcommand(shell, capsys):
    assert cli.main(["completion", shell]) == 0
    script = capsys.readouterr().out
    paths = command_paths(cli.build_parser())
    assert len(paths) == len(ALL_PATHS)
    for path in ALL_PATHS[1:]:
        assert f'"{" ".join(path)}")' in script, path
        assert re.search(rf"\b{re.escape(path[-1])}\b", script)
    assert "--prefix" not in script          # hidden aliases are not offered


def test_bash_accepts_the_bash_script(tmp_path):
    script = tmp_path / "k8slab.bash"
    script.write_text(completion_script(cli.build_parser(), "bash"))
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_accepts_the_zsh_script(tmp_path):
    script = tmp_path / "_k8slab"
    script.write_text(completion_script(cli.build_parser(), "zsh"))
    done = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("line, wanted, unwanted", [
    ("k8slab ", {"up", "status", "version", "check", "workshop", "completion"}, {"--engine"}),
    ("k8slab st", {"status"}, {"up"}),
    ("k8slab up --engine ", {"kwok", "host", "kind", "auto"}, {"up"}),
    ("k8slab workshop ", {"create", "list", "progress", "serve"}, {"up"}),
    ("k8slab workshop progress --", {"--exercises", "--workshop", "--output"}, {"--prefix"}),
    ("k8slab status -o ", {"json", "yaml"}, set()),
    ("k8slab completion ", {"bash", "zsh"}, set()),
])
def test_bash_completion_offers_what_the_parser_takes(line, wanted, unwanted, tmp_path):
    script = tmp_path / "k8slab.bash"
    script.write_text(completion_script(cli.build_parser(), "bash"))
    words = line.split(" ")
    probe = (f"source {script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
             f"COMP_CWORD={len(words) - 1}\n_k8slab\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    offered = set(done.stdout.split())
    assert wanted <= offered, (offered, done.stderr)
    assert not unwanted & offered


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
@pytest.mark.parametrize("line, wanted, unwanted", [
    ("k8slab ", {"up", "status", "check", "workshop"}, {"--engine"}),
    ("k8slab up --engine ", {"kwok", "host", "auto"}, {"up"}),
    ("k8slab workshop create --", {"--workshop", "--mode"}, {"--prefix"}),
])
def test_zsh_completion_offers_what_the_parser_takes(line, wanted, unwanted, tmp_path):
    """compadd and compdef stubbed: the function's own choice of words, as zsh would get it."""
    script = tmp_path / "_k8slab"
    script.write_text(completion_script(cli.build_parser(), "zsh"))
    words = line.split(" ")
    probe = ("compdef() { :; }; compadd() { shift; print -l -- \"$@\"; }; _files() { :; }\n"
             f"source {script}\nwords=({' '.join(repr(w) for w in words)})\n"
             f"CURRENT={len(words)}\n_k8slab\n")
    done = subprocess.run(["zsh", "-c", probe], capture_output=True, text=True, timeout=30)
    offered = set(done.stdout.split())
    assert wanted <= offered, (offered, done.stderr)
    assert not unwanted & offered
