#!/usr/bin/env bash
# System packages the test suite needs: Neovim (lsp-probe client),
# Chromium + ripgrep + krb5 headers (code-server end-to-end tests), redis-server (Redis store tests,
# which start their own server on a free port). Idempotent.
set -euo pipefail
need=()

command -v nvim >/dev/null || need+=(neovim)
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
