#!/usr/bin/env bash
# Creates the oracle tier's Python environment (.venv: QuantLib, scipy, numpy at the
# versions pinned in test/oracle/requirements.txt), idempotently: when .venv already
# holds exactly those pins it returns at once. Wheels only, so a missing wheel fails
# here in seconds instead of compiling QuantLib from source for an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=test/oracle/requirements.txt
stamp=.venv/.oracle-requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "oracle venv: $python is older than 3.11 (the pinned scipy and numpy need 3.11+)" >&2
  exit 1
fi
"$python" -m venv .venv
.venv/bin/pip install --disable-pip-version-check --quiet --only-binary=:all: -r "$requirements"
echo "$want" > "$stamp"
echo "oracle venv: installed $(.venv/bin/python -c 'import QuantLib, scipy, numpy; print(f"QuantLib {QuantLib.__version__}, scipy {scipy.__version__}, numpy {numpy.__version__}")')"
