#!/usr/bin/env bash
# Builds the VictoriaMetrics single-node server the end-to-end tests and the
# fleet benchmark start (controller/e2e_vm_test.go), with `go install` from
# the Go module proxy, into a cache directory kept between runs:
#
#   .cache/victoriametrics/<version>/victoria-metrics   (gitignored)
#
# The first build takes minutes on two cores; later runs reuse the binary.
# Only when the module proxy cannot be reached does it write the reason to
# .cache/victoriametrics/<version>/SKIP, which the tests print when they
# skip; any other failure fails. PRESCALE_VICTORIAMETRICS_BIN names a binary
# to use instead (then nothing is built).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
VERSION=${VICTORIAMETRICS_VERSION:-v1.151.0}
PKG=github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics
dir=.cache/victoriametrics/$VERSION
bin=$dir/victoria-metrics

if [ -n "${PRESCALE_VICTORIAMETRICS_BIN:-}" ]; then
	test -x "$PRESCALE_VICTORIAMETRICS_BIN" || { echo "error: PRESCALE_VICTORIAMETRICS_BIN=$PRESCALE_VICTORIAMETRICS_BIN is not an executable file" >&2; exit 1; }
	echo ">> test dependency present: victoria-metrics (PRESCALE_VICTORIAMETRICS_BIN)"
	exit 0
fi
if [ -x "$bin" ]; then
	echo ">> test dependency present: victoria-metrics $VERSION ($bin)"
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/SKIP"
echo ">> building victoria-metrics $VERSION with go install into $dir (once; takes minutes)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if GOBIN="$PWD/$dir" GOFLAGS=-mod=mod nice -n 10 "$GO" install "$PKG@$VERSION" >"$log" 2>&1; then
	echo ">> built $bin"
	exit 0
fi
# A network failure reaching the module proxy (or the direct origin) is the
# one reason to let the tests skip; say so, with the error.
if grep -qiE 'dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout|network is unreachable|proxyconnect|server misbehaving|context deadline exceeded' "$log"; then
	{
		echo "victoria-metrics $VERSION could not be built: the Go module proxy ($("$GO" env GOPROXY)) is unreachable:"
		tail -n 3 "$log"
		echo
	} >"$dir/SKIP"
	echo "warning: skipping the VictoriaMetrics end-to-end tests: $(head -n 1 "$dir/SKIP")" >&2
	exit 0
fi
echo "error: go install $PKG@$VERSION failed:" >&2
cat "$log" >&2
exit 1
