#!/usr/bin/env bash
# Installs what the end-to-end tests need into .e2e/ (git-ignored), offline-safe: only the npm
# registry and Debian apt are reached. Idempotent; a second run takes well under a second.
#
#   test/e2e/install.sh            code-server 4.100.3 + playwright-core + @vscode/vsce
#   test/e2e/install.sh tools      only playwright-core + @vscode/vsce (what `npm run package` needs)
#
# code-server 4.100.3 is the newest whose engines say node 20 (VS Code 1.100.3). Workarounds for
# installing it without GitHub (see /work/shared/vscode-e2e/RECIPE.md, section 6):
#  1. @vscode/ripgrep's postinstall downloads rg from GitHub: seed its download cache with Debian's rg.
#  2. node-pty's post-install runs `npx node-gyp`; npm's yes=false would cancel it: npm_config_yes=true.
#  3. code-server's postinstall refuses root unless npm_config_unsafe_perm=true.
#  4. Native addons compile with node-gyp; kerberos needs libkrb5-dev (apt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=${JUG_E2E_DIR:-$ROOT/.e2e}
CS_VER=4.100.3
PLAYWRIGHT_VER=1.65.1
VSCE_VER=3
WHAT=${1:-all}
CACHE=${NPM_CACHE:-$(npm config get cache)}

install_tools() {
  local dest=$E2E/tools marker=$E2E/tools/.installed-playwright-$PLAYWRIGHT_VER-vsce-$VSCE_VER
  [ -e "$marker" ] && return 0
  mkdir -p "$dest"
  echo '{"name":"jug-e2e-tools","private":true}' > "$dest/package.json"
  (cd "$dest" && npm install --cache "$CACHE" --no-audit --no-fund --loglevel=error \
      "playwright-core@$PLAYWRIGHT_VER" "@vscode/vsce@$VSCE_VER")
  touch "$marker"
  echo "installed playwright-core $PLAYWRIGHT_VER and @vscode/vsce $VSCE_VER in $dest"
}

install_system() {
  local need=()
  command -v chromium >/dev/null || need+=(chromium)
  command -v rg >/dev/null || need+=(ripgrep)
  [ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
}

install_code_server() {
  local dest=$E2E/code-server marker=$E2E/code-server/.installed-$CS_VER
  [ -e "$marker" ] && return 0
  install_system
  mkdir -p "$dest"
  export TMPDIR=$dest/.tmp
  mkdir -p "$TMPDIR"
  echo '{"name":"jug-e2e-code-server","private":true}' > "$dest/package.json"
  cd "$dest"
  # Phase 1: code-server and its top-level deps, no install scripts yet.
  npm install --cache "$CACHE" --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CS_VER"
  # Phase 2: seed @vscode/ripgrep's download cache with Debian's rg (versions read from the packages).
  local rg_pkg rg_ver rg_target
  rg_pkg=$(node -p "require('./node_modules/code-server/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")
  (cd "$TMPDIR" && npm pack --cache "$CACHE" --loglevel=error "@vscode/ripgrep@$rg_pkg" >/dev/null &&
    tar xzf "vscode-ripgrep-$rg_pkg.tgz" package/lib/postinstall.js)
  rg_ver=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$TMPDIR/package/lib/postinstall.js")
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  mkdir -p "$TMPDIR/vscode-ripgrep-cache-$rg_pkg" "$TMPDIR/rg-seed"
  cp "$(command -v rg)" "$TMPDIR/rg-seed/rg"
  tar czf "$TMPDIR/vscode-ripgrep-cache-$rg_pkg/ripgrep-$rg_ver-$rg_target.tar.gz" -C "$TMPDIR/rg-seed" rg
  # Phase 3: the install scripts (native addons, code-server's nested installs of lib/vscode).
  npm_config_unsafe_perm=true npm_config_yes=true npm_config_cache="$CACHE" \
    npm rebuild --loglevel=error argon2 code-server
  XDG_CONFIG_HOME=$TMPDIR XDG_DATA_HOME=$TMPDIR "$dest/node_modules/.bin/code-server" --version >/dev/null
  touch "$marker"
  echo "installed code-server $CS_VER in $dest"
}

case "$WHAT" in
  tools) install_tools ;;
  all) install_tools; install_code_server ;;
  *) echo "usage: $0 [all|tools]" >&2; exit 2 ;;
esac
