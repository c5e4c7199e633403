package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/clihelp"
)

// validConfig is what envconfig yields from the defaults plus a query.
func validConfig(t *testing.T) Config {
	t.Helper()
	var c Config
	t.Setenv("PRESCALE_TARGET_QUERY", "sum(rate(requests_total[5m]))")
	require.NoError(t, envconfig.Process(EnvPrefix, &c))
	require.NoError(t, c.Validate())
	return c
}

func TestConfigDefaults(t *testing.T) {
	c := validConfig(t)
	require.Equal(t, ":9111", c.Listen)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, time.Minute, c.ScalingInterval)
	require.Equal(t, controller.ModeAct, c.Mode)
	require.InDelta(t, 0.7, c.ConfidenceThreshold, 0)
	require.Equal(t, []string{ActuatorNone}, c.Actuators)
}

// The live defaults are the backtest's measured configuration
// (engine.Default*): a backtest replays what the controller decides.
func TestConfigDefaultsAreTheMeasuredOnes(t *testing.T) {
	c := validConfig(t)
	tg := c.EnvTarget()
	require.InDelta(t, engine.DefaultRiskPerUnit, tg.RiskPerUnit, 0)
	require.Equal(t, engine.DefaultFloorMode, tg.FloorMode)
	require.True(t, tg.HoldUntilReady)
	require.Zero(t, tg.StabilizationWindow)
	require.InDelta(t, engine.DefaultCoverage, c.Coverage, 0)
	require.InDelta(t, engine.DefaultAnomalyThreshold, c.AnomalyThreshold, 0)
	require.Equal(t, engine.DefaultDetector, c.AnomalyDetector)
	require.InDelta(t, engine.DefaultChangeCost, tg.ChangeCost, 0)
	require.Equal(t, tg.Lag, tg.UsageWindow, "usage window: the lag, as prescale backtest has it")
	require.Equal(t, 5*time.Minute, engine.Resolve(tg, c.ScalingInterval).StabilizationWindow,
		"hold window: the 5m lag")
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"no query", func(c *Config) { c.TargetQuery = "" }, "PRESCALE_TARGET_QUERY: must be set (or give PRESCALE_TARGETS_FILE)"},
		// An empty tier dropped the tier label from every series and alert.
		{"empty tier", func(c *Config) { c.TargetTier = "" }, "PRESCALE_TARGET_TIER: must not be empty: it is the tier label"},
		{"blank tier", func(c *Config) { c.TargetTier = " " }, "PRESCALE_TARGET_TIER: must not be empty"},
		// An empty kind was taken: the kind label vanished likewise.
		{"empty kind", func(c *Config) { c.TargetKind = "" }, "PRESCALE_TARGET_KIND: must not be empty: it is the kind label"},
		{"query syntax", func(c *Config) { c.TargetQuery = "sum(" }, `PRESCALE_TARGET_QUERY: invalid PromQL "sum("`},
		{"query range vector", func(c *Config) { c.TargetQuery = "up[5m]" }, `PRESCALE_TARGET_QUERY: PromQL "up[5m]" returns a matrix`},
		{"interval", func(c *Config) { c.ScalingInterval = 0 }, "PRESCALE_SCALING_INTERVAL: must be at least 1s, got 0s"},
		// 1ns ran cycles back to back, spinning a core.
		{"interval too short", func(c *Config) { c.ScalingInterval = time.Nanosecond }, "PRESCALE_SCALING_INTERVAL: must be at least 1s, got 1ns"},
		{"scrape interval too short", func(c *Config) { c.ScrapeInterval = time.Millisecond }, "PRESCALE_SCRAPE_INTERVAL: must be at least 1s, got 1ms"},
		// Prometheus's names of fallback_scrape_protocol, not a media type.
		{"scrape fallback protocol", func(c *Config) { c.ScrapeFallback = "text/plain" },
			`PRESCALE_SCRAPE_FALLBACK_PROTOCOL: unknown scrape protocol "text/plain", want one of OpenMetricsText0.0.1, OpenMetricsText1.0.0, PrometheusProto, PrometheusText0.0.4, PrometheusText1.0.0`},
		{"step", func(c *Config) { c.Step = -time.Second }, "PRESCALE_STEP: must be > 0, got -1s"},
		// A window's points were counted by dividing by the step: 0s panicked.
		{"step zero", func(c *Config) { c.Step = 0 }, "PRESCALE_STEP: must be > 0, got 0s"},
		{"step fraction", func(c *Config) { c.Step = 1500 * time.Millisecond }, "PRESCALE_STEP: must be a whole number of seconds, got 1.5s"},
		{"window", func(c *Config) { c.HistoryWindow = time.Minute }, "PRESCALE_HISTORY_WINDOW: must hold at least 10 steps of PRESCALE_STEP (5m0s), got 1m0s"},
		// 336h at 1s: 1.2 million points per target, no cycle finished.
		{"window points", func(c *Config) { c.Step = time.Second },
			"PRESCALE_HISTORY_WINDOW: 336h0m0s at PRESCALE_STEP=1s is 1209600 points per target, more than 20160 (14 days at 1m): lengthen PRESCALE_STEP or shorten PRESCALE_HISTORY_WINDOW"},
		{"coverage", func(c *Config) { c.Coverage = 1 }, "PRESCALE_FORECAST_COVERAGE: must be in (0, 1), got 1"},
		{"mode", func(c *Config) { c.Mode = "yolo" }, `PRESCALE_MODE: must be "act" or "forecast-only", got "yolo"`},
		{"actuator", func(c *Config) { c.Actuators = []string{"k8s"} }, `PRESCALE_ACTUATOR: unknown actuator "k8s" (none, webhook, exec, simulated)`},
		{"webhook url", func(c *Config) { c.Actuators = []string{ActuatorWebhook} }, "PRESCALE_WEBHOOK_URL: must be set when PRESCALE_ACTUATOR includes webhook"},
		{"exec command", func(c *Config) { c.Actuators = []string{ActuatorExec} }, "PRESCALE_EXEC_COMMAND: must be set when PRESCALE_ACTUATOR includes exec"},
		// simulated,simulated panicked registering its metrics twice.
		{"actuator twice", func(c *Config) { c.Actuators = []string{ActuatorSimulated, ActuatorSimulated} }, `PRESCALE_ACTUATOR: "simulated" is listed twice`},
		{"exec command empty field", func(c *Config) { c.Actuators, c.ExecCommand = []string{ActuatorExec}, []string{" ", "x"} }, "PRESCALE_EXEC_COMMAND: the command (its first field) is empty"},
		{"exec command not found", func(c *Config) {
			c.Actuators, c.ExecCommand = []string{ActuatorExec}, []string{filepath.Join(t.TempDir(), "scale-pool")}
		}, "PRESCALE_EXEC_COMMAND: exec: "},
		{"webhook receiver empty", func(c *Config) {
			c.Actuators, c.WebhookURL, c.WebhookReceiver = []string{ActuatorWebhook}, []string{"http://127.0.0.1:5001/"}, ""
		}, "PRESCALE_WEBHOOK_RECEIVER: must not be empty when PRESCALE_ACTUATOR includes webhook"},
		{"detector", func(c *Config) { c.AnomalyDetector = "magic" }, `PRESCALE_ANOMALY_DETECTOR: must be one of [robust zscore], got "magic"`},
		{"anomaly threshold", func(c *Config) { c.AnomalyThreshold = 0 }, "PRESCALE_ANOMALY_THRESHOLD: must be in (0, 1], got 0"},
		{"retention", func(c *Config) { c.Retention = time.Hour }, "PRESCALE_RETENTION: must be >= PRESCALE_HISTORY_WINDOW (336h0m0s), got 1h0m0s"},
		{"query timeout", func(c *Config) { c.QueryTimeout = 0 }, "PRESCALE_QUERY_TIMEOUT: must be > 0, got 0s"},
		{"query concurrency", func(c *Config) { c.QueryConcurrency = 257 }, "PRESCALE_QUERY_CONCURRENCY: must be in [1, 256] (0: 8), got 257"},
		{"actuator concurrency", func(c *Config) { c.ActuatorConcurrency = -1 }, "PRESCALE_ACTUATOR_CONCURRENCY: must be in [1, 256] (0: 8), got -1"},
		{"listen", func(c *Config) { c.Listen = "" }, "PRESCALE_LISTEN: must not be empty"},
		{"prometheus url scheme", func(c *Config) { c.PrometheusURL = "ftp://x" }, `PRESCALE_PROMETHEUS_URL: must be an http or https URL, got "ftp://x"`},
		{"prometheus url host", func(c *Config) { c.PrometheusURL = "http:///api" }, `PRESCALE_PROMETHEUS_URL: must name a host, got "http:///api"`},
		// The password of an unparseable URL was printed (issue 12).
		{"prometheus url unparseable redacted", func(c *Config) { c.PrometheusURL = "http://u:SECRET@[::1" }, `PRESCALE_PROMETHEUS_URL: not a URL: parse http://REDACTED@[::1: missing ']' in host`},
		{"scrape target token redacted", func(c *Config) { c.ScrapeTargets = []string{"http://u:SECRET@h:bad/?t=SECRET"} }, `PRESCALE_SCRAPE_TARGETS: not a URL: parse http://REDACTED@h:bad/?REDACTED: invalid port ":bad" after host`},
		{"webhook url redacted", func(c *Config) { c.WebhookURL = []string{"ftp://u:SECRET@h/?SECRET"} }, `PRESCALE_WEBHOOK_URL: must be an http or https URL, got "ftp://REDACTED@h/?REDACTED"`},
		{"prometheus url password redacted", func(c *Config) { c.PrometheusURL = "gopher://u:secret@h" }, `PRESCALE_PROMETHEUS_URL: must be an http or https URL, got "gopher://REDACTED@h"`},
		// A password's unencoded '#' ended the host: it was taken, queries
		// went to host "SE", and the start line showed "REDACTED@SE#CRET@prom".
		{"prometheus url password cut short", func(c *Config) { c.PrometheusURL = "https://ops:p@SE#CRET@prom:9090/prom" }, `PRESCALE_PROMETHEUS_URL: "https://REDACTED@prom:9090/REDACTED" holds an '@' or a '#' after its host: a password (or user) holding '/', '?', '#' or '@' must write them percent-encoded (%2F, %3F, %23, %40), and a server's URL has no #fragment`},
		// Refused as above; the message showed "&token=SECRET".
		{"webhook url with an '@' in its query", func(c *Config) { c.WebhookURL = []string{"https://hooks/x?to=ops@example.com&token=SECRET"} },
			`PRESCALE_WEBHOOK_URL: "https://REDACTED@example.com/REDACTED" holds an '@' or a '#' after its host`},
		{"webhook url password cut short", func(c *Config) { c.WebhookURL = []string{"https://ops:12?SECRET@r/hook"} }, `PRESCALE_WEBHOOK_URL: "https://REDACTED@r/REDACTED" holds an '@' or a '#' after its host`},
		{"shard index", func(c *Config) { c.Shard = "3/3" }, "PRESCALE_SHARD: the shard index i must be in [0, 3) for 3 shards, got 3"},
		{"shard count", func(c *Config) { c.Shard = "0/0" }, "PRESCALE_SHARD: the shard count n must be >= 1, got 0"},
		{"shard syntax", func(c *Config) { c.Shard = "2" }, `PRESCALE_SHARD: want i/n (shard i of n, 0 <= i < n), got "2"`},
		{"shard both", func(c *Config) { c.Shard, c.ShardCount = "0/2", 2 }, "PRESCALE_SHARD_COUNT: set PRESCALE_SHARD or PRESCALE_SHARD_COUNT, not both"},
		{"shard count negative", func(c *Config) { c.ShardCount = -1 }, "PRESCALE_SHARD_COUNT: the shard count must be >= 1 (0: off), got -1"},
		{"header without value", func(c *Config) { c.PrometheusHeaders = []string{"X-Scope-OrgID"} }, "PRESCALE_PROMETHEUS_HEADERS: entry 1: want NAME=VALUE"},
		{"header name", func(c *Config) { c.PrometheusHeaders = []string{"A=1", "Bad Name=s3cret"} }, `PRESCALE_PROMETHEUS_HEADERS: entry 2: a header name cannot hold ' ' (after "Bad"; the rest of the entry, which may be its value, is not shown): want NAME=VALUE`},
		{"header value", func(c *Config) { c.PrometheusHeaders = []string{"Authorization=Bearer s3cret\r\nX: y"} }, "PRESCALE_PROMETHEUS_HEADERS: entry 1: the value of header Authorization has characters a header cannot carry"},
		{"scrape target", func(c *Config) { c.ScrapeTargets = []string{"notaurl"} }, `PRESCALE_SCRAPE_TARGETS: must be an http or https URL, got "notaurl"`},
		{"webhook url scheme", func(c *Config) { c.WebhookURL = []string{"localhost:5001"} }, `PRESCALE_WEBHOOK_URL: must be an http or https URL, got "localhost:5001"`},
		// "Alertmanager-v4 webhooks" read as "send to Alertmanager": its
		// alerts API answers 400 to every delivery ("cannot unmarshal object
		// into Go value of type models.PostableAlerts", tried with a real
		// Alertmanager 0.25), which the actuator retried for ever.
		{"webhook url is Alertmanager's API", func(c *Config) {
			c.Actuators, c.WebhookURL = []string{ActuatorWebhook}, []string{"http://alertmanager:9093/api/v2/alerts"}
		}, "PRESCALE_WEBHOOK_URL: http://alertmanager:9093/api/v2/alerts is Alertmanager's API for alerts from Prometheus, which refuses a webhook message (HTTP 400)"},
		{"webhook url is Alertmanager's v1 API under a prefix", func(c *Config) {
			c.Actuators, c.WebhookURL = []string{ActuatorWebhook}, []string{"https://ops/am/api/v1/alerts/"}
		}, "PRESCALE_WEBHOOK_URL: https://ops/am/api/v1/alerts/ is Alertmanager's API"},
		// A Secret made from a file keeps its trailing newline: the token
		// was taken, and no request could carry it (401 to every POST).
		{"api token trailing newline", func(c *Config) { c.APIToken = "s3cret78\n" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		{"api token leading space", func(c *Config) { c.APIToken = " s3cret78" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		{"api token control character", func(c *Config) { c.APIToken = "s3\x00cret78" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		// A space inside was taken, and non-ASCII: a bearer token is
		// printable ASCII without spaces (RFC 6750's b64token), which is
		// what clients and proxies carry as given.
		{"api token space inside", func(c *Config) { c.APIToken = "s3cret 78" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		{"api token no-break space inside", func(c *Config) { c.APIToken = "s3cret\u00a078" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		{"api token beyond ASCII", func(c *Config) { c.APIToken = "s3crét78" }, "PRESCALE_API_TOKEN: must be printable ASCII without white space"},
		// The exec actuator's quoted output hides secrets from 8 bytes:
		// a 7-byte token was shown bare in /api/system/health.
		{"api token short", func(c *Config) { c.APIToken = "s3cret7" }, "PRESCALE_API_TOKEN: must be at least 8 bytes: a shorter one is easily guessed"},
		// The API's own URL (as pasted from a curl of it) was taken: every
		// query went to .../api/v1/api/v1/query_range and was answered 404.
		{"prometheus url names the API", func(c *Config) { c.PrometheusURL = "http://u:s3cret@prometheus:9090/api/v1/" },
			"PRESCALE_PROMETHEUS_URL: http://REDACTED@prometheus:9090/api/v1/ names the query API itself: give its base URL, the part before /api/v1 (http://REDACTED@prometheus:9090)"},
		{"prometheus url names a query", func(c *Config) { c.PrometheusURL = "https://mimir/prometheus/api/v1/query_range?x=1" },
			"(https://mimir/prometheus); prescale adds /api/v1/query_range"},
		{"external url", func(c *Config) { c.ExternalURL = "::bad" }, `PRESCALE_EXTERNAL_URL: not a URL: parse ::bad: missing protocol scheme`},
		{"webhook attempts", func(c *Config) { c.WebhookRetries = 0 }, "PRESCALE_WEBHOOK_MAX_ATTEMPTS: must be >= 1, got 0"},
		{"manual duration bounded", func(c *Config) { c.ManualDuration = 200 * time.Hour }, "PRESCALE_MANUAL_DURATION: must be in (0s, 168h0m0s], got 200h0m0s"},
		{"metrics in flight", func(c *Config) { c.MetricsMaxInFlight = -1 }, "PRESCALE_METRICS_MAX_IN_FLIGHT: must be >= 0 (0: no limit), got -1"},
		{"target utilisation", func(c *Config) { c.TargetUtilization = 2 }, "PRESCALE_TARGET_UTILIZATION: must be in (0, 1], got 2"},
		{"capacity", func(c *Config) { c.CapacityPerUnit = 0 }, "PRESCALE_TARGET_CAPACITY_PER_UNIT: must be a finite number > 0, got 0"},
		{"capacity tiny", func(c *Config) { c.CapacityPerUnit = 1e-300 }, "PRESCALE_TARGET_CAPACITY_PER_UNIT: must be in [1e-09, 1e+15] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got 1e-300"},
		{"capacity times utilisation", func(c *Config) { c.CapacityPerUnit, c.TargetUtilization = 1e-8, 0.05 }, "PRESCALE_TARGET_UTILIZATION: times capacity_per_unit (0.05 × 1e-08 = 5e-10) must be at least 1e-09"},
		{"cost huge", func(c *Config) { c.CostPerUnitHour = 1e300 }, "PRESCALE_TARGET_COST_PER_UNIT_HOUR: must be at most 1e+09 (the price of one unit for one hour), got 1e+300"},
		{"max units", func(c *Config) { c.MaxUnits = 0 }, "PRESCALE_TARGET_MAX_UNITS: must be in [1, 1000000], got 0"},
		// It read "PRESCALE_TARGET_MIN_UNITS: (5) must not exceed max_units (2)".
		{"min above max", func(c *Config) { c.MinUnits, c.MaxUnits = 5, 2 }, "PRESCALE_TARGET_MIN_UNITS: must not exceed max_units (2), got 5"},
		{"max units huge", func(c *Config) { c.MaxUnits = 2_000_000 }, "PRESCALE_TARGET_MAX_UNITS: must be in [1, 1000000], got 2000000"},
		{"kind", func(c *Config) { c.TargetKind = "gpu" }, `PRESCALE_TARGET_KIND: must be one of instances, cpu, memory, storage; got "gpu"`},
		{"risk negative", func(c *Config) { c.RiskPerUnit = -0.1 }, "PRESCALE_TARGET_RISK_PER_UNIT: must be in [0, 1), got -0.1"},
		{"risk one", func(c *Config) { c.RiskPerUnit = 1 }, "PRESCALE_TARGET_RISK_PER_UNIT: must be in [0, 1), got 1"},
		{"floor mode", func(c *Config) { c.FloorMode = "lazy" }, `PRESCALE_TARGET_FLOOR_MODE: must be scale_up or hold; got "lazy"`},
		{"stabilization", func(c *Config) { c.Stabilization = -time.Second }, "PRESCALE_TARGET_STABILIZATION_WINDOW: must be >= 0, got -1s"},
		// Two actuators on one receiver: every decision was sent to it twice.
		{"webhook URL twice", func(c *Config) {
			c.Actuators, c.WebhookURL = []string{"webhook"}, []string{"http://u:s3cret@r/hook", "http://r/other", "http://u:s3cret@r/hook"}
		}, "PRESCALE_WEBHOOK_URL: http://REDACTED@r/hook is listed twice: the receiver would get every decision twice"},
		{"scrape target twice", func(c *Config) { c.ScrapeTargets = []string{"http://e:9110/metrics", "http://e:9110/metrics"} }, "PRESCALE_SCRAPE_TARGETS: http://e:9110/metrics is listed twice"},
		{"current query", func(c *Config) { c.TargetCurrentQuery = "kube_deployment_status_replicas[5m]" }, `PRESCALE_TARGET_CURRENT_QUERY: PromQL "kube_deployment_status_replicas[5m]" returns a matrix`},
		{"complete query", func(c *Config) { c.TargetCompleteQuery = "min(up" }, `PRESCALE_TARGET_COMPLETE_QUERY: invalid PromQL "min(up"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			tc.mutate(&c)
			err := c.Validate()
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.wantErr)
			require.NotContains(t, err.Error(), "s3cret", "a header value is never echoed")
		})
	}
}

// TestNegativeLagNamesTheLagOnly: a negative lag is refused under its own
// name, not also as the usage window that follows it by default
// (PRESCALE_TARGET_USAGE_WINDOW=lag), which the operator had not set:
// PRESCALE_TARGET_PROVISIONING_LAG=-5m exited naming
// PRESCALE_TARGET_USAGE_WINDOW too, and a file's lag: -5m usage_window.
func TestNegativeLagNamesTheLagOnly(t *testing.T) {
	c := validConfig(t)
	c.Lag = -5 * time.Minute
	require.EqualError(t, c.Validate(), "PRESCALE_TARGET_PROVISIONING_LAG: must be >= 0, got -5m0s")
	c = validConfig(t)
	_, err := ParseTargets([]byte("targets:\n  - {name: web, query: q, lag: -5m}\n"), c.EnvTarget(), c.UsageWindow)
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[0]: target "web": lag must be >= 0, got -5m0s`)
	c.UsageWindow = UsageWindow(time.Minute) // a window given is checked as ever
	c.Lag = -5 * time.Minute
	require.EqualError(t, c.Validate(), "PRESCALE_TARGET_PROVISIONING_LAG: must be >= 0, got -5m0s")
}

// TestLongWindowFromPrometheus: a window over the embedded store's 720h
// retention is taken from a remote server: it was refused ("PRESCALE_RETENTION:
// must be >= PRESCALE_HISTORY_WINDOW") for a retention nothing reads.
func TestLongWindowFromPrometheus(t *testing.T) {
	c := validConfig(t)
	c.HistoryWindow = 840 * time.Hour // 35 days, the forecaster's longest fit
	require.ErrorContains(t, c.Validate(), "PRESCALE_RETENTION: must be >= PRESCALE_HISTORY_WINDOW (840h0m0s), got 720h0m0s", "the embedded store keeps 720h")
	c.PrometheusURL = "http://p:9090"
	require.NoError(t, c.Validate())
	require.Empty(t, c.Unused())
}

// TestDocumentedWindowsAccepted: the bound on points per target refuses
// no documented configuration: the controller's defaults (336h at 5m),
// prescale run's (336h at 1m) and docker-compose.yml's (24h at 1m).
func TestDocumentedWindowsAccepted(t *testing.T) {
	for _, w := range [][2]time.Duration{{336 * time.Hour, 5 * time.Minute}, {336 * time.Hour, time.Minute}, {24 * time.Hour, time.Minute}} {
		c := validConfig(t)
		c.HistoryWindow, c.Step = w[0], w[1]
		require.NoError(t, c.Validate(), "%s at %s", w[0], w[1])
	}
	require.Equal(t, int64(MaxHistoryPoints), HistoryPoints(336*time.Hour, time.Minute))
}

func TestParseTargets(t *testing.T) {
	c := validConfig(t)
	base := c.EnvTarget()
	for _, tc := range []struct {
		name, file, wantErr string
		wantNames           []string
	}{
		{"two tiers", "targets:\n  - {name: web, tier: web, query: 'sum(rate(http_requests_total[5m]))', capacity_per_unit: 100}\n  - {name: db, tier: db, kind: storage, query: 'sum(db_bytes)', lag: 1h}\n", "", []string{"web", "db"}},
		{"empty", "targets: []\n", "PRESCALE_TARGETS_FILE: no targets", nil},
		{"unknown field", "targets:\n  - {name: web, query: q, colour: red}\n", "targets[0]: unknown field colour (an entry's fields: capacity_per_unit, change_cost,", nil},
		// It named a Go type (policy.Target) and left the typo to the user.
		{"misspelt field", "targets:\n  - {name: web, query: q, capcity_per_unit: 5}\n", "targets[0]: unknown field capcity_per_unit (did you mean capacity_per_unit?)", nil},
		// It said: field target not found in type struct { Targets []yaml.Node "yaml:\"targets\"" }.
		{"unknown top-level key", "target:\n  - {name: web, query: q}\n", "PRESCALE_TARGETS_FILE: unknown key target at the top: the file holds targets: [...] only", nil},
		{"empty file", "", "PRESCALE_TARGETS_FILE: no targets", nil},
		{"targets not a list", "targets: web\n", "PRESCALE_TARGETS_FILE: bad YAML: targets: ", nil},
		{"duplicate", "targets:\n  - {name: web, query: q}\n  - {name: web, query: q}\n", `duplicate name "web"`, nil},
		{"padded name", "targets:\n  - {name: web, query: q}\n  - {name: ' web ', query: q}\n", `PRESCALE_TARGETS_FILE: targets[1]: target " web ": name must not start or end with white space nor hold control characters, got " web "`, nil},
		{"no query", "targets:\n  - {name: web}\n", `targets[0] ("web"): query must be set`, nil},
		{"bad field", "targets:\n  - {name: web, query: q, max_units: 0}\n", "max_units must be in [1, 1000000], got 0", nil},
		{"not yaml", "targets: [", "bad YAML", nil},
		// The second document was dropped without a word, and db with it.
		{"two documents", "targets:\n  - {name: web, query: q}\n---\ntargets:\n  - {name: db, query: q}\n", "PRESCALE_TARGETS_FILE: more than one YAML document (---)", nil},
		{"document markers", "---\ntargets:\n  - {name: web, query: q}\n...\n", "", []string{"web"}},
		{"trailing marker", "targets:\n  - {name: web, query: q}\n---\n", "", []string{"web"}},
		{"bad query", "targets:\n  - {name: web, query: q}\n  - {name: db, query: 'sum('}\n", `PRESCALE_TARGETS_FILE: targets[1] ("db"): query: invalid PromQL "sum("`, nil},
		{"measured fields", "targets:\n  - {name: web, query: q, risk_per_unit: 0, floor_mode: scale_up, hold_until_ready: false, stabilization_window: 5m}\n", "", []string{"web"}},
		{"bad risk", "targets:\n  - {name: web, query: q, risk_per_unit: 1.5}\n", "risk_per_unit must be in [0, 1), got 1.5", nil},
		{"bad floor mode", "targets:\n  - {name: web, query: q, floor_mode: up}\n", `floor_mode must be scale_up or hold; got "up"`, nil},
		{"bad hold", "targets:\n  - {name: web, query: q, hold_until_ready: maybe}\n", "cannot unmarshal", nil},
		// It said: lag: line 1: cannot unmarshal !!int `300` into time.Duration.
		{"duration without unit", "targets:\n  - {name: web, query: q, lag: 300}\n", `targets[0] ("web"): lag: line 2: cannot unmarshal !!int ` + "`300`" + ` into time.Duration; want a duration with its unit, e.g. 5m, 300s or 1d`, nil},
		// The variable's lag, refused with no word of what gives it in the file.
		{"usage window lag", "targets:\n  - {name: web, query: q, usage_window: lag}\n", `targets[0] ("web"): usage_window: line 2: cannot unmarshal !!str ` + "`lag`" + ` into time.Duration; want a duration with its unit, e.g. 5m, 300s or 1d (leave usage_window out for the entry's own lag, as PRESCALE_TARGET_USAGE_WINDOW=lag gives)`, nil},
		// YAML decoded min_units: 0.5 as 0 (a target that may scale to zero) and max_units: 2.5 as 2, without a word.
		{"fractional units", "targets:\n  - {name: web, query: q, min_units: 0.5, max_units: 2.5}\n", `targets[0] ("web"): min_units: want a whole number, got 0.5` + "\n" + `PRESCALE_TARGETS_FILE: targets[0] ("web"): max_units: want a whole number, got 2.5`, nil},
		{"fractional step limit", "targets:\n  - {name: web, query: q, max_scale_down_units: 1.5}\n", `targets[0] ("web"): max_scale_down_units: want a whole number, got 1.5`, nil},
		{"whole number as a float", "targets:\n  - {name: web, query: q, max_units: 1e3}\n", "", []string{"web"}},
		// YAML 1.1 read max_units: 010 as octal 8, 0x10 as 16 and 1_0 as 10, without a word; 08 as 8.
		{"octal units", "targets:\n  - {name: web, query: q, max_units: 010}\n", `targets[0] ("web"): max_units: want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8), got 010`, nil},
		{"leading zero units", "targets:\n  - {name: web, query: q, min_units: 08}\n", `targets[0] ("web"): min_units: want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8), got 08`, nil},
		{"hex units", "targets:\n  - {name: web, query: q, max_scale_up_units: 0x10}\n", `targets[0] ("web"): max_scale_up_units: want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8), got 0x10`, nil},
		{"underscored units", "targets:\n  - {name: web, query: q, max_units: 1_0}\n", `targets[0] ("web"): max_units: want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8), got 1_0`, nil},
		{"negative octal units", "targets:\n  - {name: web, query: q, max_scale_down_units: -010}\n", `max_scale_down_units: want a whole number in decimal`, nil},
		// capacity_per_unit: 010 was 8: a unit sized for less demand, more units.
		{"octal capacity", "targets:\n  - {name: web, query: q, capacity_per_unit: 010}\n", `targets[0] ("web"): capacity_per_unit: want a number in decimal, without 0x, 0o, 0b, _ or a leading 0 before digits (010 would read as octal 8), got 010`, nil},
		{"hex cost", "targets:\n  - {name: web, query: q, cost_per_unit_hour: 0x10}\n", `cost_per_unit_hour: want a number in decimal`, nil},
		{"decimal numbers", "targets:\n  - {name: web, query: q, capacity_per_unit: 08.5, cost_per_unit_hour: 0.5, tolerance: 0, change_cost: 0.0}\n", "", []string{"web"}},
		{"decimal units", "targets:\n  - {name: web, query: q, min_units: 0, max_units: +10, max_scale_up_units: 10}\n", "", []string{"web"}},
		{"bad current query", "targets:\n  - {name: web, query: q, current_query: 'max('}\n", `targets[0] ("web"): current_query: invalid PromQL "max("`, nil},
		{"bad complete query", "targets:\n  - {name: worker, query: q, complete_query: 'min(up'}\n", `PRESCALE_TARGETS_FILE: targets[0] ("worker"): complete_query: invalid PromQL "min(up"`, nil},
		{"complete query over a range", "targets:\n  - {name: worker, query: q, complete_query: 'up[5m]'}\n", `targets[0] ("worker"): complete_query: PromQL "up[5m]" returns a matrix`, nil},
		{"complete query", "targets:\n  - {name: worker, query: q, complete_query: 'min(min_over_time(up{job=\"worker\"}[5m]))'}\n", "", []string{"worker"}},
		// An empty tier was taken: the tier label vanished from the
		// target's series, alerts read "(/instances)".
		{"empty tier", "targets:\n  - {name: web, query: q}\n  - {name: db, tier: '', query: q}\n", `PRESCALE_TARGETS_FILE: targets[1] ("db"): tier must not be empty: it is the tier label of the target's series, alerts and webhooks (leave the field out to inherit PRESCALE_TARGET_TIER)`, nil},
		{"null tier inherits", "targets:\n  - {name: db, tier: , query: q}\n", "", []string{"db"}},
		{"empty kind", "targets:\n  - {name: web, query: q}\n  - {name: db, kind: '', query: q}\n", `PRESCALE_TARGETS_FILE: targets[1] ("db"): kind must not be empty: it is the kind label of the target's series, alerts and webhooks (leave the field out to inherit PRESCALE_TARGET_KIND)`, nil},
		{"blank kind", "targets:\n  - {name: db, kind: ' ', query: q}\n", `PRESCALE_TARGETS_FILE: targets[0]: target "db": kind must be one of instances, cpu, memory, storage; got " "`, nil},
		{"null kind inherits", "targets:\n  - {name: db, kind: , query: q}\n", "", []string{"db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := ParseTargets([]byte(tc.file), base, c.UsageWindow)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var names []string
			for _, x := range ts {
				names = append(names, x.Name)
			}
			require.Equal(t, tc.wantNames, names)
		})
	}
	// An entry without a tier inherits PRESCALE_TARGET_TIER; an empty one
	// is refused there, each entry naming where its empty tier came from.
	noTier := base
	noTier.Tier = ""
	_, err := ParseTargets([]byte("targets:\n  - {name: web, query: q}\n  - {name: db, tier: db, query: q}\n"), noTier, c.UsageWindow)
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[0] ("web"): tier is empty: PRESCALE_TARGET_TIER, which entries without a tier inherit, is set to an empty value`)
	noKind := base
	noKind.Kind = ""
	_, err = ParseTargets([]byte("targets:\n  - {name: web, kind: cpu, query: q}\n  - {name: db, query: q}\n"), noKind, c.UsageWindow)
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[1] ("db"): kind is empty: PRESCALE_TARGET_KIND, which entries without a kind inherit, is set to an empty value`)
	// Two entries without a name: each is named empty, not also a duplicate.
	_, err = ParseTargets([]byte("targets:\n  - {query: q}\n  - {query: q}\n"), base, c.UsageWindow)
	require.EqualError(t, err, "PRESCALE_TARGETS_FILE: targets[0]: target \"\": name must not be empty\n"+
		"PRESCALE_TARGETS_FILE: targets[1]: target \"\": name must not be empty")
	ts, err := ParseTargets([]byte("targets:\n  - {name: db, query: q, lag: 1h}\n"), base, c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, time.Hour, ts[0].Lag, "durations parse")
	require.Equal(t, base.MaxUnits, ts[0].MaxUnits, "unset fields take the env defaults")
	require.InDelta(t, base.RiskPerUnit, ts[0].RiskPerUnit, 0, "unset fields take the env defaults")
	require.True(t, ts[0].HoldUntilReady, "unset fields take the env defaults")
	ts, err = ParseTargets([]byte("targets:\n  - {name: web, query: q, risk_per_unit: 0, floor_mode: scale_up, hold_until_ready: false, stabilization_window: 5m}\n"), base, c.UsageWindow)
	require.NoError(t, err)
	require.Zero(t, ts[0].RiskPerUnit)
	require.Equal(t, policy.FloorScaleUp, ts[0].FloorMode)
	require.False(t, ts[0].HoldUntilReady)
	require.Equal(t, 5*time.Minute, ts[0].StabilizationWindow)
	base.CurrentQuery = "env_replicas"
	ts, err = ParseTargets([]byte("targets:\n  - {name: web, query: q, current_query: 'kube_deployment_status_replicas{deployment=\"web\"}'}\n  - {name: db, query: q}\n"), base, c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, `kube_deployment_status_replicas{deployment="web"}`, ts[0].CurrentQuery)
	require.Empty(t, ts[1].CurrentQuery, "a current_query is per target, never inherited from PRESCALE_TARGET_CURRENT_QUERY")
	base.CompleteQuery = "env_up"
	ts, err = ParseTargets([]byte("targets:\n  - {name: worker, query: q, complete_query: 'min(up)'}\n  - {name: db, query: q}\n"), base, c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, "min(up)", ts[0].CompleteQuery)
	require.Empty(t, ts[1].CompleteQuery, "a complete_query is per target, never inherited from PRESCALE_TARGET_COMPLETE_QUERY")
}

func TestTargetsFileFixture(t *testing.T) {
	c := validConfig(t)
	c.TargetsFile = filepath.Join("testdata", "targets.yml")
	ts, err := c.Targets()
	require.NoError(t, err)
	require.Len(t, ts, 3)
	c.TargetsFile = filepath.Join(t.TempDir(), "missing.yml")
	_, err = c.Targets()
	require.ErrorContains(t, err, "PRESCALE_TARGETS_FILE: open")
	_, statErr := os.Stat(c.TargetsFile)
	require.Error(t, statErr)
}

// TestShardFromStatefulSetOrdinal: PRESCALE_SHARD_COUNT takes the shard
// index from the hostname's StatefulSet ordinal.
func TestShardFromStatefulSetOrdinal(t *testing.T) {
	c := validConfig(t)
	c.ShardCount = 3
	for host, want := range map[string]string{"prescale-controller-2": "2/3", "prescale-controller-0": "0/3"} {
		hostname = func() (string, error) { return host, nil }
		s, err := c.ShardSpec()
		require.NoError(t, err)
		require.Equal(t, want, s.String())
	}
	hostname = func() (string, error) { return "prescale-controller-3", nil }
	require.ErrorContains(t, c.Validate(), `PRESCALE_SHARD_COUNT: hostname "prescale-controller-3": the shard index i must be in [0, 3) for 3 shards, got 3 (more replicas than shards?)`)
	hostname = os.Hostname
}

// TestConfigExecCommandFound: a command given by path or found on PATH
// passes the check that refuses one that cannot be found.
func TestConfigExecCommandFound(t *testing.T) {
	for _, cmd := range [][]string{{os.Args[0], "-h"}, {"sh", "-c", "true"}} {
		c := validConfig(t)
		c.Actuators, c.ExecCommand = []string{ActuatorExec}, cmd
		require.NoError(t, c.Validate(), cmd)
	}
}

// TestExecCommandForms: PRESCALE_EXEC_COMMAND's comma-separated form reads
// as before; its JSON array form carries an argument holding a comma,
// which no comma-separated value could (it was split in two).
func TestExecCommandForms(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        Command
		wantErr     string
	}{
		{"fields", "/usr/local/bin/scale-pool,--zone,eu-1", Command{"/usr/local/bin/scale-pool", "--zone", "eu-1"}, ""},
		{"one field with spaces", "/opt/my tools/scale", Command{"/opt/my tools/scale"}, ""},
		{"JSON array", `["/bin/sh", "-c", "scale --zones a,b"]`, Command{"/bin/sh", "-c", "scale --zones a,b"}, ""},
		{"JSON array after spaces", ` ["scale", "a,b"]`, Command{"scale", "a,b"}, ""},
		{"JSON not strings", `["scale", 2]`, nil, "json: cannot unmarshal number"},
		{"JSON cut", `["scale", "a,b"`, nil, "unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PRESCALE_TARGET_QUERY", "up")
			t.Setenv("PRESCALE_EXEC_COMMAND", tc.value)
			var c Config
			err := envconfig.Process(EnvPrefix, &c)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				var pe *envconfig.ParseError
				require.ErrorAs(t, err, &pe)
				var w interface{ Want() string }
				require.ErrorAs(t, pe.Err, &w, "says what the variable takes (clihelp.EnvError)")
				require.Contains(t, w.Want(), "a JSON array of strings when it starts with '['")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.ExecCommand)
		})
	}
}

// TestUnused: a setting that the rest of the configuration leaves unread
// is named (and logged at WARN at start); before, a PRESCALE_WEBHOOK_URL
// without PRESCALE_ACTUATOR=webhook started a controller that sent
// nothing, without a word.
func TestUnused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"webhook URL without the actuator", Config{Actuators: []string{"none"}, WebhookURL: []string{"http://r/hook"}},
			[]string{"PRESCALE_WEBHOOK_URL is set but PRESCALE_ACTUATOR does not include webhook: no webhook is sent"}},
		{"webhook URL with it", Config{Actuators: []string{"simulated", "webhook"}, WebhookURL: []string{"http://r/hook"}}, nil},
		{"command without exec", Config{Actuators: []string{"webhook"}, WebhookURL: []string{"http://r/hook"}, ExecCommand: []string{"/bin/true"}},
			[]string{"PRESCALE_EXEC_COMMAND is set but PRESCALE_ACTUATOR does not include exec: the command is never run"}},
		{"scrape targets beside Prometheus", Config{Actuators: []string{"none"}, PrometheusURL: "http://p:9090", ScrapeTargets: []string{"http://e:9110/metrics"}},
			[]string{"PRESCALE_SCRAPE_TARGETS is set but unused: history is read from PRESCALE_PROMETHEUS_URL"}},
		// Sent with no query: the embedded store answers them.
		{"headers without Prometheus", Config{Actuators: []string{"none"}, PrometheusHeaders: []string{"X-Scope-OrgID=tenant1"}},
			[]string{"PRESCALE_PROMETHEUS_HEADERS is set but unused: PRESCALE_PROMETHEUS_URL is empty, so history is read from the embedded store"}},
		{"headers with Prometheus", Config{Actuators: []string{"none"}, PrometheusURL: "http://p:9090", PrometheusHeaders: []string{"X-Scope-OrgID=tenant1"}}, nil},
		// Each changed nothing, without a word.
		{"settings of parts left out", Config{Actuators: []string{"none"}, PrometheusURL: "http://p:9090", ScrapeInterval: 5 * time.Second, Retention: 24 * time.Hour,
			ScrapeFallback: "PrometheusText0.0.4", WebhookTimeout: 3 * time.Second, WebhookRetries: 2, WebhookReceiver: "ops", ExecTimeout: time.Minute, ActuatorConcurrency: 1, StressTestMax: 10 * time.Second},
			[]string{"PRESCALE_SCRAPE_INTERVAL is set but unused: history is read from PRESCALE_PROMETHEUS_URL, not scraped by the embedded store",
				"PRESCALE_RETENTION is set but unused: history is read from PRESCALE_PROMETHEUS_URL, not kept by the embedded store",
				"PRESCALE_SCRAPE_FALLBACK_PROTOCOL is set but unused: history is read from PRESCALE_PROMETHEUS_URL, not scraped by the embedded store",
				"PRESCALE_WEBHOOK_TIMEOUT is set but unused: PRESCALE_ACTUATOR does not include webhook",
				"PRESCALE_WEBHOOK_MAX_ATTEMPTS is set but unused: PRESCALE_ACTUATOR does not include webhook",
				"PRESCALE_WEBHOOK_RECEIVER is set but unused: PRESCALE_ACTUATOR does not include webhook",
				"PRESCALE_EXEC_TIMEOUT is set but unused: PRESCALE_ACTUATOR does not include exec",
				"PRESCALE_ACTUATOR_CONCURRENCY is set but unused: PRESCALE_ACTUATOR includes neither webhook nor exec",
				"PRESCALE_STRESS_TEST_MAX is set but unused: PRESCALE_STRESS_TEST_ENABLED is false"}},
		{"their defaults", Config{Actuators: []string{"none"}, PrometheusURL: "http://p:9090", ScrapeInterval: 15 * time.Second, Retention: 720 * time.Hour,
			WebhookTimeout: 10 * time.Second, WebhookRetries: 5, WebhookReceiver: "prescale", ExecTimeout: 30 * time.Second, ActuatorConcurrency: 8, StressTestMax: time.Minute}, nil},
		{"settings of parts in use", Config{Actuators: []string{"webhook", "exec"}, WebhookURL: []string{"http://r/hook"}, ExecCommand: []string{"/bin/true"},
			ScrapeInterval: 5 * time.Second, WebhookTimeout: 3 * time.Second, ExecTimeout: time.Minute, ActuatorConcurrency: 1, StressTest: true, StressTestMax: 10 * time.Second}, nil},
		{"concurrency with exec alone", Config{Actuators: []string{"exec"}, ExecCommand: []string{"/bin/true"}, ActuatorConcurrency: 1}, nil},
		{"scrape targets for the embedded store", Config{Actuators: []string{"none"}, ScrapeTargets: []string{"http://e:9110/metrics"}}, nil},
		// The receiver waited for decisions that never came, without a
		// word; the simulated pool stayed at its start, silently too.
		{"actuators in forecast-only mode", Config{Mode: "forecast-only", Actuators: []string{"simulated", "webhook", "exec"}, WebhookURL: []string{"http://r/hook"}, ExecCommand: []string{"/bin/true"}},
			[]string{"PRESCALE_ACTUATOR includes simulated but PRESCALE_MODE is forecast-only: decisions are published, never handed to it",
				"PRESCALE_ACTUATOR includes webhook but PRESCALE_MODE is forecast-only: decisions are published, never handed to it",
				"PRESCALE_ACTUATOR includes exec but PRESCALE_MODE is forecast-only: decisions are published, never handed to it"}},
		// Not inherited by a targets file's entries: read by nothing.
		{"target variables beside a targets file", Config{Actuators: []string{"none"}, TargetsFile: "t.yml", TargetName: "web", TargetQuery: "q", TargetCurrentQuery: "c", TargetCompleteQuery: "u"},
			[]string{"PRESCALE_TARGET_NAME is set but unused: each entry of PRESCALE_TARGETS_FILE gives its own (name, query, current_query and complete_query are not inherited)",
				"PRESCALE_TARGET_QUERY is set but unused: each entry of PRESCALE_TARGETS_FILE gives its own (name, query, current_query and complete_query are not inherited)",
				"PRESCALE_TARGET_CURRENT_QUERY is set but unused: each entry of PRESCALE_TARGETS_FILE gives its own (name, query, current_query and complete_query are not inherited)",
				"PRESCALE_TARGET_COMPLETE_QUERY is set but unused: each entry of PRESCALE_TARGETS_FILE gives its own (name, query, current_query and complete_query are not inherited)"}},
		{"the default name beside a targets file", Config{Actuators: []string{"none"}, TargetsFile: "t.yml", TargetName: "default"}, nil},
		{"webhook in act mode", Config{Mode: "act", Actuators: []string{"webhook"}, WebhookURL: []string{"http://r/hook"}}, nil},
		{"simulated in act mode", Config{Mode: "act", Actuators: []string{"simulated"}}, nil},
		{"none in forecast-only mode", Config{Mode: "forecast-only", Actuators: []string{"none"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, tc.cfg.Unused()) })
	}
	// The defaults envconfig fills in, beside a Prometheus too, are no setting of one's own.
	c := validConfig(t)
	require.Empty(t, c.Unused())
	c.PrometheusURL = "http://p:9090"
	require.Empty(t, c.Unused())
}

// TestAPIBaseLeavesBaseURLs: the base URLs docs/deploy.md gives for
// Prometheus, VictoriaMetrics, Thanos and Mimir are not taken for the API.
func TestAPIBaseLeavesBaseURLs(t *testing.T) {
	for _, u := range []string{"http://prometheus:9090", "http://prometheus:9090/", "http://victoriametrics:8428",
		"http://vmselect:8481/select/0/prometheus", "http://thanos-query:9090", "http://mimir/prometheus", "https://gw/api/v10",
		// The Kubernetes API server's proxy to a Service (kubectl proxy).
		"http://127.0.0.1:8001/api/v1/namespaces/monitoring/services/prometheus:9090/proxy",
		"https://kube-apiserver/api/v1/namespaces/monitoring/services/http:prometheus:web/proxy/"} {
		_, ok := apiBase(u)
		require.False(t, ok, u)
	}
	base, ok := apiBase("http://prometheus:9090/api/v1")
	require.True(t, ok)
	require.Equal(t, "http://prometheus:9090", base)
	base, ok = apiBase("http://127.0.0.1:8001/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query_range")
	require.True(t, ok)
	require.Equal(t, "http://127.0.0.1:8001/api/v1/namespaces/monitoring/services/prometheus:9090/proxy", base)
}

// TestUsageWindowIsTheLag: with PRESCALE_TARGET_USAGE_WINDOW unset, a
// target's usage window is its own provisioning lag, as `prescale
// backtest` measures it (a fixed 5m was taken whatever the lag); an
// explicit duration is taken as it is, 0 is off, "lag" with blanks around
// it (an env file's) is lag, and a targets file entry
// without usage_window inherits the variable when it is set, else its own
// lag.
func TestUsageWindowIsTheLag(t *testing.T) {
	t.Setenv("PRESCALE_TARGET_PROVISIONING_LAG", "10m")
	c := validConfig(t)
	require.Equal(t, UsageWindowLag, c.UsageWindow)
	require.Equal(t, 10*time.Minute, c.EnvTarget().UsageWindow, "unset: the lag")
	file := []byte("targets:\n  - {name: web, query: q}\n  - {name: db, query: q, lag: 20m}\n  - {name: off, query: q, lag: 20m, usage_window: 0s}\n  - {name: own, query: q, usage_window: 3m}\n")
	windows := func(ts []policy.Target) []time.Duration {
		var out []time.Duration
		for _, x := range ts {
			out = append(out, x.UsageWindow)
		}
		return out
	}
	ts, err := ParseTargets(file, c.EnvTarget(), c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, []time.Duration{10 * time.Minute, 20 * time.Minute, 0, 3 * time.Minute}, windows(ts),
		"unset: each entry's own lag; an entry's own value, 0 included, as it is")
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{{"0", 0}, {"0s", 0}, {"7m", 7 * time.Minute}, {"lag", 10 * time.Minute}, {" lag ", 10 * time.Minute}} {
		t.Setenv("PRESCALE_TARGET_USAGE_WINDOW", tc.env)
		c := validConfig(t)
		require.Equal(t, tc.want, c.EnvTarget().UsageWindow, "PRESCALE_TARGET_USAGE_WINDOW=%s", tc.env)
		ts, err := ParseTargets(file, c.EnvTarget(), c.UsageWindow)
		require.NoError(t, err)
		inherited := tc.want
		if strings.TrimSpace(tc.env) == "lag" {
			inherited = 20 * time.Minute
		}
		require.Equal(t, []time.Duration{tc.want, inherited, 0, 3 * time.Minute}, windows(ts), "PRESCALE_TARGET_USAGE_WINDOW=%s", tc.env)
	}
	for _, bad := range []string{"-1m", "-1ns", "5", "lags"} {
		t.Setenv("PRESCALE_TARGET_USAGE_WINDOW", bad)
		var c Config
		err := envconfig.Process(EnvPrefix, &c)
		require.ErrorContains(t, err, "TARGET_USAGE_WINDOW", bad)
		require.ErrorContains(t, clihelp.EnvError(err), "want lag (each target's provisioning lag) or a duration >= 0", bad)
	}
}

// TestDurationsInPrometheusSyntax: every duration variable, and every
// duration field of a targets file, reads a duration as `prescale
// backtest --range` does (clihelp.ParseDuration: Go's syntax or
// Prometheus', 14d, 2w, 1d12h): PRESCALE_HISTORY_WINDOW=14d was refused
// (want a duration such as 30s, 5m or 1h30m) while --range 14d was taken.
func TestDurationsInPrometheusSyntax(t *testing.T) {
	t.Setenv("PRESCALE_TARGET_QUERY", "up")
	t.Setenv("PRESCALE_HISTORY_WINDOW", "14d")
	t.Setenv("PRESCALE_RETENTION", "4w")
	t.Setenv("PRESCALE_TARGET_USAGE_WINDOW", "1d")
	t.Setenv("PRESCALE_TARGET_SCALE_DOWN_COOLDOWN", "0d1h")
	var c Config
	require.NoError(t, clihelp.ProcessEnv(EnvPrefix, &c))
	require.NoError(t, c.Validate())
	day := 24 * time.Hour
	require.Equal(t, [4]time.Duration{14 * day, 28 * day, day, time.Hour},
		[4]time.Duration{c.HistoryWindow, c.Retention, c.EnvTarget().UsageWindow, c.EnvTarget().ScaleDownCooldown})
	ts, err := ParseTargets([]byte("targets:\n  - {name: web, query: q, lag: 1.5d, scale_down_cooldown: 1d12h, usage_window: 2w}\n  - {name: db, query: q, lag: 90s}\n"), c.EnvTarget(), c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, [3]time.Duration{36 * time.Hour, 36 * time.Hour, 14 * day}, [3]time.Duration{ts[0].Lag, ts[0].ScaleDownCooldown, ts[0].UsageWindow})
	require.Equal(t, 90*time.Second, ts[1].Lag)
	_, err = ParseTargets([]byte("targets:\n  - {name: web, query: q, lag: 1x}\n"), c.EnvTarget(), c.UsageWindow)
	require.ErrorContains(t, err, `targets[0] ("web"): lag: `)
}

// TestNullUsageWindowIsLeftOut: an entry's usage_window given as null is
// left out, as a null tier or kind is: with PRESCALE_TARGET_USAGE_WINDOW
// unset, the window is the entry's own lag (20m), not the variable's
// target's lag (10m), which the null left in place.
func TestNullUsageWindowIsLeftOut(t *testing.T) {
	t.Setenv("PRESCALE_TARGET_PROVISIONING_LAG", "10m")
	c := validConfig(t)
	for _, entry := range []string{"{name: db, query: q, lag: 20m, usage_window: }", "{name: db, query: q, lag: 20m, usage_window: null}", "{name: db, query: q, lag: 20m}"} {
		ts, err := ParseTargets([]byte("targets:\n  - "+entry+"\n"), c.EnvTarget(), c.UsageWindow)
		require.NoError(t, err)
		require.Equal(t, 20*time.Minute, ts[0].UsageWindow, entry)
	}
	t.Setenv("PRESCALE_TARGET_USAGE_WINDOW", "7m")
	c = validConfig(t)
	ts, err := ParseTargets([]byte("targets:\n  - {name: db, query: q, lag: 20m, usage_window: null}\n"), c.EnvTarget(), c.UsageWindow)
	require.NoError(t, err)
	require.Equal(t, 7*time.Minute, ts[0].UsageWindow, "the variable's duration")
}

// TestAPITokenLength: a token of redact.MinHidden (8) bytes is taken, as
// the exec actuator's quoted output hides it (TestConfigValidate: 7 are
// refused); an empty one turns the POST endpoints off. Every printable
// ASCII character is taken: RFC 6750's b64token characters, and the rest
// of the punctuation a token already in use may hold.
func TestAPITokenLength(t *testing.T) {
	for _, tok := range []string{"s3cret78", "", "aZ09-._~+/=", `!"#$%&'()*,:;<>?@[\]^` + "`{|}"} {
		c := validConfig(t)
		c.APIToken = tok
		require.NoError(t, c.Validate(), "%q", tok)
	}
}

// TestFitHistoryWindow: the rule both programs share: with
// PRESCALE_HISTORY_WINDOW unset, a window of more than MaxHistoryPoints
// steps is shortened to that many (336h at 15s: 84h); set in the
// environment, even to the default, it is kept (Validate refuses it).
func TestFitHistoryWindow(t *testing.T) {
	c := Config{HistoryWindow: 336 * time.Hour, Step: 15 * time.Second}
	from, fitted := c.FitHistoryWindow()
	require.True(t, fitted)
	require.Equal(t, [2]time.Duration{336 * time.Hour, 84 * time.Hour}, [2]time.Duration{from, c.HistoryWindow})
	short := Config{HistoryWindow: 6 * time.Hour, Step: 15 * time.Second}
	_, fitted = short.FitHistoryWindow()
	require.False(t, fitted, "within the limit")
	defaults := Config{HistoryWindow: 336 * time.Hour, Step: time.Minute}
	_, fitted = defaults.FitHistoryWindow()
	require.False(t, fitted, "the defaults: 20160 points, the limit itself (no INFO at every start)")
	t.Setenv(EnvPrefix+"_HISTORY_WINDOW", "336h")
	c = Config{HistoryWindow: 336 * time.Hour, Step: 15 * time.Second}
	_, fitted = c.FitHistoryWindow()
	require.False(t, fitted, "set in the environment")
	require.Equal(t, 336*time.Hour, c.HistoryWindow)
}

// TestTargetsFileDurationsThroughAliases: a duration field reads a
// duration in Prometheus' syntax wherever the YAML gives it, through an
// alias (scale_up_cooldown: *day) and a merge key (<<: *slow) too: the
// decoder reads each duration field itself (clihelp.DecodeYAML), where
// the entries' nodes were rewritten to Go's syntax before decoding. Beside
// a field of the wrong type, such a duration is not reported.
func TestTargetsFileDurationsThroughAliases(t *testing.T) {
	c := validConfig(t)
	file := "targets:\n" +
		"  - {name: web, query: q, lag: &day 1d, scale_up_cooldown: *day}\n" +
		"  - {name: db, query: q, scale_down_cooldown: *day}\n" +
		"  - &slow {name: batch, query: q, lag: 2h, stabilization_window: 1d12h}\n" +
		"  - {<<: *slow, name: batch2, scale_up_cooldown: 1.5d}\n"
	ts, err := ParseTargets([]byte(file), c.EnvTarget(), c.UsageWindow)
	require.NoError(t, err)
	day := 24 * time.Hour
	got := [][3]time.Duration{}
	for _, tg := range ts {
		got = append(got, [3]time.Duration{tg.Lag, tg.ScaleUpCooldown, tg.StabilizationWindow})
	}
	base := c.EnvTarget()
	require.Equal(t, [][3]time.Duration{
		{day, day, base.StabilizationWindow},
		{base.Lag, base.ScaleUpCooldown, base.StabilizationWindow},
		{2 * time.Hour, base.ScaleUpCooldown, 36 * time.Hour},
		{2 * time.Hour, 36 * time.Hour, 36 * time.Hour},
	}, got)
	require.Equal(t, day, ts[1].ScaleDownCooldown)
	_, err = ParseTargets([]byte("targets:\n  - {name: web, query: q, lag: 1d, hold_until_ready: maybe}\n"), c.EnvTarget(), c.UsageWindow)
	require.ErrorContains(t, err, `targets[0] ("web"): hold_until_ready: `)
	require.NotContains(t, err.Error(), "lag", "the field beside the bad one is read")
}
