#!/usr/bin/env bash
# Runs every fogbank test: Rust unit and integration tests, then the Python boto3 suite and the
# JavaScript (AWS SDK v3) suite against the release binary. Needs a Rust toolchain, python3, node
# and npm; creates .venv/ and tests/js/node_modules/ on first use.
set -euo pipefail
cd "$(dirname "$0")"

cargo test --all-targets
cargo build --release --locked

py=python3
venv=.venv
req=tests/python/requirements.txt
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi

# botocore 1.31.0's SQS model still speaks the query protocol; the suite loads it to test both.
model=tests/python/.query-model/sqs/2012-11-05/service-2.json
if [ ! -f "$model" ]; then
  tmp=$(mktemp -d)
  "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps -d "$tmp" botocore==1.31.0
  mkdir -p "$(dirname "$model")"
  "$venv/bin/python" - "$tmp" "$model" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/botocore-1.31.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("botocore/data/sqs/2012-11-05/service-2.json")
open(sys.argv[2], "wb").write(data)
PY
  rm -rf "$tmp"
fi

"$venv/bin/python" -m pytest -q tests/python

# The AWS SDK for JavaScript v3 suite (node:test), against the same release binary. `npm ci`
# reinstalls the locked versions whenever package-lock.json changes (stamped like the venv).
js=tests/js
js_stamp="$js/node_modules/.package-lock.sha256"
want=$(sha256sum "$js/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$js_stamp" 2>/dev/null || true)" != "$want" ]; then
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$js_stamp"
fi
(cd "$js" && npm test --silent)

# The npm package (`fogbank` + the `@fogbank/<platform>-<arch>` package carrying the release
# binary, built locally) installed into examples/node and used there through its vitest
# globalSetup and its jest setup files. Installed afresh each run: npm copies `file:` packages
# (install-links), so the binary in node_modules is always this build's.
node packages/npm/make-platform-package.mjs target/release/fogbank \
  "packages/npm/dist/$(node -p 'process.platform + "-" + process.arch')" --local packages/npm/dist/fogbank
# The lockfile was made on linux-x64 (CI's platform); elsewhere npm resolves the local platform
# package without touching the lockfile.
if [ "$(node -p 'process.platform + "-" + process.arch')" = linux-x64 ]; then
  (cd examples/node && npm ci --no-audit --no-fund --loglevel=error)
else
  (cd examples/node && npm install --no-save --no-audit --no-fund --loglevel=error)
fi
(cd examples/node && npm test --silent)
