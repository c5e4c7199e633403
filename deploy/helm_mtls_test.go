package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelmMutualTLSExample: docs/deploy.md's Helm values for mutual TLS
// to Prometheus render a pod that mounts the Secret where the
// PRESCALE_PROMETHEUS_*_FILE variables point (controller.extraVolumes and
// extraVolumeMounts, which the chart did not have).
func TestHelmMutualTLSExample(t *testing.T) {
	helm := lookHelm(t)
	m := regexp.MustCompile("(?s)```yaml\n(controller:\n  env:\n    PRESCALE_PROMETHEUS_URL: https.*?)```").FindSubmatch(readRepoFile(t, "docs/deploy.md"))
	require.NotNil(t, m, "docs/deploy.md: the mutual TLS Helm example")
	values := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(values, m[1], 0o600))
	objs := mustTemplate(t, helm, "-f", values)
	require.Len(t, objs["StatefulSet"], 1)
	ss := objs["StatefulSet"][0]
	vols := get(t, ss.raw, "spec", "template", "spec", "volumes").([]any)
	require.Contains(t, vols, map[string]any{"name": "prometheus-client-tls", "secret": map[string]any{"secretName": "prescale-prometheus-client"}})
	mounts := get(t, ss.raw, "spec", "template", "spec", "containers", 0, "volumeMounts").([]any)
	require.Contains(t, mounts, map[string]any{"name": "prometheus-client-tls", "mountPath": "/etc/prescale-tls", "readOnly": true})
	cm := objs["ConfigMap"][0]
	data := get(t, cm.raw, "data").(map[string]any)
	require.Equal(t, "/etc/prescale-tls/tls.crt", data["PRESCALE_PROMETHEUS_CERT_FILE"])
	require.Equal(t, "/etc/prescale-tls/tls.key", data["PRESCALE_PROMETHEUS_KEY_FILE"])
}
