# Shared shell helpers for tools/*: paths, logging, the Python virtual environment, free ports.
# Source it: . "$(dirname "$0")/lib/common.sh"

LEDGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export LEDGE_DATA_DIR="${LEDGE_DATA_DIR:-$LEDGE_ROOT/../shared/data}"
export LEDGE_WASM_SPEC_DIR="${LEDGE_WASM_SPEC_DIR:-$LEDGE_ROOT/../shared/wasm-spec}"
LEDGE_VENV="${LEDGE_VENV:-$HOME/.cache/ledge/venv}"

say()  { printf '%s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# ledge_venv: creates (once) the virtual environment with tools/requirements.txt and prints its python.
# Re-installs only when requirements.txt changed since the last install.
ledge_venv() {
  local req="$LEDGE_ROOT/tools/requirements.txt" stamp="$LEDGE_VENV/.ledge-requirements"
  if [ ! -x "$LEDGE_VENV/bin/python" ]; then
    say "creating Python environment in $LEDGE_VENV"
    python3 -m venv "$LEDGE_VENV" || die "python3 -m venv failed"
  fi
  if ! cmp -s "$req" "$stamp" 2>/dev/null; then
    say "installing tools/requirements.txt into $LEDGE_VENV (first time only)"
    "$LEDGE_VENV/bin/pip" install -q --disable-pip-version-check -r "$req" >&2 || die "pip install failed"
    cp "$req" "$stamp"
  fi
  printf '%s\n' "$LEDGE_VENV/bin/python"
}

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ledge_bin: path of the release binary (built by tools/setup).
ledge_bin() { printf '%s\n' "$LEDGE_ROOT/.build/release/ledge"; }
