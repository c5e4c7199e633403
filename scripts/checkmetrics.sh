#!/usr/bin/env bash
# Runs `promtool check metrics` on the exporter's golden exposition files and
# fails on any finding (promtool's exit code, or any line it prints).
# Usage: scripts/checkmetrics.sh [golden files...]
set -euo pipefail
cd "$(dirname "$0")/.."

PROMTOOL="${PROMTOOL:-promtool}"
if ! command -v "$PROMTOOL" >/dev/null; then
	echo "error: $PROMTOOL not found; install it with: sudo apt-get install prometheus (or set PROMTOOL)" >&2
	exit 1
fi

files=("$@")
if [ "${#files[@]}" -eq 0 ]; then
	files=(exporter/testdata/*.golden)
fi

status=0
for f in "${files[@]}"; do
	case "$f" in *e2e-*) continue ;; esac # summaries, not expositions
	if ! out=$("$PROMTOOL" check metrics <"$f" 2>&1) || [ -n "$out" ]; then
		echo "FAIL $f"
		echo "$out" | sed 's/^/  /'
		status=1
	else
		echo "ok   $f"
	fi
done
exit "$status"
