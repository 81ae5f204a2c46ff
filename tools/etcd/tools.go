//go:build tools

// Package tools pins the etcd server that the k8slab embedded cluster runs,
// and the two command-line tools a sysadmin backs it up and restores it with.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
