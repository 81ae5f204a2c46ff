module k8slab.local/tools/pause

go 1.24
