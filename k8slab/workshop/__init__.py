"""Workshop mode: one shared cluster, one namespace and one kubeconfig per attendee.

An instructor runs the lab cluster (or adopts a shared one) and gives each
attendee a kubeconfig that works in the attendee's own namespace only, with
a quota so that one runaway Deployment cannot starve the room. During the
session, :func:`progress` runs the course's exercise checks for everybody.

Example (a terminal)::

    $ k8slab workshop create 12              # attendee-01 .. attendee-12
    $ k8slab workshop list
    $ k8slab workshop progress --exercises 05.
    $ k8slab workshop delete --all

Example (the instructor's notebook):
    >>> from k8slab import workshop
    >>> df = workshop.progress("05.")                            # doctest: +SKIP
    >>> workshop.plot_progress(df)                               # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from pathlib import Path

from k8slab._base.cliutil import add_output_option, deprecated_alias, emit, with_examples
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.language import LANGUAGES
from k8slab.workshop import _vclusters as vclusters
from k8slab.workshop import _z2jh as _workshop_z2jh
from k8slab.workshop._cluster import (
    TOKEN_MODES,
    Attendee,
    attendees,
    create,
    default_out_dir,
    delete,
    exec_for_attendees,
    issue_token,
)
from k8slab.workshop._objects import (
    ClusterInfo,
    Quota,
    attendee_names,
    attendee_objects,
    build_kubeconfig,
    context_name,
    role_rules,
)
from k8slab.workshop._progress import plot_progress, progress

__all__ = [
    "Attendee",
    "ClusterInfo",
    "Quota",
    "add_parser",
    "attendee_names",
    "attendee_objects",
    "attendees",
    "build_kubeconfig",
    "context_name",
    "create",
    "default_out_dir",
    "delete",
    "exec_for_attendees",
    "issue_token",
    "plot_progress",
    "progress",
    "role_rules",
    "vclusters",
]


def _quota_cell(att: Attendee, key: str) -> str:
    used, hard = (att.quota or {}).get(key, ("-", "-"))
    return f"{used}/{hard}"


def cmd_create(args: argparse.Namespace) -> int:
    if args.mode == "cluster":
        return vclusters.cmd_create(args)
    quota = Quota(pods=args.quota_pods, cpu=args.quota_cpu, memory=args.quota_memory,
                  storage=args.quota_storage)
    made = create(args.count, prefix=args.workshop, quota=quota, out=args.out, hours=args.hours,
                  token_mode=args.token_mode, server=args.server)
    limits, requests = quota.container_defaults()
    print(f"k8slab: workshop {args.workshop!r}: {len(made)} attendees, each with "
          f"{quota.pods} pods, {quota.cpu} CPU, {quota.memory} memory "
          f"(a container without resources gets requests {requests['cpu']}/"
          f"{requests['memory']}, a memory limit of {limits['memory']}).")
    print(f"k8slab: {exec_for_attendees()[1]}")
    print(f"k8slab: {vclusters.namespace_cost_line(len(made))}")
    for att in made:
        until = f"token until {att.expires}" if att.expires else "token until deleted"
        print(f"  {att.name:<24} {att.kubeconfig}  ({until})")
    if made:
        print("Give each attendee their own file (it holds their password). They use it with\n"
              f"  KUBECONFIG={made[0].kubeconfig} kubectl get pods\n"
              "or, in the notebooks, K8SLAB_KUBECONFIG=<file> before starting JupyterLab;\n"
              f"or give each a login and a JupyterLab: `k8slab workshop serve --workshop "
              f"{args.workshop}`.")
    return 0


def _attendee_state(att: Attendee) -> dict:
    """One attendee for ``workshop list -o json|yaml``: the table's columns, unabbreviated."""
    return {"name": att.name, "workshop": att.workshop, "phase": att.phase, "pods": att.pods,
            "quota": {key: {"used": used, "hard": hard}
                      for key, (used, hard) in (att.quota or {}).items()},
            "kubeconfig": att.kubeconfig, "token_expires": att.expires or None,
            "cluster": None}


def cmd_list(args: argparse.Namespace) -> int:
    if args.output:
        own = [{"name": v.name, "workshop": v.workshop, "phase": None, "pods": None,
                "quota": None, "kubeconfig": v.kubeconfig, "token_expires": None,
                "cluster": {"server": v.server, "running": v.running,
                            "rss_mib": round(v.rss_mib, 1)}}
               for v in map(vclusters.measured, vclusters.known(args.workshop))]
        # as the table: attendees with clusters of their own, and no shared cluster to ask
        shared = ([] if own and not ClusterRecord.load()
                  else [_attendee_state(a) for a in attendees(args.workshop)])
        emit(own + shared, args.output)
        return 0
    if vclusters.print_list(args.workshop) and not ClusterRecord.load():
        return 0  # attendees with clusters of their own, and no shared cluster
    found = attendees(args.workshop)
    if not found:
        which = f"of the workshop {args.workshop!r} " if args.workshop else ""
        print(f"k8slab: no workshop attendees {which}on this cluster "
              "(create some with `k8slab workshop create N`).")
        return 0
    header = f"{'ATTENDEE':<24} {'WORKSHOP':<16} {'PODS':>4}  {'QUOTA PODS':<10} " \
             f"{'CPU (req)':<12} {'MEMORY (req)':<16} KUBECONFIG"
    print(header)
    for att in found:
        kubeconfig = att.kubeconfig if att.kubeconfig and Path(att.kubeconfig).is_file() \
            else f"(missing) {att.kubeconfig}".strip()
        state = "" if att.phase == "Active" else f" [{att.phase}]"
        print(f"{att.name + state:<24} {att.workshop:<16} {att.pods:>4}  "
              f"{_quota_cell(att, 'pods'):<10} {_quota_cell(att, 'requests.cpu'):<12} "
              f"{_quota_cell(att, 'requests.memory'):<16} {kubeconfig}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    own = vclusters.delete(None if args.all else args.names, workshop=args.workshop)
    if own:
        print(f"k8slab: stopped and removed the cluster(s) of {', '.join(own)}.")
    args.names = [n for n in args.names if n not in own]
    if (own and not args.names and not args.all) or (args.all and not ClusterRecord.load()):
        if not own:
            print("k8slab: no attendee cluster and no shared lab cluster: nothing to delete.")
        return 0
    gone = delete(args.names or None, all=args.all, workshop=args.workshop,
                  timeout=args.timeout)
    from k8slab.workshop._hub.serve import forget  # their Unix users, homes and hub passwords

    forget(gone)
    print(f"k8slab: deleted {len(gone)} attendee(s): {', '.join(gone) or 'none'} "
          "(namespaces gone, kubeconfig files removed).")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    df = progress(args.exercises, workshop=args.workshop)
    if args.output:
        messages = df.attrs.get("messages", {})
        emit([{"attendee": person, "passed": int(df.loc[person].sum()), "of": df.shape[1],
               "exercises": {ex: {"passed": bool(df.loc[person, ex]),
                                  "message": str(messages.get((person, ex), ""))}
                             for ex in df.columns}}
              for person in df.index], args.output)
        return 0
    if df.empty:
        what = "attendees" if not len(df.index) else f"exercises matching {args.exercises!r}"
        print(f"k8slab: no {what} yet, so there is no progress to show.")
        return 0
    shown = df.map(lambda ok: "✓" if ok else "✗")
    shown["score"] = [f"{int(n)}/{df.shape[1]}" for n in df.sum(axis=1)]
    print(shown.to_string())
    totals = "  ".join(f"{col}: {int(n)}/{len(df)}" for col, n in df.sum(axis=0).items())
    print(f"passed per exercise: {totals}")
    if args.plot:
        plot_progress(df).savefig(args.plot, dpi=120)
        print(f"k8slab: heatmap written to {args.plot}")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``k8slab workshop ...`` on the main command line's subparsers."""
    ws = subparsers.add_parser("workshop", help="one namespace and kubeconfig per attendee "
                               "on a shared cluster",
                               **with_examples("k8slab workshop create 12 --workshop team",
                                               "k8slab workshop list -o yaml",
                                               "k8slab workshop progress --exercises 05.",
                                               "k8slab workshop delete --all --workshop team"))
    sub = ws.add_subparsers(dest="workshop_command", required=True)

    c = sub.add_parser("create", help="create (or refresh) attendees and their kubeconfigs",
                       **with_examples("k8slab workshop create 12             # attendee-01..12",
                                       "k8slab workshop create 8 --workshop team --quota-pods 10",
                                       "k8slab workshop create 4 --mode cluster"))
    c.add_argument("count", type=int, help="how many attendees")
    c.add_argument("--workshop", default="attendee",
                   help="the workshop's name, which prefixes its attendees' names: "
                        "WORKSHOP-01.. (default attendee)")
    deprecated_alias(c, "--prefix", "--workshop", "workshop")
    c.add_argument("--quota-pods", type=int, default=20, help="pods per attendee (20)")
    c.add_argument("--quota-cpu", default="4", help="CPU per attendee (4)")
    c.add_argument("--quota-memory", default="8Gi", help="memory per attendee (8Gi)")
    c.add_argument("--quota-storage", default="10Gi", help="PVC storage per attendee (10Gi)")
    c.add_argument("--out", type=Path, default=None,
                   help="folder for the kubeconfig files (default <state dir>/workshop)")
    c.add_argument("--hours", type=float, default=24, help="token lifetime in hours (24)")
    c.add_argument("--token-mode", default="auto", choices=TOKEN_MODES,
                   help="request: TokenRequest API; secret: legacy token Secret; "
                        "auto: request, else secret")
    c.add_argument("--server", default=None,
                   help="API server URL attendees use (default: the lab kubeconfig's)")
    c.add_argument("--mode", default="namespace", choices=vclusters.MODES,
                   help="namespace: one shared cluster, a namespace each (default, large "
                        "rooms); cluster: a kwok cluster of their own each (every notebook)")
    c.add_argument("--first-port", type=int, default=vclusters.FIRST_PORT,
                   help=f"--mode cluster: API ports from here on ({vclusters.FIRST_PORT})")
    c.add_argument("--nodes", type=int, default=2,
                   help="--mode cluster: simulated nodes per cluster (2)")
    c.set_defaults(func=cmd_create)

    ls = sub.add_parser("list", help="attendees, their pods, quota use and kubeconfig",
                        **with_examples("k8slab workshop list", "k8slab workshop list "
                                        "--workshop team -o json"))
    ls.add_argument("--workshop", default=None, help="only this workshop's attendees")
    add_output_option(ls)
    ls.set_defaults(func=cmd_list)

    d = sub.add_parser("delete", help="delete attendees, their namespaces and kubeconfigs",
                       **with_examples("k8slab workshop delete attendee-03",
                                       "k8slab workshop delete --all --workshop team"))
    d.add_argument("names", nargs="*", help="attendees to delete")
    d.add_argument("--all", action="store_true", help="every attendee (of --workshop)")
    d.add_argument("--workshop", default=None, help="only this workshop's attendees")
    d.add_argument("--timeout", type=float, default=300,
                   help="seconds to wait for the namespaces to disappear (300)")
    d.set_defaults(func=cmd_delete)

    z = sub.add_parser("z2jh", help="zero-to-jupyterhub values for a workshop on an existing "
                       "cluster (KubeSpawner, a namespace per attendee)",
                       **with_examples("k8slab workshop z2jh 30 --workshop team --out z2jh/",
                                       "k8slab workshop z2jh 30 --lang fr --tag 2026-12"))
    z.add_argument("count", type=int, help="how many attendees")
    z.add_argument("--workshop", default="attendee",
                   help="the workshop's name, which prefixes its attendees' names (attendee)")
    deprecated_alias(z, "--prefix", "--workshop", "workshop")
    z.add_argument("--out", type=Path, default=Path("."), help="folder for the files (.)")
    z.add_argument("--hub-namespace", default="k8slab-hub", help="the hub's namespace")
    z.add_argument("--instructor", default="instructor", help="the hub admin's user name")
    z.add_argument("--image", default="k8slab-course",
                   help="user image (this repository built by repo2docker), without tag")
    z.add_argument("--tag", default="latest", help="the user image's tag")
    z.add_argument("--lang", default="en", choices=list(LANGUAGES),
                   help="the edition JupyterLab opens on: en, or fr (notebooks/fr/)")
    z.set_defaults(func=_workshop_z2jh.cmd_z2jh)

    p = sub.add_parser("progress", help="which attendee passed which exercise",
                       **with_examples("k8slab workshop progress",
                                       "k8slab workshop progress --exercises 05. --workshop team",
                                       "k8slab workshop progress -o json",
                                       "k8slab workshop progress --plot room.png"))
    p.add_argument("--exercises", default="", metavar="PREFIX",
                   help="only exercises whose id starts with it (05.)")
    deprecated_alias(p, "--prefix", "--exercises", "exercises")
    p.add_argument("--workshop", default=None, help="only this workshop's attendees")
    p.add_argument("--plot", type=Path, default=None, help="also save a heatmap (PNG, SVG)")
    add_output_option(p)
    p.set_defaults(func=cmd_progress)

    from k8slab.workshop._hub.serve import add_serve_parser  # the hub: k8slab workshop serve

    add_serve_parser(sub)
    return ws
