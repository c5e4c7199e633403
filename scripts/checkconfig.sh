#!/usr/bin/env bash
# Checks prescale's Prometheus-side configuration with the real tools:
#   promtool check config  prometheus.yml
#   promtool check rules   deploy/rules/*.yml   (rule files; *_test.yml excluded)
#   promtool test rules    deploy/rules/*_test.yml
#   amtool check-config    deploy/alertmanager.yml
#   promtool check config  deploy/kubernetes/prometheus-scrape.yml, where
#                          promtool has Kubernetes service discovery
#                          (Debian's is built without it: a note says so)
# Exits non-zero on the first failure. PROMTOOL and AMTOOL override the tool
# paths. deploy/deploy_test.go runs the same checks under `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMTOOL="${PROMTOOL:-promtool}"
AMTOOL="${AMTOOL:-amtool}"
for tool in "$PROMTOOL" "$AMTOOL"; do
	if ! command -v "$tool" >/dev/null; then
		echo "error: $tool not found; install it with: sudo apt-get install prometheus prometheus-alertmanager (or set PROMTOOL/AMTOOL)" >&2
		exit 1
	fi
done

rules=()
tests=()
for f in deploy/rules/*.yml; do
	case "$f" in
	*_test.yml) tests+=("$f") ;;
	*) rules+=("$f") ;;
	esac
done

echo ">> promtool check config prometheus.yml"
"$PROMTOOL" check config prometheus.yml
echo ">> promtool check rules ${rules[*]}"
"$PROMTOOL" check rules "${rules[@]}"
echo ">> promtool test rules ${tests[*]}"
"$PROMTOOL" test rules "${tests[@]}"
echo ">> amtool check-config deploy/alertmanager.yml"
"$AMTOOL" check-config deploy/alertmanager.yml
echo ">> promtool check config deploy/kubernetes/prometheus-scrape.yml"
if ! out=$("$PROMTOOL" check config deploy/kubernetes/prometheus-scrape.yml 2>&1); then
	case "$out" in
	*"field kubernetes_sd_configs not found"*)
		echo "note: this promtool is built without Kubernetes service discovery (Debian's is); go test ./deploy checks the file's jobs (TestKubernetesScrapeJobs)"
		;;
	*)
		echo "$out" >&2
		exit 1
		;;
	esac
else
	echo "$out"
fi
