"""Exercise checks, one module per notebook (``nb05_deployments.py``...).

Each module registers its checks with :func:`k8slab.exercises.exercise`;
they are imported on first use.
"""
