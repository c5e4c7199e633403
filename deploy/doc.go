// Package deploy holds what a Prometheus user deploys around prescale: the
// recording and alerting rules (rules/), alertmanager.yml, the Dockerfile,
// Kubernetes and KEDA manifests (kubernetes/), systemd units (systemd/) and
// Grafana provisioning (grafana/). The package has no code: its tests check
// those files (and the repository's prometheus.yml and docker-compose.yml)
// with promtool, amtool and structural checks, and its end-to-end test runs
// the whole chain against real Prometheus and Alertmanager servers.
package deploy
