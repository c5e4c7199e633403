// Package dashboards holds prescale's Grafana dashboards as JSON files
// (host-overview.json for the exporter, prescale.json for the controller's
// forecasts and decisions). The package has no code: its tests check that
// the files are canonically formatted, that uids and titles are unique, that
// every panel uses the ${datasource} template variable, and that every PromQL
// expression parses and names only metrics that really exist (the exporter's
// golden exposition, the controller's registered metrics, the recording
// rules, and the series Prometheus itself writes).
package dashboards
