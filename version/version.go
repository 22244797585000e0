// Package version says which kubenix this is: set at link time by the
// Makefile (-X), or read from the Go module build info.
package version

import "runtime/debug"

// Set with -ldflags "-X github.com/kubenix/kubenix/version.Version=... -X ...Commit=...".
var (
	Version = ""
	Commit  = ""
)

// String returns the version, falling back to the module version and "dev".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// CommitID returns the VCS commit the binary was built from, if known.
func CommitID() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}
