"""A pod's lifecycle as time segments (pending, starting, ready, terminating...).

Pure: :func:`timeline_rows` reads only the timestamps the API keeps on pod
objects, so it is unit-tested on captured objects, and :mod:`k8slab.plots`
draws what it returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from k8slab._core.objects import condition, parse_time

#: Lifecycle states, in the order a pod goes through them.
STATES = ("pending", "starting", "running", "ready", "finished", "terminating")



def _condition_true_since(versions: list[dict], kind: str) -> datetime | None:
    """Earliest time any version of the pod reports the condition True."""
    times = [parse_time(cond.get("lastTransitionTime"))
             for cond in (condition(pod, kind) for pod in versions)
             if cond and cond.get("status") == "True"]
    return min((t for t in times if t is not None), default=None)


def _add(times: list[datetime], when: datetime | None) -> None:
    if when is not None:
        times.append(when)


def _container_times(pod: dict) -> tuple[datetime | None, datetime | None]:
    """(first container start, last container finish if every container finished)."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    starts: list[datetime] = []
    ends: list[datetime] = []
    for cs in statuses:
        state = cs.get("state") or {}
        running, terminated = state.get("running"), state.get("terminated")
        if running and running.get("startedAt"):
            _add(starts, parse_time(running["startedAt"]))
        if terminated:
            if terminated.get("startedAt"):
                _add(starts, parse_time(terminated["startedAt"]))
            if terminated.get("finishedAt"):
                _add(ends, parse_time(terminated["finishedAt"]))
    finished = max(ends) if ends and len(ends) == len(statuses) else None
    return (min(starts) if starts else None), finished


def timeline_rows(pods: list[dict], now: datetime | None = None,
                  gone: dict[str, datetime] | None = None) -> list[dict]:
    """Each pod's lifecycle as time segments, from the timestamps the API keeps.

    A pod records when it was created, when the scheduler placed it
    (``PodScheduled`` condition), when it became ``Ready``, when its
    containers started and finished, and when its deletion was asked
    (``deletionTimestamp`` minus the grace period: the timestamp itself is the
    *deadline* of the graceful stop). Segments:

    * ``pending``: created, waiting for a node;
    * ``starting``: on a node, containers not running/ready yet;
    * ``ready`` (or ``running`` when never Ready): serving;
    * ``finished``: every container exited (Job pods);
    * ``terminating``: deletion asked, the pod is shutting down.

    Args:
        pods: pod dicts, as ``lab.list("Pod", ns)`` returns them. Several versions
            of one pod (as a watch delivers them, oldest first) are merged: the
            last one gives the current state, earlier ones keep moments the last
            one forgot (a pod being deleted is no longer Ready, but it was).
        now: the end of still-open segments (default: the current time).
        gone: pod name -> when it vanished, for pods already deleted (a
            :class:`BackgroundWatch` records it); their segments end there.

    Returns:
        One dict per pod, oldest first: ``name``, ``node``, ``phase``,
        ``created``, ``end`` and ``segments`` (list of ``{"state", "start", "end"}``).

    Example:
        >>> pod = {"metadata": {"name": "p", "creationTimestamp": "2024-01-01T00:00:00Z"},
        ...        "status": {"phase": "Pending"}}
        >>> rows = timeline_rows([pod], now=datetime(2024, 1, 1, 0, 0, 5, tzinfo=UTC))
        >>> [(s["state"], (s["end"] - s["start"]).seconds) for s in rows[0]["segments"]]
        [('pending', 5)]
    """
    now = now or datetime.now(UTC)
    gone = gone or {}
    versions: dict[str, list[dict]] = {}
    for pod in pods:
        versions.setdefault((pod.get("metadata") or {}).get("name", ""), []).append(pod)
    rows = []
    for name, seen in versions.items():
        pod = seen[-1]
        meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        created = parse_time(meta.get("creationTimestamp"))
        if created is None:
            continue
        end = gone.get(name, now)
        scheduled = _condition_true_since(seen, "PodScheduled")
        ready = _condition_true_since(seen, "Ready")
        started = min((t for t in (_container_times(v)[0] for v in seen) if t is not None),
                      default=None)
        finished = _container_times(pod)[1]
        if finished is None and status.get("phase") in ("Succeeded", "Failed"):
            finished = _latest_condition_time(pod) or started
        deleting = parse_time(meta.get("deletionTimestamp"))
        if deleting is not None:
            deleting -= timedelta(seconds=int(meta.get("deletionGracePeriodSeconds") or 0))
        stop = min((t for t in (finished, deleting) if t is not None), default=end)
        serving = ready or started
        marks: list[tuple[str, datetime | None, datetime | None]] = [
            ("pending", created, scheduled or stop),
            ("starting", scheduled, serving or stop),
            ("ready" if ready else "running", serving, stop),
            ("finished", finished, deleting or end),
            ("terminating", deleting, end),
        ]
        segments = []
        for state, start, stop_at in marks:
            if start is None or stop_at is None:
                continue
            start, stop_at = max(start, created), min(stop_at, end)
            if stop_at >= start:
                segments.append({"state": state, "start": start, "end": stop_at})
        rows.append({"name": name, "node": (pod.get("spec") or {}).get("nodeName") or "",
                     "phase": "Terminating" if meta.get("deletionTimestamp")
                     else status.get("phase", "Pending"),
                     "created": created, "end": end, "segments": segments})
    rows.sort(key=lambda r: (r["created"], r["name"]))
    return rows


def _latest_condition_time(pod: dict) -> datetime | None:
    times = [parse_time(c.get("lastTransitionTime"))
             for c in (pod.get("status") or {}).get("conditions") or []]
    return max((t for t in times if t is not None), default=None)
