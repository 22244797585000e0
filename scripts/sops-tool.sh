#!/usr/bin/env bash
# Builds tools/sops (the sops library as a small CLI, for the tests of
# kubenix's SOPS support) and prints its path. Cached by the module's go.sum
# and source, so only the first run compiles (a few minutes on 2 cores: sops
# links every key service it supports).
set -euo pipefail
cd "$(dirname "$0")/../tools/sops"
export GOTOOLCHAIN=local
key=$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)
dir="${KUBENIX_SOPS_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubenix-sops-tool}"
bin="$dir/sops-tool-$key"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$dir"
echo "sops-tool: building the sops test tool (once; cached in $dir)" >&2
go build -trimpath -o "$bin.tmp.$$" .
mv "$bin.tmp.$$" "$bin"
echo "$bin"
