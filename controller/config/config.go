// Package config reads and validates the controller's configuration: the
// PRESCALE_* environment variables (with envconfig, in cmd/) and the
// targets file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/history/scrape"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/shard"
	"github.com/prescale/prescale/internal/apitoken"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/predictor/anomaly"
)

// EnvPrefix is the prefix of every environment variable (PRESCALE_...).
const EnvPrefix = "PRESCALE"

// Actuator names for PRESCALE_ACTUATOR.
const (
	ActuatorNone      = "none"
	ActuatorWebhook   = "webhook"
	ActuatorExec      = "exec"
	ActuatorSimulated = "simulated"
)

// Config is the controller's configuration, read from PRESCALE_* variables
// with envconfig (cmd/ only). Zero values of optional fields are documented
// in their desc tags.
type Config struct {
	Listen           string        `envconfig:"LISTEN" default:":9111" desc:"address of the REST API, /metrics, /healthz and /readyz"`
	LogLevel         slog.Level    `envconfig:"LOG_LEVEL" default:"info" desc:"least level logged to stderr: debug (also each repeat of an outage already reported), info, warn or error"`
	DataDir          string        `envconfig:"DATA_DIR" default:"./data" desc:"directory of the embedded TSDB and the controller state file"`
	PrometheusURL    string        `envconfig:"PROMETHEUS_URL" desc:"Prometheus-compatible server to read history from; empty: the embedded TSDB in PRESCALE_DATA_DIR"`
	QueryTimeout     time.Duration `envconfig:"QUERY_TIMEOUT" default:"30s" desc:"deadline of one history query (each split chunk), in (0s, 10m]"`
	QueryConcurrency int           `envconfig:"QUERY_CONCURRENCY" default:"8" desc:"history queries in flight at once in a cycle's query phase, in [1, 256] (0: 8)"`
	// PrometheusHeaders are NAME=VALUE entries; see history.ParseHeaders.
	PrometheusHeaders []string `envconfig:"PROMETHEUS_HEADERS" desc:"comma-separated NAME=VALUE HTTP headers sent with every history query, e.g. X-Scope-OrgID=tenant1 (Mimir, Cortex, multi-tenant Thanos); values are never logged or shown"`
	// The history source's TLS files, as a Prometheus tls_config's; see PrometheusTLS.
	PrometheusCAFile     string `envconfig:"PROMETHEUS_CA_FILE" desc:"PEM file of the CA certificates the history source's certificate must be signed by (https://); empty: the system's, or SSL_CERT_FILE's; read again when it changes on disk (a failed read keeps the previous CAs, logged once)"`
	PrometheusCertFile   string `envconfig:"PROMETHEUS_CERT_FILE" desc:"PEM file of the client certificate presented to a history source requiring one (mutual TLS), with PRESCALE_PROMETHEUS_KEY_FILE; read again when it changes on disk (a failed read keeps the previous pair, logged once); a bad file exits 2 naming the variable and the file"`
	PrometheusKeyFile    string `envconfig:"PROMETHEUS_KEY_FILE" desc:"PEM file of the private key of PRESCALE_PROMETHEUS_CERT_FILE; read again when it changes on disk"`
	PrometheusServerName string `envconfig:"PROMETHEUS_SERVER_NAME" desc:"name the history source's certificate must hold; empty: the host of PRESCALE_PROMETHEUS_URL"`

	ScrapeTargets  []string      `envconfig:"SCRAPE_TARGETS" desc:"comma-separated URLs the embedded store scrapes (e.g. http://localhost:9110/metrics); unused with PRESCALE_PROMETHEUS_URL"`
	ScrapeInterval time.Duration `envconfig:"SCRAPE_INTERVAL" default:"15s" desc:"scrape interval of the embedded store, at least 1s"`
	// ScrapeFallback is a name of Prometheus's fallback_scrape_protocol; see scrape.FallbackMediaType.
	ScrapeFallback string        `envconfig:"SCRAPE_FALLBACK_PROTOCOL" desc:"format the embedded store reads a scrape target's answer in when its Content-Type is missing, does not parse or is no exposition format, as Prometheus's fallback_scrape_protocol: PrometheusText0.0.4, PrometheusText1.0.0, OpenMetricsText0.0.1, OpenMetricsText1.0.0 or PrometheusProto; empty: such a scrape fails (up 0), as in Prometheus 3"`
	Retention      time.Duration `envconfig:"RETENTION" default:"720h" desc:"how long the embedded store keeps samples, at least PRESCALE_HISTORY_WINDOW"`

	ScalingInterval time.Duration `envconfig:"SCALING_INTERVAL" default:"60s" desc:"time between decision cycles, at least 1s; a target forecasts over its lag plus one interval, at most 2016 steps of PRESCALE_STEP"`
	HistoryWindow   time.Duration `envconfig:"HISTORY_WINDOW" default:"336h" desc:"history each target's window holds: read whole at start (what the forecaster first fits on) and every 6h, only its new grid points between; at least 10 and at most 20160 steps of PRESCALE_STEP (14 days at 1m); unset, 336h is shortened to 20160 steps when PRESCALE_STEP is under 1m (logged at start)"`
	Step            time.Duration `envconfig:"STEP" default:"5m" desc:"resolution of the history and of the forecast, a whole number of seconds"`
	Coverage        float64       `envconfig:"FORECAST_COVERAGE" default:"0.95" desc:"central coverage of the forecast interval, in (0,1); its upper bound is provisioned when PRESCALE_TARGET_RISK_PER_UNIT is 0"`
	Mode            string        `envconfig:"MODE" default:"act" desc:"act (actuate) or forecast-only (publish, never actuate)"`

	AnomalyDetector  string  `envconfig:"ANOMALY_DETECTOR" default:"robust" desc:"streaming anomaly detector (robust, zscore)"`
	AnomalyThreshold float64 `envconfig:"ANOMALY_THRESHOLD" default:"0.99" desc:"score at or above which a point starts an anomaly, in (0,1]: it and the next points still outside the normal range are kept out of model fitting, flagged in the reason"`

	Actuators       []string      `envconfig:"ACTUATOR" default:"none" desc:"comma-separated, each at most once: none, webhook, exec, simulated"`
	WebhookURL      []string      `envconfig:"WEBHOOK_URL" desc:"comma-separated URLs receiving Alertmanager-v4 webhooks (actuator webhook), each its own actuator with its own metrics"`
	WebhookReceiver string        `envconfig:"WEBHOOK_RECEIVER" default:"prescale" desc:"receiver name in webhook payloads and metrics; with several URLs, NAME-1, NAME-2, ..."`
	WebhookTimeout  time.Duration `envconfig:"WEBHOOK_TIMEOUT" default:"10s" desc:"timeout of one webhook attempt, in (0s, 5m]"`
	WebhookRetries  int           `envconfig:"WEBHOOK_MAX_ATTEMPTS" default:"5" desc:"attempts per webhook delivery (retries on 5xx, 429, timeouts and connection errors, after a 429's or 503's Retry-After up to 30s, never on other 4xx); a failed delivery is re-sent later with the current desired units, after a longer Retry-After has passed (at most 1h)"`
	ExternalURL     string        `envconfig:"EXTERNAL_URL" desc:"base URL of this controller (or its status page): webhook payloads link each target to its own status under it; empty: derived from PRESCALE_LISTEN"`
	ExecCommand     Command       `envconfig:"EXEC_COMMAND" desc:"command (a path, or a name on PATH, checked at start) and arguments, comma-separated, or a JSON array of strings when it starts with [ (for an argument holding a comma: [\"/bin/sh\", \"-c\", \"scale --zones a,b\"]), run per action with the decision in PRESCALE_* env vars (actuator exec)"`
	ExecTimeout     time.Duration `envconfig:"EXEC_TIMEOUT" default:"30s" desc:"time limit of the exec command, in (0s, 1h]"`
	// ActuatorConcurrency is each webhook URL's and the exec command's
	// actuator.LevelConfig.Parallel.
	ActuatorConcurrency int `envconfig:"ACTUATOR_CONCURRENCY" default:"8" desc:"targets each webhook URL and the exec command are sent to at once, each target one delivery at a time (1: the receiver gets one call at a time), in [1, 256] (0: 8)"`

	MetricsMaxInFlight int `envconfig:"METRICS_MAX_IN_FLIGHT" default:"64" desc:"concurrent /metrics requests served; more are answered 503 at once (promhttp's MaxRequestsInFlight); 0: no limit"`

	APIToken       string        `envconfig:"API_TOKEN" desc:"bearer token for POST and DELETE endpoints: printable ASCII without white space, at least 8 bytes; empty: they are off"`
	ManualDuration time.Duration `envconfig:"MANUAL_DURATION" default:"1h" desc:"default length of a manual override from POST /api/scaling/execute; at most 168h, as a request's duration"`
	StressTest     bool          `envconfig:"STRESS_TEST_ENABLED" default:"false" desc:"enable POST /api/stress-test (CPU load for demos)"`
	StressTestMax  time.Duration `envconfig:"STRESS_TEST_MAX" default:"60s" desc:"longest stress test"`

	Shard       string `envconfig:"SHARD" desc:"i/n: own only the targets whose name hashes to shard i of n (0 <= i < n); empty: every target, or see PRESCALE_SHARD_COUNT"`
	ShardCount  int    `envconfig:"SHARD_COUNT" default:"0" desc:"with PRESCALE_SHARD empty and n > 0: shard i of n with i the StatefulSet ordinal ending the hostname (pod name-i); 0: off"`
	TargetsFile string `envconfig:"TARGETS_FILE" desc:"YAML file with several targets (targets: [...]); empty: one target from the PRESCALE_TARGET_* variables"`

	// One target from env vars; also the defaults of every target in the file.
	TargetName          string        `envconfig:"TARGET_NAME" default:"default" desc:"target name"`
	TargetTier          string        `envconfig:"TARGET_TIER" default:"app" desc:"target tier (web, worker, db, ...), the tier label of its series, alerts and webhooks; must not be empty"`
	TargetKind          string        `envconfig:"TARGET_KIND" default:"instances" desc:"resource kind: instances, cpu, memory, storage; the kind label of its series, alerts and webhooks"`
	TargetQuery         string        `envconfig:"TARGET_QUERY" desc:"PromQL demand query returning one series; required unless PRESCALE_TARGETS_FILE is set (prescale run: this host's CPU demand)"`
	TargetCurrentQuery  string        `envconfig:"TARGET_CURRENT_QUERY" desc:"PromQL reading back the units the target has (e.g. kube_deployment_status_replicas_available{deployment=\"web\"}), published as prescale_current_units and timed for prescale_observed_provisioning_lag_seconds; empty: the units the actuator acknowledged (without one, the last decision)"`
	TargetCompleteQuery string        `envconfig:"TARGET_COMPLETE_QUERY" desc:"PromQL that is positive while the demand query sees every source it sums (e.g. min(min_over_time(up{job=\"worker\"}[5m])) for a sum over the job's hosts); while it answers nothing, 0 or less, or an error the demand is a lower bound: the decision may scale up on it but not below the units held (reason partial_data); empty: the demand is always whole"`
	CapacityPerUnit     float64       `envconfig:"TARGET_CAPACITY_PER_UNIT" default:"1" desc:"demand one unit serves at 100% utilisation, in [1e-9, 1e15], and times PRESCALE_TARGET_UTILIZATION at least 1e-9"`
	TargetUtilization   float64       `envconfig:"TARGET_UTILIZATION" default:"0.7" desc:"utilisation to provision for, in (0,1]"`
	MinUnits            int           `envconfig:"TARGET_MIN_UNITS" default:"1" desc:"minimum units; 0 lets a target scale to zero on zero demand and back up on any demand"`
	MaxUnits            int           `envconfig:"TARGET_MAX_UNITS" default:"10" desc:"maximum units, at most 1000000"`
	CostPerUnitHour     float64       `envconfig:"TARGET_COST_PER_UNIT_HOUR" default:"0" desc:"price of one unit-hour, at most 1e9; 0: cost not tracked"`
	Lag                 time.Duration `envconfig:"TARGET_PROVISIONING_LAG" default:"5m" desc:"time new capacity takes to become ready; at most a week (168h), and with one PRESCALE_SCALING_INTERVAL at most 2016 steps of PRESCALE_STEP"`
	ScaleUpCooldown     time.Duration `envconfig:"TARGET_SCALE_UP_COOLDOWN" default:"3m" desc:"minimum time between scale-ups, at most 168h"`
	ScaleDownCooldown   time.Duration `envconfig:"TARGET_SCALE_DOWN_COOLDOWN" default:"10m" desc:"minimum time after any scaling before a scale-down, at most 168h"`
	Stabilization       time.Duration `envconfig:"TARGET_STABILIZATION_WINDOW" default:"0s" desc:"scale-down stabilization window (highest recent recommendation wins); with PRESCALE_TARGET_HOLD_UNTIL_READY at least the provisioning lag; at most 168h"`
	HoldUntilReady      bool          `envconfig:"TARGET_HOLD_UNTIL_READY" default:"true" desc:"keep each recommendation until its units are ready and have served: stabilization window at least the provisioning lag"`
	UsageWindow         UsageWindow   `envconfig:"TARGET_USAGE_WINDOW" default:"lag" desc:"with PRESCALE_TARGET_FLOOR_MODE=hold, keep the units demand used within this window (never scales up by itself); lag: each target's provisioning lag, as prescale backtest measures it; 0: off; at most 168h"`
	RiskPerUnit         float64       `envconfig:"TARGET_RISK_PER_UNIT" default:"0.03" desc:"expected-cost sizing: add a unit while it removes at least this probability of a violation in the lead window, in [0,1); 0 provisions the forecast's upper bound"`
	ChangeCost          float64       `envconfig:"TARGET_CHANGE_COST" default:"0.04" desc:"few, decisive moves: change units only when the move lowers the lead window's expected loss (units x risk per unit + violation probability) by more than this, in [0,1); never holds below what current demand needs, and releases a held scale-down once its forgone gain exceeds twice this; each recent round trip (a scale-down soon undone) beyond the first adds this once more to a scale-down's cost, and to a one-unit scale-up's up to twice this; while the target's recent scale events exceed 1.5 times the shadow HPAs' at equal cost, a scale-down's cost is multiplied by event pacing's price, up to 8 (the explanation's event_price), and a scale-down keeps a release band of units above the wanted ones (release_band; where the target's violations are to spare, a wide band instead, wide_band); where the shadow HPAs at the target's cost have been still for 12 hours while the target moved 6 times or more, and pacing is not in force, a decision goes to the median of the last 12 decisions' wanted units only when that is more than one unit away (the calm hold, calm_units); 0: every change is made"`
	FloorMode           string        `envconfig:"TARGET_FLOOR_MODE" default:"hold" desc:"reactive floor: scale_up (never below the HPA formula on current demand) or hold (the same, and keep the units demand used within PRESCALE_TARGET_USAGE_WINDOW)"`
	MaxScaleUpUnits     int           `envconfig:"TARGET_MAX_SCALE_UP_UNITS" default:"0" desc:"most units added per cycle; 0: unlimited"`
	MaxScaleDownUnits   int           `envconfig:"TARGET_MAX_SCALE_DOWN_UNITS" default:"0" desc:"most units removed per cycle; 0: unlimited"`
	Tolerance           float64       `envconfig:"TARGET_TOLERANCE" default:"0.1" desc:"relative dead band around the current units, in [0,1)"`
	ConfidenceThreshold float64       `envconfig:"CONFIDENCE_THRESHOLD" default:"0.7" desc:"below this forecast confidence decide reactively, in [0,1]"`
	CostBudgetDaily     float64       `envconfig:"COST_BUDGET_DAILY" default:"0" desc:"daily cost budget per target capping scale-up (reason budget), with PRESCALE_TARGET_COST_PER_UNIT_HOUR above 0; 0: none"`
}

// ConfigError names the environment variable that is wrong.
type ConfigError struct {
	Var string
	Msg string
}

func (e *ConfigError) Error() string { return EnvPrefix + "_" + e.Var + ": " + e.Msg }

// Validate checks the configuration; every error names its variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(v, f string, a ...any) { errs = append(errs, &ConfigError{Var: v, Msg: fmt.Sprintf(f, a...)}) }
	c.validateStore(bad)
	c.validateLoop(bad)
	c.validateLead(bad)
	c.validateSpans(bad)
	c.validateTimeouts(bad)
	c.validateActuators(bad)
	c.validateURLs(bad)
	c.validateTLS(bad)
	if c.APIToken != "" && !apitoken.Usable(c.APIToken) {
		// Never echoed. A Secret made from a file keeps its trailing
		// newline; the token was taken, and every POST answered 401.
		bad("API_TOKEN", "must be printable ASCII without white space, as a bearer token is (RFC 6750 section 2.1), and it holds "+
			"white space, a control character or a character beyond ASCII (a trailing newline from the file a Secret was made from?): "+
			"an Authorization header would not carry it as given; remove it, or use random bytes, as `openssl rand -hex 16` prints")
	} else if c.APIToken != "" && len(c.APIToken) < redact.MinHidden {
		// Never echoed, nor its length. The exec actuator's quoted output
		// (the log, /api/system/health: no token needed) hides a secret
		// from 8 bytes only: a shorter token was shown there bare.
		bad("API_TOKEN", "must be at least %d bytes: a shorter one is easily guessed, and text quoting it (the exec actuator's output, "+
			"which /api/system/health shows to anyone) cannot hide it without blanking other words; use random bytes, as `openssl rand -hex 16` prints", redact.MinHidden)
	}
	if _, err := c.ShardSpec(); err != nil {
		errs = append(errs, err)
	}
	if c.TargetsFile == "" {
		t := c.EnvTarget()
		if t.Query == "" {
			bad("TARGET_QUERY", "must be set (or give PRESCALE_TARGETS_FILE)")
		} else if err := CheckQuery(t.Query); err != nil {
			bad("TARGET_QUERY", "%v", err)
		}
		if t.CurrentQuery != "" {
			if err := CheckQuery(t.CurrentQuery); err != nil {
				bad("TARGET_CURRENT_QUERY", "%v", err)
			}
		}
		if t.CompleteQuery != "" {
			if err := CheckQuery(t.CompleteQuery); err != nil {
				bad("TARGET_COMPLETE_QUERY", "%v", err)
			}
		}
		if err := t.Validate(); err != nil {
			errs = append(errs, envFieldErrors(err)...)
		}
		if blank(c.TargetTier) {
			bad("TARGET_TIER", "must not be empty: it is the tier label of the target's series, alerts and webhooks (default %q)", "app")
		}
		if c.TargetKind == "" { // a blank one is not one of the four: Validate says so
			bad("TARGET_KIND", "must not be empty: it is the kind label of the target's series, alerts and webhooks (default %q)", "instances")
		}
	}
	return errors.Join(cutEchoes(errs)...)
}

// cutEchoes cuts each value the ConfigErrors of errs quote to redact.MaxEchoed
// bytes: a 5,000-byte value was quoted whole. Unquoted, a word of over
// redact.MaxEchoed bytes is one too (a YAML tag the YAML decoder names).
func cutEchoes(errs []error) []error {
	for _, err := range errs {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.Msg = redact.CutEchoes(ce.Msg, redact.MaxEchoed)
		}
	}
	return errs
}

// badFunc records one configuration error against a variable.
type badFunc func(v, f string, a ...any)

// validateStore checks the API address, the data directory and the
// history source's timing.
func (c *Config) validateStore(bad badFunc) {
	if c.Listen == "" {
		bad("LISTEN", "must not be empty")
	}
	if c.DataDir == "" {
		bad("DATA_DIR", "must not be empty")
	}
	if c.QueryConcurrency < 0 || c.QueryConcurrency > 256 {
		bad("QUERY_CONCURRENCY", "must be in [1, 256] (0: 8), got %d", c.QueryConcurrency)
	}
	if c.ScrapeInterval < time.Second {
		bad("SCRAPE_INTERVAL", "must be at least 1s, got %s", c.ScrapeInterval)
	}
	if _, err := scrape.FallbackMediaType(c.ScrapeFallback); err != nil {
		bad("SCRAPE_FALLBACK_PROTOCOL", "%v", err)
	}
	// The embedded store's bound: with a remote server, a window over the
	// 720h default (35 days at 5m) was refused for a retention nothing
	// reads, and setting it was then warned of as unused.
	if c.PrometheusURL == "" && c.Retention < c.HistoryWindow {
		bad("RETENTION", "must be >= PRESCALE_HISTORY_WINDOW (%s), got %s", c.HistoryWindow, c.Retention)
	}
}

// MaxHistoryPoints bounds the points per target a history window holds
// (PRESCALE_HISTORY_WINDOW / PRESCALE_STEP): 14 days at 1 minute, prescale
// run's default. The forecaster fits on at most 20,000 samples (35 days
// of them, at least 8,000; controller/engine), so a longer window only
// adds points read, held and dropped every cycle: 336h at 1s was 1.2
// million points per target, and no cycle finished. Prometheus likewise
// refuses a range query over 11,000 points per series rather than
// thinning it.
const MaxHistoryPoints = 20160

// HistoryPoints is the number of steps in a window, the points per
// target it holds; 0 for a step <= 0 (refused on its own).
func HistoryPoints(window, step time.Duration) int64 {
	if step <= 0 {
		return 0
	}
	return int64(window / step)
}

// FitHistoryWindow is the rule of prescale run and prescale-controller
// for a PRESCALE_HISTORY_WINDOW left unset in the environment, which
// envconfig read c from: a default holding more than MaxHistoryPoints
// steps of PRESCALE_STEP (336h at a step under 1m) is shortened to that
// many steps, the longest window within the limit. It returns the window
// it replaced and whether it did; a step <= 0 is left to Validate. A
// window set in the environment is not fitted: too long, it is refused.
func (c *Config) FitHistoryWindow() (from time.Duration, fitted bool) {
	if _, set := os.LookupEnv(EnvPrefix + "_HISTORY_WINDOW"); set {
		return c.HistoryWindow, false
	}
	if c.Step <= 0 || HistoryPoints(c.HistoryWindow, c.Step) <= MaxHistoryPoints {
		return c.HistoryWindow, false
	}
	from, c.HistoryWindow = c.HistoryWindow, MaxHistoryPoints*c.Step
	return from, true
}

// LogFittedWindow says at INFO that FitHistoryWindow replaced the default
// from with the window now set, as both programs say it.
func (c *Config) LogFittedWindow(log *slog.Logger, from time.Duration) {
	log.Info("PRESCALE_HISTORY_WINDOW unset: its default holds more than the points limit at this PRESCALE_STEP, so the window is the longest within it",
		"window", c.HistoryWindow, "step", c.Step, "default", from, "max_points", MaxHistoryPoints)
}

// validateLoop checks the decision loop: its timing, the forecast, the
// mode and the anomaly detector.
func (c *Config) validateLoop(bad badFunc) {
	if c.ScalingInterval < time.Second {
		// Shorter ran cycles back to back: 1ns spun a core.
		bad("SCALING_INTERVAL", "must be at least 1s, got %s", c.ScalingInterval)
	}
	if c.Step <= 0 {
		bad("STEP", "must be > 0, got %s", c.Step)
	} else if c.Step%time.Second != 0 {
		bad("STEP", "must be a whole number of seconds, got %s", c.Step)
	}
	if c.HistoryWindow < 10*c.Step {
		bad("HISTORY_WINDOW", "must hold at least 10 steps of PRESCALE_STEP (%s), got %s", c.Step, c.HistoryWindow)
	} else if n := HistoryPoints(c.HistoryWindow, c.Step); n > MaxHistoryPoints {
		bad("HISTORY_WINDOW", "%s at PRESCALE_STEP=%s is %d points per target, more than %d (14 days at 1m): "+
			"lengthen PRESCALE_STEP or shorten PRESCALE_HISTORY_WINDOW", c.HistoryWindow, c.Step, n, MaxHistoryPoints)
	}
	if !(c.Coverage > 0 && c.Coverage < 1) {
		bad("FORECAST_COVERAGE", "must be in (0, 1), got %v", c.Coverage)
	}
	if c.Mode != controller.ModeAct && c.Mode != controller.ModeForecastOnly {
		bad("MODE", "must be %q or %q, got %q", controller.ModeAct, controller.ModeForecastOnly, c.Mode)
	}
	if !(c.AnomalyThreshold > 0 && c.AnomalyThreshold <= 1) {
		bad("ANOMALY_THRESHOLD", "must be in (0, 1], got %v", c.AnomalyThreshold)
	}
	if !slices.Contains(anomaly.DetectorNames(), c.AnomalyDetector) {
		bad("ANOMALY_DETECTOR", "must be one of %v, got %q", anomaly.DetectorNames(), c.AnomalyDetector)
	}
}

// Unused lists the settings that are set but that nothing reads with the
// rest of the configuration (a webhook URL without the webhook actuator):
// the program starts and logs each at WARN. They were silently ignored,
// so a PRESCALE_WEBHOOK_URL without PRESCALE_ACTUATOR=webhook sent nothing.
func (c *Config) Unused() []string {
	var out []string
	if len(c.WebhookURL) > 0 && !slices.Contains(c.Actuators, ActuatorWebhook) {
		out = append(out, "PRESCALE_WEBHOOK_URL is set but PRESCALE_ACTUATOR does not include webhook: no webhook is sent")
	}
	if len(c.ExecCommand) > 0 && !slices.Contains(c.Actuators, ActuatorExec) {
		out = append(out, "PRESCALE_EXEC_COMMAND is set but PRESCALE_ACTUATOR does not include exec: the command is never run")
	}
	if len(c.ScrapeTargets) > 0 && c.PrometheusURL != "" {
		out = append(out, "PRESCALE_SCRAPE_TARGETS is set but unused: history is read from PRESCALE_PROMETHEUS_URL")
	}
	// Settings of a part the configuration leaves out, given a value of
	// their own: PRESCALE_SCRAPE_INTERVAL=5s beside a Prometheus changed
	// nothing, without a word.
	for _, u := range []struct {
		field, name, why string
		off              bool
	}{
		{"ScrapeInterval", "PRESCALE_SCRAPE_INTERVAL", "history is read from PRESCALE_PROMETHEUS_URL, not scraped by the embedded store", c.PrometheusURL != ""},
		{"Retention", "PRESCALE_RETENTION", "history is read from PRESCALE_PROMETHEUS_URL, not kept by the embedded store", c.PrometheusURL != ""},
		{"ScrapeFallback", "PRESCALE_SCRAPE_FALLBACK_PROTOCOL", "history is read from PRESCALE_PROMETHEUS_URL, not scraped by the embedded store", c.PrometheusURL != ""},
		{"WebhookTimeout", "PRESCALE_WEBHOOK_TIMEOUT", "PRESCALE_ACTUATOR does not include webhook", !slices.Contains(c.Actuators, ActuatorWebhook)},
		{"WebhookRetries", "PRESCALE_WEBHOOK_MAX_ATTEMPTS", "PRESCALE_ACTUATOR does not include webhook", !slices.Contains(c.Actuators, ActuatorWebhook)},
		{"WebhookReceiver", "PRESCALE_WEBHOOK_RECEIVER", "PRESCALE_ACTUATOR does not include webhook", !slices.Contains(c.Actuators, ActuatorWebhook)},
		{"ExecTimeout", "PRESCALE_EXEC_TIMEOUT", "PRESCALE_ACTUATOR does not include exec", !slices.Contains(c.Actuators, ActuatorExec)},
		{"ActuatorConcurrency", "PRESCALE_ACTUATOR_CONCURRENCY", "PRESCALE_ACTUATOR includes neither webhook nor exec",
			!slices.Contains(c.Actuators, ActuatorWebhook) && !slices.Contains(c.Actuators, ActuatorExec)},
		{"StressTestMax", "PRESCALE_STRESS_TEST_MAX", "PRESCALE_STRESS_TEST_ENABLED is false", !c.StressTest},
	} {
		if u.off && c.given(u.field) {
			out = append(out, u.name+" is set but unused: "+u.why)
		}
	}
	// A tenant header for a Mimir that PRESCALE_PROMETHEUS_URL does not
	// name: the embedded store answered without a word.
	if len(c.PrometheusHeaders) > 0 && c.PrometheusURL == "" {
		out = append(out, "PRESCALE_PROMETHEUS_HEADERS is set but unused: PRESCALE_PROMETHEUS_URL is empty, so history is read from the embedded store")
	}
	out = append(out, c.unusedTLSVars()...)
	out = append(out, c.unusedTargetVars()...)
	// forecast-only hands nothing to the actuators; a receiver or command
	// waited for decisions that never came, without a word, and the
	// simulated pool stays at its start.
	for _, a := range c.Actuators {
		if c.Mode == controller.ModeForecastOnly && a != ActuatorNone {
			out = append(out, fmt.Sprintf("PRESCALE_ACTUATOR includes %s but PRESCALE_MODE is forecast-only: decisions are published, never handed to it", a))
		}
	}
	return out
}

// unusedTargetVars lists the single-target variables set beside a targets
// file: its entries give their own name, query and current_query (not
// inherited), so these were read by nothing.
func (c *Config) unusedTargetVars() []string {
	if c.TargetsFile == "" {
		return nil
	}
	var out []string
	for _, v := range []struct {
		name string
		set  bool
	}{
		{"PRESCALE_TARGET_NAME", c.TargetName != "" && c.TargetName != "default"}, // its default
		{"PRESCALE_TARGET_QUERY", c.TargetQuery != ""},
		{"PRESCALE_TARGET_CURRENT_QUERY", c.TargetCurrentQuery != ""},
		{"PRESCALE_TARGET_COMPLETE_QUERY", c.TargetCompleteQuery != ""},
	} {
		if v.set {
			out = append(out, v.name+" is set but unused: each entry of PRESCALE_TARGETS_FILE gives its own (name, query, current_query and complete_query are not inherited)")
		}
	}
	return out
}

// given reports whether the Config field holds a value of its own: not
// zero and not its envconfig default (a literal Config in a test leaves
// the zero value).
func (c *Config) given(field string) bool {
	f, _ := reflect.TypeFor[Config]().FieldByName(field)
	v := reflect.ValueOf(c).Elem().FieldByName(field)
	if v.IsZero() {
		return false
	}
	def := f.Tag.Get("default")
	switch x := v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(def)
		return err != nil || x != d
	case int:
		return strconv.Itoa(x) != def
	case string:
		return x != def
	}
	panic("config: given: unsupported field " + field)
}

// validateActuators checks the actuators, their settings and the API's
// limits.
func (c *Config) validateActuators(bad badFunc) {
	for i, a := range c.Actuators {
		if slices.Contains(c.Actuators[:i], a) {
			// Two of a kind registered the same metrics: a panic.
			bad("ACTUATOR", "%q is listed twice (several webhook receivers: several URLs in PRESCALE_WEBHOOK_URL)", a)
			continue
		}
		switch a {
		case ActuatorNone, ActuatorSimulated:
		case ActuatorWebhook:
			if len(c.WebhookURL) == 0 {
				bad("WEBHOOK_URL", "must be set when PRESCALE_ACTUATOR includes webhook")
			}
			if strings.TrimSpace(c.WebhookReceiver) == "" {
				bad("WEBHOOK_RECEIVER", "must not be empty when PRESCALE_ACTUATOR includes webhook")
			}
		case ActuatorExec:
			c.validateExecCommand(bad)
		default:
			bad("ACTUATOR", "unknown actuator %q (none, webhook, exec, simulated)", a)
		}
	}
	if c.WebhookRetries < 1 {
		bad("WEBHOOK_MAX_ATTEMPTS", "must be >= 1, got %d", c.WebhookRetries)
	}
	if c.ActuatorConcurrency < 0 || c.ActuatorConcurrency > 256 {
		bad("ACTUATOR_CONCURRENCY", "must be in [1, 256] (0: 8), got %d", c.ActuatorConcurrency)
	}
	if c.ManualDuration <= 0 || c.ManualDuration > policy.MaxManualDuration {
		bad("MANUAL_DURATION", "must be in (0s, %s], got %s", policy.MaxManualDuration, c.ManualDuration)
	}
	if c.MetricsMaxInFlight < 0 {
		bad("METRICS_MAX_IN_FLIGHT", "must be >= 0 (0: no limit), got %d", c.MetricsMaxInFlight)
	}
	if c.StressTestMax <= 0 {
		bad("STRESS_TEST_MAX", "must be > 0, got %s", c.StressTestMax)
	}
}

// validateExecCommand checks that the exec actuator's command is given
// and can be found (a path, or a name on PATH), so a typo is a
// configuration error at start instead of a failure at every decision.
func (c *Config) validateExecCommand(bad badFunc) {
	if len(c.ExecCommand) == 0 {
		bad("EXEC_COMMAND", "must be set when PRESCALE_ACTUATOR includes exec")
		return
	}
	name := c.ExecCommand[0] // run as given, spaces included
	if strings.TrimSpace(name) == "" {
		bad("EXEC_COMMAND", "the command (its first field) is empty")
		return
	}
	if _, err := exec.LookPath(name); err != nil {
		bad("EXEC_COMMAND", "%v", err)
	}
}

// validateURLs checks every URL setting (errors never echo a password).
func (c *Config) validateURLs(bad badFunc) {
	check := func(v, u string) {
		if err := CheckHTTPURL(u); err != nil {
			bad(v, "%v", err)
		}
	}
	if c.PrometheusURL != "" {
		check("PROMETHEUS_URL", c.PrometheusURL)
		if err := CheckPrometheusBase(c.PrometheusURL); err != nil {
			bad("PROMETHEUS_URL", "%v", err)
		}
	}
	if _, err := history.ParseHeaders(c.PrometheusHeaders); err != nil {
		bad("PROMETHEUS_HEADERS", "%v", err)
	}
	for i, u := range c.ScrapeTargets {
		check("SCRAPE_TARGETS", u)
		if slices.Contains(c.ScrapeTargets[:i], u) {
			bad("SCRAPE_TARGETS", "%s is listed twice", redact.URL(u))
		}
	}
	for i, u := range c.WebhookURL {
		check("WEBHOOK_URL", u)
		if pu, err := url.Parse(u); err == nil && alertmanagerAPI(pu.Path) {
			bad("WEBHOOK_URL", "%s is Alertmanager's API for alerts from Prometheus, which refuses a webhook message (HTTP 400): prescale sends what Alertmanager sends to a webhook receiver, so point it at the receiver, or let Prometheus's rules raise the alerts (deploy/alertmanager.yml)", redact.URL(u))
		}
		if slices.Contains(c.WebhookURL[:i], u) {
			// Two actuators (NAME-1, NAME-2) on one receiver: every
			// decision was sent to it twice, as PRESCALE_ACTUATOR=webhook,webhook is refused.
			bad("WEBHOOK_URL", "%s is listed twice: the receiver would get every decision twice", redact.URL(u))
		}
	}
	if c.ExternalURL != "" {
		check("EXTERNAL_URL", c.ExternalURL)
	}
}

// CheckPrometheusBase refuses a Prometheus URL that names the query API
// itself (http://prometheus:9090/api/v1) instead of its base URL: it was
// taken, and every query went to .../api/v1/api/v1/query_range, answered
// 404. PRESCALE_PROMETHEUS_URL and prescale backtest --prometheus.
func CheckPrometheusBase(raw string) error {
	if base, ok := apiBase(raw); ok {
		return fmt.Errorf("%s names the query API itself: give its base URL, the part before /api/v1 (%s); prescale adds /api/v1/query_range",
			redact.URL(raw), redact.URL(base))
	}
	return nil
}

// apiBase returns the URL without its /api/v1... part when its path ends
// with one: /api/v1 and at most an endpoint after it
// (http://prometheus:9090/api/v1 is http://prometheus:9090). A path going
// on after /api/v1 is a base: the Kubernetes API server's proxy to a
// Service (kubectl proxy's /api/v1/namespaces/NS/services/NAME/proxy).
func apiBase(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	i := strings.LastIndex(u.Path+"/", "/api/v1/")
	if i < 0 || strings.Contains(strings.Trim(u.Path[i+len("/api/v1"):], "/"), "/") {
		return "", false
	}
	u.Path, u.RawPath, u.RawQuery = u.Path[:i], "", ""
	return u.String(), true
}

// alertmanagerAPI reports whether path is Alertmanager's alerts API
// (/api/v1/alerts, /api/v2/alerts, under any route prefix).
func alertmanagerAPI(path string) bool {
	path = strings.TrimSuffix(path, "/")
	return strings.HasSuffix(path, "/api/v2/alerts") || strings.HasSuffix(path, "/api/v1/alerts")
}

// CheckQuery parses a demand query with Prometheus' own PromQL parser and
// checks that it yields an instant vector or a scalar (what a range query
// can evaluate), so a typo is a configuration error at start instead of a
// failed query every cycle.
func CheckQuery(q string) error {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(q)
	if err != nil {
		return fmt.Errorf("invalid PromQL %q: %w", redact.Cut(q, redact.MaxEchoed), err)
	}
	switch expr.Type() {
	case parser.ValueTypeVector, parser.ValueTypeScalar:
		return nil
	default:
		return fmt.Errorf("PromQL %q returns a %s; the demand query must return an instant vector (one series) or a scalar", redact.Cut(q, redact.MaxEchoed), expr.Type())
	}
}

// CheckHTTPURL accepts absolute http and https URLs with a host, whose
// user info no unencoded '/', '?' or '#' of a password cut short
// (redact.CheckAuthority). Errors
// quote the URL without its user information and query, which may hold a
// password or a token (also when it does not parse).
func CheckHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", redact.Err(err))
	}
	shown := redact.URL(raw)
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http or https URL, got %q", shown)
	}
	if u.Host == "" {
		return fmt.Errorf("must name a host, got %q", shown)
	}
	if err := CheckPort(u.Port()); err != nil {
		return err
	}
	if err := redact.CheckAuthority(raw); err != nil {
		return fmt.Errorf("%q %w", shown, err)
	}
	return nil
}

// CheckPort refuses a URL's port (url.URL.Port) outside [1, 65535]; ""
// (the scheme's) is taken. url.Parse takes any digits: a URL on port
// 99999 was accepted, and each request to it failed ("dial tcp: address
// 99999: invalid port"). The error quotes the port cut to redact.MaxEchoed
// bytes, nothing else of the URL.
func CheckPort(port string) error {
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not in [1, 65535]", redact.Cut(port, redact.MaxEchoed))
	}
	return nil
}

// envVarOf maps a policy.Target field to its environment variable.
var envVarOf = map[string]string{
	"name": "TARGET_NAME", "kind": "TARGET_KIND", "query": "TARGET_QUERY", "current_query": "TARGET_CURRENT_QUERY",
	"complete_query":    "TARGET_COMPLETE_QUERY",
	"capacity_per_unit": "TARGET_CAPACITY_PER_UNIT", "target_utilization": "TARGET_UTILIZATION",
	"min_units": "TARGET_MIN_UNITS", "max_units": "TARGET_MAX_UNITS",
	"cost_per_unit_hour": "TARGET_COST_PER_UNIT_HOUR", "lag": "TARGET_PROVISIONING_LAG",
	"scale_up_cooldown": "TARGET_SCALE_UP_COOLDOWN", "scale_down_cooldown": "TARGET_SCALE_DOWN_COOLDOWN",
	"stabilization_window": "TARGET_STABILIZATION_WINDOW", "max_scale_up_units": "TARGET_MAX_SCALE_UP_UNITS",
	"max_scale_down_units": "TARGET_MAX_SCALE_DOWN_UNITS", "tolerance": "TARGET_TOLERANCE",
	"confidence_threshold": "CONFIDENCE_THRESHOLD", "daily_budget": "COST_BUDGET_DAILY",
	"risk_per_unit": "TARGET_RISK_PER_UNIT", "floor_mode": "TARGET_FLOOR_MODE",
	"usage_window": "TARGET_USAGE_WINDOW", "change_cost": "TARGET_CHANGE_COST",
}

func envFieldErrors(err error) []error {
	var out []error
	var list interface{ Unwrap() []error }
	errsIn := []error{err}
	if errors.As(err, &list) {
		errsIn = list.Unwrap()
	}
	for _, e := range errsIn {
		var fe *policy.FieldError
		if errors.As(e, &fe) {
			if v, ok := envVarOf[fe.Field]; ok {
				out = append(out, &ConfigError{Var: v, Msg: fe.Msg})
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// EnvTarget is the target described by the PRESCALE_TARGET_* variables.
func (c *Config) EnvTarget() policy.Target {
	return policy.Target{
		Name:                c.TargetName,
		Tier:                c.TargetTier,
		Kind:                policy.Kind(c.TargetKind),
		Query:               c.TargetQuery,
		CurrentQuery:        c.TargetCurrentQuery,
		CompleteQuery:       c.TargetCompleteQuery,
		CapacityPerUnit:     c.CapacityPerUnit,
		TargetUtilization:   c.TargetUtilization,
		MinUnits:            c.MinUnits,
		MaxUnits:            c.MaxUnits,
		CostPerUnitHour:     c.CostPerUnitHour,
		Lag:                 c.Lag,
		ScaleUpCooldown:     c.ScaleUpCooldown,
		ScaleDownCooldown:   c.ScaleDownCooldown,
		StabilizationWindow: c.Stabilization,
		HoldUntilReady:      c.HoldUntilReady,
		UsageWindow:         c.UsageWindow.For(c.Lag),
		RiskPerUnit:         c.RiskPerUnit,
		ChangeCost:          c.ChangeCost,
		FloorMode:           policy.FloorMode(c.FloorMode),
		MaxScaleUpUnits:     c.MaxScaleUpUnits,
		MaxScaleDownUnits:   c.MaxScaleDownUnits,
		Tolerance:           c.Tolerance,
		ConfidenceThreshold: c.ConfidenceThreshold,
		DailyBudget:         c.CostBudgetDaily,
	}
}

// Targets returns the configured targets: the targets file when set (each
// entry starts from the PRESCALE_TARGET_* defaults, its usage window from
// its own lag unless PRESCALE_TARGET_USAGE_WINDOW is a duration), else
// the env target.
func (c *Config) Targets() ([]policy.Target, error) {
	if c.TargetsFile == "" {
		return []policy.Target{c.EnvTarget()}, nil
	}
	b, err := os.ReadFile(c.TargetsFile)
	if err != nil {
		return nil, &ConfigError{Var: "TARGETS_FILE", Msg: err.Error()}
	}
	ts, err := ParseTargets(b, c.EnvTarget(), c.UsageWindow)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(c.fileLeadErrors(ts), c.fileSpanErrors(ts)); err != nil {
		return nil, err
	}
	return ts, nil
}

// hostname is os.Hostname (tests replace it).
var hostname = os.Hostname

// ShardSpec is the controller's shard: PRESCALE_SHARD, else
// PRESCALE_SHARD_COUNT with the hostname's StatefulSet ordinal, else the
// whole fleet (shard.All). Errors name the variable.
func (c *Config) ShardSpec() (shard.Spec, error) {
	switch {
	case c.Shard != "" && c.ShardCount != 0:
		return shard.Spec{}, &ConfigError{Var: "SHARD_COUNT", Msg: "set PRESCALE_SHARD or PRESCALE_SHARD_COUNT, not both"}
	case c.Shard != "":
		s, err := shard.Parse(c.Shard)
		if err != nil {
			return shard.Spec{}, &ConfigError{Var: "SHARD", Msg: err.Error()}
		}
		return s, nil
	case c.ShardCount < 0:
		return shard.Spec{}, &ConfigError{Var: "SHARD_COUNT", Msg: fmt.Sprintf("the shard count must be >= 1 (0: off), got %d", c.ShardCount)}
	case c.ShardCount > 0:
		h, err := hostname()
		if err != nil {
			return shard.Spec{}, &ConfigError{Var: "SHARD_COUNT", Msg: "reading the hostname for the StatefulSet ordinal: " + err.Error()}
		}
		s, err := shard.FromOrdinal(h, c.ShardCount)
		if err != nil {
			return shard.Spec{}, &ConfigError{Var: "SHARD_COUNT", Msg: err.Error()}
		}
		return s, nil
	}
	return shard.All, nil
}

// blank reports whether s is empty or white space only.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// labelErrors refuses an entry's empty tier or kind: the label would be
// dropped from every series (Prometheus drops empty labels), so alerts,
// dashboards and receivers could not group or route on it, and alert
// descriptions would read "(/instances)" or "(web/)". fields are the
// entry's own, to say where the empty value came from.
func labelErrors(t policy.Target, fields map[string]any) []error {
	var errs []error
	// A blank kind other than "" is not one of the four: Validate says so.
	for _, l := range []struct {
		field, env string
		empty      bool
	}{{"tier", "TARGET_TIER", blank(t.Tier)}, {"kind", "TARGET_KIND", t.Kind == ""}} {
		if !l.empty {
			continue
		}
		if _, own := fields[l.field]; own {
			errs = append(errs, fmt.Errorf("%s must not be empty: it is the %s label of the target's series, alerts and webhooks (leave the field out to inherit PRESCALE_%s)", l.field, l.field, l.env))
			continue
		}
		errs = append(errs, fmt.Errorf("%s is empty: PRESCALE_%s, which entries without a %s inherit, is set to an empty value", l.field, l.env, l.field))
	}
	return errs
}

// ParseTargets reads a targets file: a YAML document with a "targets" list;
// fields left out take their values from defaults, but for usage_window:
// an entry without one takes window (PRESCALE_TARGET_USAGE_WINDOW), with
// UsageWindowLag its own lag, not the lag of defaults. Duration fields
// read as the variables do (clihelp.DecodeYAML: lag: 1d, 2w, 1d12h).
func ParseTargets(b []byte, defaults policy.Target, window UsageWindow) ([]policy.Target, error) {
	entries, err := targetsEntries(b)
	if err != nil {
		cutEchoes([]error{err})
		return nil, err
	}
	seen := map[string]bool{}
	var out []policy.Target
	var errs []error
	known := targetFields()
	for i := range entries {
		t := defaults
		t.Name, t.Query, t.CurrentQuery, t.CompleteQuery = "", "", "", "" // per target, never inherited
		var fields map[string]any
		if err := entries[i].Decode(&fields); err != nil {
			errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d]: %v", i, err)})
			continue
		}
		for k := range fields {
			if !known[k] {
				errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d]: unknown field %s%s", i, redact.Cut(k, redact.MaxEchoed), didYouMean(k, known))})
			}
		}
		if frac := fractionErrors(i, &entries[i], fields["name"]); len(frac) > 0 {
			errs = append(errs, frac...)
			continue
		}
		if err := clihelp.DecodeYAML(&entries[i], &t); err != nil {
			if named := fieldTypeErrors(i, &entries[i], fields["name"]); len(named) > 0 {
				errs = append(errs, named...)
			} else {
				errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d]: %v", i, err)})
			}
			continue
		}
		if fields["usage_window"] == nil { // left out, or null as a null tier is
			t.UsageWindow = window.For(t.Lag)
		}
		errs = append(errs, entryErrors(i, t, fields)...)
		if seen[t.Name] && t.Name != "" { // an empty name is its own error
			errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d]: duplicate name %q", i, t.Name)})
		}
		seen[t.Name] = true
		out = append(out, t)
	}
	if err := errors.Join(cutEchoes(errs)...); err != nil {
		return nil, err
	}
	return out, nil
}

// targetFields is the set of a targets file entry's fields: the yaml
// names of policy.Target's fields.
func targetFields() map[string]bool {
	known := map[string]bool{}
	rt := reflect.TypeFor[policy.Target]()
	for i := range rt.NumField() {
		if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			known[tag] = true
		}
	}
	return known
}

// entryErrors checks entry i of a targets file, decoded into t from its
// own fields: its queries, Validate and its labels.
func entryErrors(i int, t policy.Target, fields map[string]any) []error {
	var errs []error
	if t.Query == "" {
		errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q): query must be set", i, t.Name)})
	} else if err := CheckQuery(t.Query); err != nil {
		errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q): query: %v", i, t.Name, err)})
	}
	for _, q := range []struct{ field, expr string }{{"current_query", t.CurrentQuery}, {"complete_query", t.CompleteQuery}} {
		if q.expr == "" {
			continue
		}
		if err := CheckQuery(q.expr); err != nil {
			errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q): %s: %v", i, t.Name, q.field, err)})
		}
	}
	if err := t.Validate(); err != nil {
		errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d]: %v", i, err)})
	}
	for _, err := range labelErrors(t, fields) {
		errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q): %v", i, t.Name, err)})
	}
	return errs
}

// targetsEntries returns the entries of a targets file: a mapping whose
// one key is targets, a list of at least one entry.
func targetsEntries(b []byte) ([]yaml.Node, error) {
	var top map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&top); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ConfigError{Var: "TARGETS_FILE", Msg: "bad YAML: " + err.Error()}
	}
	// A second document (after ---) was dropped without a word, and the
	// targets it held with it; an empty one (a trailing ---) holds none.
	for {
		var more any
		err := dec.Decode(&more)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || more != nil {
			return nil, &ConfigError{Var: "TARGETS_FILE", Msg: "more than one YAML document (---): the file holds one targets: [...] list; put every entry in it"}
		}
	}
	for k := range top {
		if k != "targets" {
			// It said: field k not found in type struct { Targets []yaml.Node ... }.
			return nil, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("unknown key %s at the top: the file holds targets: [...] only", redact.Cut(k, redact.MaxEchoed))}
		}
	}
	var entries []yaml.Node
	if node, ok := top["targets"]; ok {
		if err := node.Decode(&entries); err != nil {
			return nil, &ConfigError{Var: "TARGETS_FILE", Msg: "bad YAML: targets: " + err.Error()}
		}
	}
	if len(entries) == 0 {
		return nil, &ConfigError{Var: "TARGETS_FILE", Msg: `no targets: expected "targets:" with at least one entry`}
	}
	return entries, nil
}

// didYouMean suggests the known field nearest to k (at most two edits
// away), or lists them all.
func didYouMean(k string, known map[string]bool) string {
	names := slices.Sorted(maps.Keys(known))
	if near := envcheck.Nearest(k, names); near != "" {
		return fmt.Sprintf(" (did you mean %s?)", near)
	}
	return " (an entry's fields: " + strings.Join(names, ", ") + ")"
}

// fieldByTag returns the field of policy.Target that a targets file's
// key names.
func fieldByTag(key string) (reflect.StructField, bool) {
	rt := reflect.TypeFor[policy.Target]()
	for i := range rt.NumField() {
		if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); tag == key {
			return rt.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// isDurationField reports whether the targets file's field key is a
// duration (lag, cooldowns, windows).
func isDurationField(key string) bool {
	f, ok := fieldByTag(key)
	return ok && f.Type == reflect.TypeFor[time.Duration]()
}

// fractionErrors names each whole-number field of targets[i] (min_units,
// max_units, max_scale_up_units, max_scale_down_units) given a fraction:
// YAML decodes min_units: 0.5 into an int as 0 without a word, a target
// that may then scale to zero (max_units: 2.5 was 2). The variables
// refuse the same values (want a whole number). So is one not in decimal:
// YAML 1.1 read max_units: 010 as octal 8 (0x10 16, 1_0 10), 08 as 8; and
// a number field's integer (capacity_per_unit: 010 was 8).
func fractionErrors(i int, node *yaml.Node, name any) []error {
	if node.Kind != yaml.MappingNode {
		return nil
	}
	var out []error
	for k := 0; k+1 < len(node.Content); k += 2 {
		key, val := node.Content[k].Value, node.Content[k+1]
		f, ok := fieldByTag(key)
		whole := ok && f.Type.Kind() == reflect.Int
		if !whole && (!ok || f.Type.Kind() != reflect.Float64) || val.Kind != yaml.ScalarNode {
			continue
		}
		if val.ShortTag() == "!!int" && !clihelp.IsDecimal(val.Value) || whole && clihelp.LeadingZero(val.Value) {
			want := "a number in decimal, without 0x, 0o, 0b, _ or a leading 0 before digits"
			if whole {
				want = "a whole number in decimal, without a leading 0, 0x, 0o, 0b or _"
			}
			out = append(out, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q): %s: want %s (010 would read as octal 8), got %s",
				i, fmt.Sprint(name), key, want, redact.Cut(val.Value, redact.MaxEchoed))})
		}
		if !whole || val.ShortTag() != "!!float" {
			continue
		}
		var v float64
		if err := val.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v == math.Trunc(v) {
			continue // NaN and ±Inf are refused by the decoder, naming the field
		}
		out = append(out, &ConfigError{Var: "TARGETS_FILE",
			Msg: fmt.Sprintf("targets[%d] (%q): %s: want a whole number, got %s", i, fmt.Sprint(name), key, val.Value)})
	}
	return out
}

// fieldTypeErrors names each field of targets[i] whose value does not fit
// its type (max_units: .nan, capacity_per_unit: ten), with the target's
// name, by decoding the entry's fields one at a time.
func fieldTypeErrors(i int, node *yaml.Node, name any) []error {
	if node.Kind != yaml.MappingNode {
		return nil
	}
	var out []error
	for k := 0; k+1 < len(node.Content); k += 2 {
		one := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: node.Content[k : k+2]}
		var probe policy.Target
		err := clihelp.DecodeYAML(one, &probe)
		if err == nil {
			continue
		}
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msg = strings.Join(te.Errors, "; ")
		}
		if isDurationField(node.Content[k].Value) {
			// lag: 300 read as seconds by whoever wrote it; say what is meant.
			msg += "; want a duration with its unit, e.g. 5m, 300s or 1d"
			if node.Content[k].Value == "usage_window" && strings.TrimSpace(node.Content[k+1].Value) == UsageWindowLag.String() {
				// PRESCALE_TARGET_USAGE_WINDOW takes lag; the field's absence means it.
				msg += " (leave usage_window out for the entry's own lag, as PRESCALE_TARGET_USAGE_WINDOW=lag gives)"
			}
		}
		out = append(out, &ConfigError{Var: "TARGETS_FILE",
			Msg: fmt.Sprintf("targets[%d] (%q): %s: %s", i, fmt.Sprint(name), node.Content[k].Value, msg)})
	}
	return out
}
