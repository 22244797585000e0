// Package nixtest holds what tests that run the real Nix share.
package nixtest

import (
	"os"
)

// Offline makes every Nix command the tests start build locally instead of
// asking a binary cache first: tests talk to loopback only, and a machine
// without network would otherwise spend seconds on retries per build.
// The user's own NIX_CONFIG lines are kept; the later setting wins.
func Offline() {
	cfg := os.Getenv("NIX_CONFIG")
	if cfg != "" {
		cfg += "\n"
	}
	os.Setenv("NIX_CONFIG", cfg+"substituters =")
}
