#!/usr/bin/env bash
# Makes sure the real servers the end-to-end tests start are installed:
# prometheus, promtool, alertmanager (Debian's prometheus-alertmanager),
# amtool and node_exporter (Debian's prometheus-node-exporter, which the
# exporter's host metrics are compared with). Installs Debian's packages when running as root with apt-get;
# otherwise fails with the command to run. It never lets a test skip.
# It also installs Helm v4 (the chart test runs helm lint and helm template)
# with go install into $(go env GOPATH)/bin, where the test looks too.
# --servers: the Debian servers only, not Helm (make soak runs it so).
set -euo pipefail

servers_only=0
case "${1:-}" in
--servers) servers_only=1 ;;
"") ;;
*) echo "usage: scripts/ensure-test-deps.sh [--servers]" >&2; exit 2 ;;
esac

HELM_VERSION=v4.3.2
if [ "$servers_only" -eq 0 ]; then
	gobin="$(go env GOPATH)/bin"
	is_helm4() { [ -x "$1" ] && "$1" version --short 2>/dev/null | grep -q '^v4\.'; }
	helm_bin="$gobin/helm"
	if ! is_helm4 "$helm_bin"; then
		helm_bin="$(command -v helm || true)"
	fi
	if ! is_helm4 "$helm_bin"; then
		echo ">> installing helm $HELM_VERSION into $gobin with go install (the first build compiles Kubernetes client libraries: several minutes on 2 cores)"
		go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
		helm_bin="$gobin/helm"
	fi
	echo ">> helm present: $helm_bin ($("$helm_bin" version --short))"
fi

missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
command -v promtool >/dev/null || missing+=(prometheus)
command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
if ! command -v prometheus-alertmanager >/dev/null && ! command -v alertmanager >/dev/null; then
	missing+=(prometheus-alertmanager)
fi
if ! command -v prometheus-node-exporter >/dev/null && ! command -v node_exporter >/dev/null; then
	missing+=(prometheus-node-exporter)
fi
if [ "${#missing[@]}" -eq 0 ]; then
	echo ">> test dependencies present: prometheus, promtool, alertmanager, amtool, node_exporter"
	exit 0
fi
mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	echo ">> installing ${pkgs[*]} with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	echo ">> installed ${pkgs[*]}"
	exit 0
fi
echo "error: the end-to-end tests need ${pkgs[*]} (real Prometheus and Alertmanager servers)." >&2
echo "Install them with: sudo apt-get install ${pkgs[*]}" >&2
echo "or put prometheus, promtool, alertmanager, amtool and node_exporter on PATH (set PRESCALE_ALERTMANAGER_BIN or PRESCALE_NODE_EXPORTER_BIN for another name)." >&2
exit 1
