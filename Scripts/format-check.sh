#!/usr/bin/env bash
# Checks the Swift sources against the formatting rules of .swift-format (the toolchain's `swift format`), as CI
# does (Scripts/test.sh): every line at most 120 characters (STYLE.md), no trailing whitespace, and the swift-format
# rules the configuration turns on (the ones the code already follows). The layout findings of swift-format's
# pretty printer (indentation, where lines break, spacing, trailing commas) are not enforced: the tree is not
# pretty-printed as a whole, and a line that swift-format would lay out differently is fine if it keeps the rules.
#
#   bash Scripts/format-check.sh            check; exits 1 with file:line: [Rule] message for each finding
#   bash Scripts/format-check.sh --fix      first shortens every line over the limit (Scripts/format-long-lines.py:
#                                           comments rewrapped, the statement of a long code line re-laid out by
#                                           swift-format, nothing else touched), then checks
set -euo pipefail
cd "$(dirname "$0")/.."

limit=120
paths=(Sources Tests Benchmarks/Sources Fuzzers/Sources Package.swift Benchmarks/Package.swift Fuzzers/Package.swift)
existing=()
for p in "${paths[@]}"; do [ -e "$p" ] && existing+=("$p"); done

if [ "${1:-}" = --fix ]; then
    python3 - "$limit" "${existing[@]}" <<'PY' | xargs -r python3 Scripts/format-long-lines.py
import os, sys
limit = int(sys.argv[1])
for p in sys.argv[2:]:
    files = [p] if os.path.isfile(p) else [os.path.join(r, n) for r, d, ns in os.walk(p) for n in ns if n.endswith('.swift')]
    for f in files:
        if '.build' not in f and any(len(l.rstrip('\n')) > limit for l in open(f, encoding='utf-8')):
            print(f)
PY
fi

findings=$(mktemp)
trap 'rm -f "$findings"' EXIT

# Lines over the limit, counted in characters (Unicode scalars), as STYLE.md means it.
python3 - "$limit" "${existing[@]}" >>"$findings" <<'PY'
import os, sys
limit = int(sys.argv[1])
files = []
for p in sys.argv[2:]:
    if os.path.isfile(p):
        files.append(p)
    for root, dirs, names in os.walk(p):
        dirs[:] = [d for d in dirs if not d.startswith('.build')]
        files += [os.path.join(root, n) for n in names if n.endswith('.swift')]
for f in sorted(files):
    with open(f, encoding='utf-8') as text:
        for number, line in enumerate(text, 1):
            length = len(line.rstrip('\n'))
            if length > limit:
                print(f"{f}:{number}:{limit + 1}: warning: [LineLength] line is {length} characters, more than {limit}")
PY

# swift-format's rule findings; the pretty printer's layout categories are left out (see above).
layout='Indentation|LineLength|AddLines|RemoveLine|Spacing|TrailingComma|EndOfLineComment'
swift format lint --parallel --configuration .swift-format -r "${existing[@]}" 2>&1 \
    | grep -E ': (warning|error): ' | grep -vE "warning: \[($layout)\]" >>"$findings" || true

if [ -s "$findings" ]; then
    sort "$findings" >&2
    echo "Scripts/format-check.sh: $(wc -l <"$findings") formatting findings (above; rules in .swift-format, lines at most" \
        "$limit characters per STYLE.md). Fix them, then rerun." >&2
    exit 1
fi
echo "format check: no findings (.swift-format rules, lines at most $limit characters)"
