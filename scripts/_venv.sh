# Shared by scripts/demo and scripts/test: make sure .venv exists with the project installed.
# Usage: . scripts/_venv.sh [extras]   (sets $PY)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
  echo "creating $VENV" >&2
  python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip >&2
fi
STAMP="$VENV/.installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  echo "installing newsarchiver${EXTRAS:+[$EXTRAS]} into $VENV" >&2
  "$PY" -m pip install --quiet -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2
  touch "$STAMP"
fi
