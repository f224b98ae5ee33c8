#!/usr/bin/env bash
# Runs every fogbank test: Rust unit and integration tests (with the `testing` feature, which
# also builds the Rust fixture example), then the Python boto3 suite, the Python package's
# pytest fixtures (examples/pytest) and the JavaScript (AWS SDK v3) suite against the release
# binary. Needs a Rust toolchain, python3 (3.11+), node and npm; creates .venv/,
# examples/pytest/.venv/ and tests/js/node_modules/ on first use.
set -euo pipefail
cd "$(dirname "$0")"

cargo test --all-targets --features testing
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

# The Python package (packages/python): its wheel assembled from the release binary built above (no
# second compile; maturin makes the published wheels), installed into the example project's
# own venv, and examples/pytest run through the fixtures the wheel's pytest plugin provides.
ex=examples/pytest
ex_venv="$ex/.venv"
if [ ! -x "$ex_venv/bin/python" ]; then
  "$py" -m venv "$ex_venv"
fi
ex_stamp="$ex_venv/.requirements.sha256"
want=$(sha256sum "$ex/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$ex_stamp" 2>/dev/null || true)" != "$want" ]; then
  "$ex_venv/bin/python" -m pip install -q --disable-pip-version-check -r "$ex/requirements.txt"
  echo "$want" > "$ex_stamp"
fi
target_dir="${CARGO_TARGET_DIR:-target}"
wheel=$("$venv/bin/python" packages/python/build_wheel.py "$target_dir/release/fogbank" --out "$target_dir/wheels")
"$ex_venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
(cd "$ex" && env -u FOGBANK_BIN .venv/bin/python -m pytest -q)

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
