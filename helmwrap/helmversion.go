package helmwrap

// helmSDKVersion is .Capabilities.HelmVersion.Version as the helm CLI of
// the SDK kubenix links reports it. Helm's release builds set it to the
// module's version (v3.22.0) at link time, while the SDK alone says only
// v3.22, which charts print in labels and notes and compare. It is the helm.sh/helm/v3 version of go.mod
// (TestHelmSDKVersionIsGoMods checks that), not read from the binary's
// build info, which test binaries and some Nix builds lack.
const helmSDKVersion = "v3.22.0"
