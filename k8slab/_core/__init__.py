"""The Kubernetes request path: client, target, guard, error translation, and the verbs.

Every call a notebook makes to the API goes through these modules.
"""
