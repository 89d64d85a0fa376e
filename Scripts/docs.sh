#!/usr/bin/env bash
# Builds the DocC documentation of every library module into a site (swift-docc-plugin), and fails on any DocC
# warning (a broken symbol link, an undocumented or misnamed parameter, a missing article), printing them.
# Archives land in .build/plugins/Swift-DocC/outputs/MODULE.doccarchive; README ("Documentation") says how to browse.
#   bash Scripts/docs.sh            all library modules
#   bash Scripts/docs.sh NICModel   one module (or several)
set -euo pipefail
cd "$(dirname "$0")/.."

modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    # Every Swift library module under Sources/ (a new module is documented and checked without editing this list);
    # not the command line (nicsim, an executable) and not the C modules (CPrefetch, CVDEPlug).
    for directory in Sources/*/; do
        module=$(basename "$directory")
        [ "$module" = nicsim ] && continue
        compgen -G "${directory}*.swift" >/dev/null || continue
        modules+=("$module")
    done
fi
arguments=()
for module in "${modules[@]}"; do arguments+=(--target "$module"); done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift package generate-documentation "${arguments[@]}" >"$log" 2>&1 || status=$?
# DocC prints each diagnostic as "warning: ..." or "error: ..." followed by its place ("--> File.md:3:5").
if [ $status -ne 0 ] || grep -qE '^(warning|error): ' "$log"; then
    grep -vE '^\[[0-9]+/[0-9]+\]' "$log" >&2
    echo "Scripts/docs.sh: the documentation has DocC warnings or errors (above); fix them, then rerun." >&2
    exit 1
fi
echo "documentation built for ${#modules[@]} modules, no warnings: .build/plugins/Swift-DocC/outputs/"
