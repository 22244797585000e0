#!/usr/bin/env bash
# Installs what kubenix needs to build and test, when it is missing:
#   - Go (>= 1.26) must already be installed (https://go.dev/dl); Debian's is too old.
#   - Nix: Debian's nix-bin (2.8), installed with apt-get when nix-instantiate is missing.
# Safe to run repeatedly; it changes nothing when everything is present.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    say "Go is at /usr/local/go/bin but not on PATH; add it: export PATH=\$PATH:/usr/local/go/bin"
  else
    say "Go >= 1.26 is required and was not found: install it from https://go.dev/dl"
  fi
  exit 2
fi

if ! command -v nix-instantiate >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "Nix is required: install it from https://nixos.org/download (any Nix >= 2.8)"
    exit 2
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      say "installing Nix needs root: run 'apt-get install nix-bin' as root"; exit 2
    fi
  fi
  say "installing Nix (Debian's nix-bin)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nix-bin >/dev/null
fi

# Debian's Nix works as root without a daemon. Other users go through the
# nix-daemon and must be allowed to (the nix-users group).
if [ "$(id -u)" != 0 ] && [ ! -w /nix/store ] && [ ! -S /nix/var/nix/daemon-socket/socket ]; then
  say "warning: /nix/store is not writable and no nix-daemon is running;"
  say "  start it (systemctl start nix-daemon) and join the nix-users group, or use --out-dir"
fi
say "ok: $(go version | cut -d' ' -f3), $(nix-instantiate --version)"
