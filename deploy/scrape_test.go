package deploy

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// scrapeJob is a job of deploy/kubernetes/prometheus-scrape.yml.
type scrapeJob struct {
	JobName string `yaml:"job_name"`
	SD      []struct {
		Role string `yaml:"role"`
	} `yaml:"kubernetes_sd_configs"`
	Relabel []*relabel.Config `yaml:"relabel_configs"`
}

// metaName is Kubernetes discovery's label name for a label or annotation
// key: every character outside [a-zA-Z0-9_] becomes '_'.
var metaName = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// discovered is what Prometheus's endpoints role gives a target of the
// Service's port, with job set from the job's name as Prometheus sets it
// before relabelling.
func discovered(t *testing.T, job string, svc k8sObject, port any) *labels.Builder {
	t.Helper()
	lb := labels.NewBuilder(labels.EmptyLabels())
	lb.Set(model.JobLabel, job)
	lb.Set(model.AddressLabel, fmt.Sprintf("10.0.0.7:%v", get(t, port, "port")))
	lb.Set("__meta_kubernetes_namespace", svc.Metadata.Namespace)
	lb.Set("__meta_kubernetes_service_name", svc.Metadata.Name)
	lb.Set("__meta_kubernetes_endpoint_port_name", fmt.Sprint(get(t, port, "name")))
	lb.Set("__meta_kubernetes_pod_name", svc.Metadata.Name+"-0")
	lb.Set("__meta_kubernetes_pod_node_name", "node-a")
	for _, kind := range []string{"label", "annotation"} {
		m, _ := get(t, svc.raw, "metadata", kind+"s").(map[string]any)
		for k, v := range m {
			lb.Set("__meta_kubernetes_service_"+kind+"_"+metaName.ReplaceAllString(k, "_"), fmt.Sprint(v))
		}
	}
	return lb
}

// TestKubernetesScrapeJobs runs the relabelling of
// deploy/kubernetes/prometheus-scrape.yml (with Prometheus's own relabel
// code) on every port of every Service of the plain manifests and of the
// Helm chart (two release names): each job keeps exactly the Service the
// alerting rules mean by its job, once per source, and the jobs are those
// the rules select. Annotation-based discovery with the prometheus-community
// chart scraped both programs as job="kubernetes-service-endpoints", so
// PrescaleControllerAbsent and PrescaleExporterAbsent fired for ever; the
// repository had no scrape configuration for Kubernetes.
func TestKubernetesScrapeJobs(t *testing.T) {
	var file struct {
		ScrapeConfigs []scrapeJob `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, "kubernetes/prometheus-scrape.yml"), &file))
	alerts := string(testkit.ReadFile(t, "rules/alerts.yml"))
	helm := lookHelm(t)
	sources := map[string]map[string][]k8sObject{"deploy/kubernetes": loadManifests(t)}
	for _, release := range []string{"prescale", "shop-autoscaler"} {
		objs, stderr, err := helmTemplateRelease(t, helm, release)
		require.NoError(t, err, stderr)
		sources["helm release "+release] = objs
	}
	want := map[string]string{"prescale-controller": "controller", "prescale-exporter": "exporter"}
	require.Len(t, file.ScrapeConfigs, len(want))
	for _, job := range file.ScrapeConfigs {
		component, ok := want[job.JobName]
		require.True(t, ok, "job %q: the rules select prescale-controller and prescale-exporter", job.JobName)
		require.Contains(t, alerts, `job="`+job.JobName+`"`)
		require.Len(t, job.SD, 1, job.JobName)
		require.Equal(t, "endpoints", job.SD[0].Role, job.JobName)
		for _, c := range job.Relabel {
			require.NoError(t, c.Validate(model.UTF8Validation), job.JobName)
		}
		for source, objs := range sources {
			var kept []labels.Labels
			for _, svc := range objs["Service"] {
				ports, _ := get(t, svc.raw, "spec", "ports").([]any)
				for _, port := range ports {
					lb := discovered(t, job.JobName, svc, port)
					if relabel.ProcessBuilder(lb, job.Relabel...) {
						kept = append(kept, lb.Labels())
					}
				}
			}
			require.Len(t, kept, 1, "%s in %s: targets kept %v", job.JobName, source, kept)
			got := kept[0]
			require.Equal(t, job.JobName, got.Get(model.JobLabel))
			require.Equal(t, "prescale-"+component, got.Get("__meta_kubernetes_service_label_app_kubernetes_io_name"))
			require.NotContains(t, got.Get("__meta_kubernetes_service_name"), "headless", source)
			if component == "exporter" {
				require.Equal(t, "node-a", got.Get(model.InstanceLabel), "%s: the node's name as instance", source)
			}
		}
	}
}
