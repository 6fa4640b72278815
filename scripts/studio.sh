#!/usr/bin/env bash
# Sets up and starts CLIP-IT Studio: installs packages, builds, and serves the
# production build on http://127.0.0.1:5173 with COOP/COEP and the strict CSP.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
npx vite build
echo "[studio] open http://127.0.0.1:${PORT:-5173} in Chrome or Edge 113+ (WebGPU); Ctrl+C stops the server"
exec npx vite preview --port "${PORT:-5173}" --strictPort
