#!/usr/bin/env bash
# Installs staticcheck (honnef.co/go/tools, pinned below) from the Go module
# proxy into a cache directory, once, and prints the binary's path.
# `make lint` runs it; nothing else needs it.
set -euo pipefail
export GOTOOLCHAIN=local
version=v0.8.2
dir="${KUBENIX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubenix-tools}/staticcheck-$version-$(go env GOVERSION)"
if [ ! -x "$dir/staticcheck" ]; then
  echo "staticcheck: installing honnef.co/go/tools/cmd/staticcheck@$version (once; cached in $dir)" >&2
  mkdir -p "$dir"
  GOBIN="$dir" go install "honnef.co/go/tools/cmd/staticcheck@$version"
fi
echo "$dir/staticcheck"
