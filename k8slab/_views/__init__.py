"""What is shown of the cluster: tables, storage and kubelet views, show-once figures."""
