"""Real programs driven from Python: kubectl, etcdctl, Flux, the git server, Traefik.

Each runner asks :mod:`k8slab._binaries` for the pinned binary and runs it against the lab only.
"""
