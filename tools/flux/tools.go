//go:build tools

// Package tools pins the two Flux controllers that k8slab builds and runs as
// local processes: source-controller (fetches the lesson's git repository)
// and kustomize-controller (builds and applies what it fetched).
package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
)
