#!/usr/bin/env bash
# Brings src/ to the project's format and lint rules in one go: prettier (.prettierrc.json),
# then eslint's automatic fixes (eslint.config.js; mostly `import type`). Run once after the
# branches that were editing src/ have merged, then `npm run lint` for what needs a hand.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/prettier --write --log-level warn src
node_modules/.bin/eslint --fix src || true
node_modules/.bin/prettier --write --log-level warn src
