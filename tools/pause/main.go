// Command pause is the first process of every pod sandbox on the host engine.
//
// A pod's containers join the network namespace that the sandbox holds; the
// sandbox only has to stay alive, reap orphaned children and stop cleanly
// when containerd signals it. No registry is reachable in the lab, so this
// program is built from source and packed into an image by `k8slab images`.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("k8slab pause (built locally)")
		return
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			return
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
