"""Foundations with no Kubernetes in them.

Paths, processes, display, language, PKI and the cluster record: everything
else may import these; they import nothing of k8slab but :mod:`k8slab.errors`.
"""
