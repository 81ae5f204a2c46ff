// Package ext stands in for Traefik's nested module
// github.com/traefik/traefik/dynamic/ext, which Traefik's go.mod replaces with
// a local folder and the Go module proxy therefore cannot serve.
//
// Traefik v3 embeds these two types inline in its dynamic configuration as
// extension points; the open-source build leaves them empty, and so does this.
package ext

// HTTP is the (empty) extension of Traefik's dynamic HTTP configuration.
type HTTP struct{}

// Router is the (empty) extension of a Traefik HTTP router.
type Router struct{}
