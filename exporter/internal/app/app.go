// Package app holds the exporter's collectors of the application: its HTTP
// probe (PRESCALE_APP_URL), its TCP connections (PRESCALE_APP_PORT) and its
// process (PRESCALE_APP_PROCESS). Each is a source of the exporter (Update
// and Describe), run on every scrape beside the host's, and records what
// the load score needs in the scrape's loadscore.Scrape.
package app

import "github.com/prometheus/client_golang/prometheus"

// namespace and subsystem prefix every metric of this package:
// prescale_app_... (namespace is the exporter's Namespace).
const (
	namespace = "prescale"
	subsystem = "app"
)

// fqName builds a metric name: prescale_app_<name>.
func fqName(name string) string {
	return prometheus.BuildFQName(namespace, subsystem, name)
}

// describe sends every desc to ch (a collector's Describe).
func describe(ch chan<- *prometheus.Desc, descs ...*prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}
