#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install what is missing, then
# lint (ruff), types (mypy), unit + integration tests (pytest, warnings are
# errors), the Redis and browser tests, the notebooks (nbval) and the examples.
# Every service it needs (fake NCBI, redis-server, voila) is started on a
# loopback port by the tests themselves and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

export PATH="$PWD/.venv/bin:$PATH"
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export JUPYTER_RUNTIME_DIR="$PWD/.jupyter-runtime" JUPYTER_CONFIG_DIR="$PWD/.jupyter-config"
export JUPYTER_DATA_DIR="$PWD/.jupyter-data" IPYTHONDIR="$PWD/.ipython"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.test-cache}"
# never reach real services from tests
unset NCBI_API_KEY OMICSKIT_CACHE || true

echo "== ruff"; ruff check omicskit tests benchmarks examples
echo "== mypy"; mypy omicskit
echo "== pytest"; pytest -q "$@"
if [ -d notebooks ] && ls notebooks/*.ipynb >/dev/null 2>&1; then
  echo "== notebooks (nbval)"
  pytest -q -p no:cacheprovider --nbval --nbval-current-env --nbval-cell-timeout=300 \
    --nbval-sanitize-with notebooks/sanitize.cfg notebooks/ -o addopts="" -o testpaths=""
fi
if [ -d examples ] && ls examples/*.py >/dev/null 2>&1; then
  echo "== examples"; python examples/run_all.py
fi
echo "== all checks passed"
