#!/usr/bin/env bash
# Builds prescale's binaries for `make build` / `make run`:
#   scripts/build.sh PREFIX LDFLAGS BINARY...
# On a cold Go build cache (a fresh clone) the first build compiles about
# 900 packages, most of them the embedded TSDB and PromQL engine
# (github.com/prometheus/prometheus) and the cloud SDKs its config package
# imports (docs/development.md, Dependencies): several minutes on 2 cores. This script
# says so before it starts and reports progress every 100 packages, so the
# wait is not silent; compiler errors are printed as they come.
set -euo pipefail

prefix=$1
ldflags=$2
shift 2
go=${GO:-go}
export CGO_ENABLED=0

# The binaries link the embedded TSDB and it is stale with the flags below:
# not in the build cache yet.
deps=$($go list -deps "${@/#/./cmd/}" 2>/dev/null || true)
if grep -qx github.com/prometheus/prometheus/tsdb <<<"$deps" &&
	[ "$($go list -trimpath -f '{{.Stale}}' github.com/prometheus/prometheus/tsdb 2>/dev/null)" != false ]; then
	echo ">> first build: compiling about $(wc -l <<<"$deps") packages, most of them the embedded TSDB and PromQL"
	echo "   engine (github.com/prometheus/prometheus) and the cloud SDKs its config package imports;"
	echo "   several minutes on 2 cores (8 to 13 min measured on 2 busy cores); later builds take seconds"
fi

mkdir -p "$prefix"
start=$SECONDS
for b in "$@"; do
	count=0
	"$go" build -v -trimpath -ldflags "$ldflags" -o "$prefix/$b" "./cmd/$b" 2>&1 | while IFS= read -r line; do
		# -v prints each package it compiles, one import path per line.
		if [[ $line =~ ^[A-Za-z0-9._~/-]+$ ]]; then
			count=$((count + 1))
			if ((count % 100 == 0)); then
				echo ">> $b: $count packages compiled ($((SECONDS - start)) s)"
			fi
		else
			echo "$line" >&2
		fi
	done
done
