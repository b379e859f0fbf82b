#!/usr/bin/env bash
# Installs what the tests need (Debian's Chromium for WebGPU via SwiftShader, the
# Vulkan loader, npm packages) and runs every test: unit + GPU kernel tests
# (Vitest in Node on real WebGPU), the CLI checks, and Playwright e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! ldconfig -p | grep -q libvulkan.so.1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium libvulkan1 >/dev/null
fi
npm ci --no-audit --no-fund
npx tsc --noEmit -p tsconfig.json
npx vitest run
# Playwright builds the production bundle itself (its webServer: vite build + vite preview)
npx playwright test
