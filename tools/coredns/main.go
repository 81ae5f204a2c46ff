// Command coredns is CoreDNS with the few plugins the lab's cluster DNS needs.
//
// The host engine runs it as a process on this machine: it answers pods'
// questions about Services and pods from the API server (the kubernetes
// plugin) and has nothing to forward to, since the lab has no internet.
// Building it from the Go module proxy with a reduced plugin set keeps the
// build short and the binary small.
package main

import (
	_ "github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
