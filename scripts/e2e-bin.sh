#!/usr/bin/env bash
# Builds the real Kubernetes control plane the end-to-end tests run against
# (kube-apiserver, etcd, kubectl; the module in e2e/k8s) and prints the
# directory holding them. The binaries are cached by the module's go.mod,
# go.sum and sources, so only the first run (about 5-10 minutes on 2 cores)
# compiles.
#
#   scripts/e2e-bin.sh         Kubernetes 1.37, the module e2e/k8s (also: 1.37)
#   scripts/e2e-bin.sh 1.36    the second version the differential test runs
#                              against: the same mains (e2e/k8s/cmd) built with
#                              the go.mod and go.sum of e2e/k8s-1.36
set -euo pipefail
cd "$(dirname "$0")/../e2e/k8s"
export GOTOOLCHAIN=local
modfile=go.mod
if [ -n "${1:-}" ] && ! grep -q "^	k8s.io/kubernetes v$1\." go.mod; then
  modfile=../k8s-$1/go.mod
  [ -f "$modfile" ] || { echo "e2e-bin: no control plane for Kubernetes $1 (no e2e/k8s-$1/go.mod)" >&2; exit 2; }
fi
sum=${modfile%.mod}.sum
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ {print $2; exit}' "$modfile")
[ -n "$version" ] || { echo "e2e-bin: no k8s.io/kubernetes version in $modfile" >&2; exit 2; }
key=$(cat "$modfile" "$sum" cmd/*/main.go | sha256sum | cut -c1-16)
dir="${KUBENIX_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubenix-e2e}/$version-$key"
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ] && [ -x "$dir/kubectl" ]; then
  echo "$dir"
  exit 0
fi
# Only asked whether the binaries are cached: say no without building.
if [ "${KUBENIX_E2E_CACHED_ONLY:-}" = 1 ]; then
  exit 1
fi
minor=${version#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
echo "e2e-bin: building kube-apiserver, etcd and kubectl $version (once; cached in $dir)" >&2
tmp=$(mktemp -d "${dir}.tmp.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$dir")"; mktemp -d "${dir}.tmp.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
for b in kube-apiserver etcd kubectl; do
  go build -modfile="$modfile" -trimpath -ldflags "$ldflags" -o "$tmp/$b" "./cmd/$b"
done
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir"
