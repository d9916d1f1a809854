#!/usr/bin/env bash
# Runs every test of the project: the Rust unit and integration tests (with
# and without optional features).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust tests (default features)"
cargo test --quiet
echo "== Rust tests (all features)"
cargo test --quiet --all-features
