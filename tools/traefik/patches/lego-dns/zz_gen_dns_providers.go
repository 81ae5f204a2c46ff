// k8slab's replacement for lego's generated list of ACME DNS providers.
//
// Traefik imports lego's providers/dns package, which imports every one of
// lego's ~180 DNS providers, and some of their SDKs are not served by the Go
// module proxy this lab builds from. The lab never asks for a certificate
// (there is no internet), so k8slab's Traefik has no DNS provider at all;
// the rest of Traefik is unchanged. See tools/traefik/README.md.

package dns

import (
	"fmt"

	"github.com/go-acme/lego/v5/challenge"
)

// NewDNSChallengeProviderByName refuses every provider, saying why.
func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("DNS challenge provider %q is not built into k8slab's Traefik "+
		"(built without ACME DNS providers, for a lab without internet)", name)
}
