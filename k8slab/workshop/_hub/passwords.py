"""Workshop hub passwords: generated once, kept only as scrypt hashes.

The instructor sees each password once, on the printed list that
``k8slab workshop serve`` shows when it makes them; the lab's state folder
keeps a salted scrypt hash per user (``hub/credentials.json``, mode 0600), so
a copy of the state folder does not give anybody a login. The hub's
authenticator (:mod:`k8slab.workshop._hub.classes`) checks a login with :func:`verify`.

Example:
    >>> record = hash_password("correct horse")
    >>> verify("correct horse", record), verify("wrong", record)
    (True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

#: scrypt cost: 2**14 x 8 x 1 takes ~50 ms and 16 MiB, enough against guessing by the room.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: Letters and digits that cannot be misread on a printed list (no 0/O, 1/l/I).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password(groups: int = 3, size: int = 4) -> str:
    """A random password easy to copy from paper: ``xk7p-9qmt-r2vd`` (~59 bits).

    Example:
        >>> len(new_password())
        14
    """
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size))
                    for _ in range(groups))


def hash_password(password: str) -> dict[str, str | int]:
    """A salted scrypt hash of ``password``, as stored in the credentials file."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024)
    return {"scheme": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(digest).decode()}


def verify(password: str, record: dict | None) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    if not record or record.get("scheme") != "scrypt" or not isinstance(password, str):
        return False
    want = base64.b64decode(record["hash"])
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(record["salt"]),
                         n=int(record["n"]), r=int(record["r"]), p=int(record["p"]),
                         maxmem=64 * 1024 * 1024, dklen=len(want))
    return hmac.compare_digest(got, want)


def load(path: Path) -> dict[str, dict]:
    """The stored hashes by user name (empty when the file does not exist yet)."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}


def save(path: Path, records: dict[str, dict]) -> None:
    """Write the hashes, readable by the hub's owner only (0600, atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(records, fh, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def issue(path: Path, users: list[str], *, renew: bool = False) -> dict[str, str]:
    """Give a password to each user who has none yet (every user with ``renew``).

    Returns:
        The new passwords in clear, by user: the only time they exist outside
        the attendees' hands. Users who already had one are not in it.
    """
    records = load(path)
    fresh = {}
    for user in users:
        if renew or user not in records:
            fresh[user] = new_password()
            records[user] = hash_password(fresh[user])
    if fresh:
        save(path, records)
    return fresh


def forget(path: Path, users: list[str]) -> None:
    """Remove the hashes of users who left the workshop."""
    records = load(path)
    if any(records.pop(user, None) for user in users):
        save(path, records)


class LoginThrottle:
    """Slows down password guessing: per user name and per client address.

    A login that fails is counted against the name it tried and the address it
    came from. Once either has :attr:`limit` failures within :attr:`window`
    seconds, every login for it is refused without looking at the password
    (even the right one) for :attr:`base_delay` seconds, then twice as long
    after each further failure, up to :attr:`max_delay`. Logins refused while
    blocked do not count: a guesser cannot keep a name locked for ever just by
    hammering it, the real attendee gets in once the delay is over. A login
    that succeeds clears its name and address.

    The clock is injectable (``clock=``) so that tests step through the delays
    without sleeping.

    Example:
        >>> now = [0.0]
        >>> gate = LoginThrottle(clock=lambda: now[0])
        >>> for _ in range(5):
        ...     gate.failed("a-01", "10.0.0.7")
        >>> gate.blocked("a-01", "10.0.0.9") > 0        # the name is blocked from anywhere
        True
        >>> now[0] += 31
        >>> gate.blocked("a-01", "10.0.0.9")
        0.0
    """

    limit = 5
    window = 60.0
    base_delay = 30.0
    max_delay = 900.0
    #: A key with no failure for this long starts afresh (its delay back to base_delay).
    forget_after = 3600.0

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic
        # key -> (recent failure times, blocks so far, blocked until)
        self._state: dict[str, tuple[list[float], int, float]] = {}

    @staticmethod
    def _keys(name: str, address: str | None) -> list[str]:
        return [f"user:{name}"] + ([f"addr:{address}"] if address else [])

    def blocked(self, name: str, address: str | None) -> float:
        """Seconds left before this name (or this address) may try again; 0.0 if it may."""
        now = self.clock()
        left = [until - now for key in self._keys(name, address)
                for _, _, until in [self._state.get(key, ([], 0, 0.0))]]
        return max([0.0, *left])

    def failed(self, name: str, address: str | None) -> None:
        """Count a failed login (call it only for logins that were not blocked)."""
        now = self.clock()
        for key in self._keys(name, address):
            times, blocks, until = self._state.get(key, ([], 0, 0.0))
            if times and now - times[-1] > self.forget_after:
                blocks = 0
            times = [t for t in times if now - t < self.window] + [now]
            if len(times) >= self.limit or blocks:
                # After a first block, every further failure blocks again, for longer.
                until = now + min(self.base_delay * 2 ** blocks, self.max_delay)
                blocks += 1
            self._state[key] = (times, blocks, until)

    def succeeded(self, name: str, address: str | None) -> None:
        """A right password, not blocked: the name and address start afresh."""
        for key in self._keys(name, address):
            self._state.pop(key, None)
