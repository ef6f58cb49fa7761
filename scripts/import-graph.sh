#!/usr/bin/env bash
# The import graph of src/ in numbers, for this checkout or for a commit (checked with THIS
# checkout's rules, so a before/after compares like with like):
#   scripts/import-graph.sh            # the working tree
#   scripts/import-graph.sh 51b5c35    # a commit (its src/ in a temporary folder)
# Prints the rule violations (dependency-cruiser, err-long), the folders each folder imports,
# and the folder-level cycles at run time and counting type-only imports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root
if [ $# -gt 0 ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/dbsync-graph-XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  git -C "$root" archive "$1" src | tar -x -C "$dir"
  mkdir -p "$dir/scripts"
  cp "$root/.dependency-cruiser.cjs" "$root/tsconfig.json" "$dir/"
  cp "$root/scripts/folder-cycles.mjs" "$dir/scripts/"
  ln -s "$root/node_modules" "$dir/node_modules"
fi
cd "$dir"
cruise=(npx depcruise src --config .dependency-cruiser.cjs)
echo "== rule violations"
"${cruise[@]}" --output-type err-long || true
echo "== folder -> the folders it imports"
"${cruise[@]}" --collapse '^src/[^/]+' --output-type text |
  awk -F' → ' '$2 ~ /^src\// { sub(/^src\//, "", $1); sub(/^src\//, "", $2); deps[$1] = deps[$1] " " $2; n++ } END { for (f in deps) print f ":" deps[f]; print "(" n " folder edges)" }' | sort
echo "== folder cycles (run time)"
node scripts/folder-cycles.mjs || true
echo "== folder cycles (type-only imports counted too)"
node scripts/folder-cycles.mjs --types || true
