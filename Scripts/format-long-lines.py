#!/usr/bin/env python3
# Shortens every Swift line over 120 characters (STYLE.md) in the files given, touching nothing else:
# - a long `//` or `///` comment line is rewrapped at word boundaries;
# - a long line of code is re-laid out by `swift format format --offsets` (with .swift-format) over just the
#   statement it belongs to (the lines it continues and that continue it), so the rest of the file keeps its layout.
# Used by `bash Scripts/format-check.sh --fix`; run the check afterwards (a string literal may still be too long).
import subprocess
import sys

LIMIT = 120
CONTINUES_AFTER = ('(', ',', '[', '=', '+', '-', '&&', '||', '->', '??', '*', '/')
CONTINUES_WITH = ('.', ')', ']', '+', '-', '&&', '||', '? ', ': ', '->', 'throws', 'where', '??', '*', '/ ')


def rewrap_comment(line):
    stripped = line.lstrip(' ')
    indent = line[:len(line) - len(stripped)]
    marker = next((m for m in ('/// ', '// ') if stripped.startswith(m)), None)
    if marker is None:
        return None
    body = stripped[len(marker):]
    hanging = ' ' * (len(body) - len(body.lstrip(' ')))
    if body.lstrip().startswith('- '):
        hanging += '  '
    out, current = [], indent + marker + body[:len(body) - len(body.lstrip(' '))]
    for word in body.lstrip(' ').split(' '):
        candidate = current + ('' if current.endswith(marker) or current.endswith(' ') else ' ') + word
        if len(candidate) > LIMIT and current.strip() not in ('//', '///'):
            out.append(current)
            current = indent + marker + hanging + word
        else:
            current = candidate
    out.append(current)
    return out if all(len(x) <= LIMIT for x in out) else None


def shorten(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    rewrapped = []
    for line in lines:
        if len(line) > LIMIT and line.lstrip().startswith('//'):
            new = rewrap_comment(line)
            if new:
                rewrapped += new
                continue
        rewrapped.append(line)
    if rewrapped != lines:
        lines = rewrapped
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))

    def continues(i):  # line i continues the statement of line i - 1
        previous = lines[i - 1].rstrip() if '"' in lines[i - 1] else lines[i - 1].split('//')[0].rstrip()
        current = lines[i].lstrip()
        if not previous or not current or current.startswith('//') or previous.lstrip().startswith('//'):
            return False
        return previous.endswith(CONTINUES_AFTER) or current.startswith(CONTINUES_WITH)

    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line.encode('utf-8')) + 1
    ranges = []
    for n, line in enumerate(lines):
        if len(line) > LIMIT and not line.lstrip().startswith('//'):
            first = n
            while first > 0 and continues(first):
                first -= 1
            last = n
            while last + 1 < len(lines) and continues(last + 1):
                last += 1
            ranges.append([starts[first], starts[last] + len(lines[last].encode('utf-8'))])
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if merged:
        arguments = ['swift', 'format', 'format', '-i', '--configuration', '.swift-format']
        for start, end in merged:
            arguments += ['--offsets', f'{start}:{end}']
        result = subprocess.run(arguments + [path], capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(f'{path}: swift format failed: {result.stderr}\n')


for file in sys.argv[1:]:
    shorten(file)
