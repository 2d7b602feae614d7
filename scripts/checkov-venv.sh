#!/usr/bin/env bash
# Creates Checkov's Python environment (.venv-checkov: checkov at the version pinned in
# infra/checkov-requirements.txt), idempotently: when it already holds exactly those
# pins it returns at once. Its own environment, apart from the oracle tier's .venv, so
# neither one's pins can move the other's.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=infra/checkov-requirements.txt
stamp=.venv-checkov/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv-checkov/bin/checkov ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
"${PYTHON:-python3}" -m venv .venv-checkov
.venv-checkov/bin/pip install --disable-pip-version-check --quiet -r "$requirements"
echo "$want" > "$stamp"
echo "checkov venv: installed checkov $(.venv-checkov/bin/checkov --version)"
