"""k8slab._core.resources.dynamic: one dynamic client per connection, never another's.

The client's discovery is cached per connection. It used to be keyed by
``id(api)``: once a connection object is gone, Python may give its id to the
next one, which then got the old connection's client. These tests count the
clients made, with a stand-in for the DynamicClient constructor (it would
otherwise ask a cluster for its discovery), so nothing here talks to an API.
"""

from __future__ import annotations

from k8slab._core import resources as _resources


class _Connection:
    """What ``connect()`` returns, as far as the cache is concerned: an object."""


def _counting(monkeypatch) -> list:
    made: list = []

    class Made:
        """Records that a client was made, and (unlike the real one) keeps no reference
        to its connection: a stale cache entry then cannot keep that id taken."""

        def __init__(self, api) -> None:
            made.append(self)

    monkeypatch.setattr(_resources, "DynamicClient", Made)
    monkeypatch.setattr(_resources, "_dynamic", {})
    return made


def test_the_same_connection_reuses_its_client(monkeypatch):
    made = _counting(monkeypatch)
    api = _Connection()
    monkeypatch.setattr(_resources, "connect", lambda: api)
    assert _resources.dynamic() is _resources.dynamic()
    assert len(made) == 1


def test_a_new_connection_never_gets_the_client_of_a_gone_one(monkeypatch):
    made = _counting(monkeypatch)
    current: list = []
    monkeypatch.setattr(_resources, "connect", lambda: current[-1])
    for _ in range(20):  # CPython gives a freed object's id to the next one, often at once
        current.clear()                                # the previous connection is freed...
        current.append(_Connection())                  # ...and a new one made
        assert _resources.dynamic() is made[-1]
    assert len(made) == 20
    assert len(_resources._dynamic) == 1               # only the current connection's
