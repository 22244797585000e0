#!/usr/bin/env bash
# Builds the helm CLI that the fidelity tests and `make bench` compare
# kubenix's renderer with (the module in tools/helm: the same Helm SDK
# version as kubenix, outside kubenix's own module graph) and prints the
# path of the binary. It is cached by the module's go.mod and go.sum, so only
# the first run (about a minute on 2 cores) compiles. Tests read the path
# from KUBENIX_HELM_BIN and run this script themselves when it is not set.
set -euo pipefail
cd "$(dirname "$0")/../tools/helm"
export GOTOOLCHAIN=local
version=$(awk '$1 == "helm.sh/helm/v3" {print $2; exit}' go.mod)
[ -n "$version" ] || { echo "helm-bin: no helm.sh/helm/v3 version in tools/helm/go.mod" >&2; exit 2; }
key=$(cat go.mod go.sum | sha256sum | cut -c1-16)
dir="${KUBENIX_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubenix-helm}/$version-$key"
if [ -x "$dir/helm" ]; then
  echo "$dir/helm"
  exit 0
fi
echo "helm-bin: building the helm CLI $version (once; cached in $dir)" >&2
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "${dir}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir/helm"
