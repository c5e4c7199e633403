package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/trace"
)

// Defaults of `prescale run` that differ from prescale-controller's; each
// applies only when its variable is unset.
const (
	// runCPUQuery is this host's CPU demand in cores: the busy share of the
	// exporter's per-cpu counters.
	runCPUQuery = `sum(rate(prescale_cpu_seconds_total{mode!~"idle|iowait|steal"}[2m]))`
	// runPrice is the simulated pool's price per unit-hour.
	runPrice = 0.05
)

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prescale run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backfill := fs.String("backfill", "", "trace CSV (timestamp,value) replayed into the embedded store as target \"trace\": its first 70% ends now and is loaded at start (only the last PRESCALE_HISTORY_WINDOW of it, as one block), the rest as its time comes")
	capacity := fs.Float64("capacity", 0, "demand one unit of the \"trace\" target serves (0: the trace's 95th percentile / 5)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: prescale run [--backfill FILE.csv] [--capacity C]\n\nRuns the exporter, an embedded TSDB, the controller and a SIMULATED resource pool\nin one process on PRESCALE_LISTEN (default :9111).\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nenvironment (as prescale-controller; run's defaults: PRESCALE_ACTUATOR=simulated,\nPRESCALE_TARGET_QUERY = this host's CPU demand in cores, PRESCALE_STEP=1m or the trace's step):")
		tw := tabwriter.NewWriter(stderr, 1, 0, 2, ' ', 0)
		_ = envconfig.Usagef(controller.EnvPrefix, &controller.Config{}, tw, envconfig.DefaultTableFormat)
		_ = tw.Flush()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "prescale run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *capacity < 0 {
		fmt.Fprintln(stderr, "prescale run: --capacity must be >= 0")
		return 2
	}

	envcheck.Warn(stderr, "prescale run", os.Environ(), envcheck.AllScope, controller.Config{}, exporter.Config{})
	var cfg controller.Config
	if err := envconfig.Process(controller.EnvPrefix, &cfg); err != nil {
		fmt.Fprintln(stderr, "prescale run: bad configuration:", err)
		return 2
	}
	unset := func(v string) bool { _, ok := os.LookupEnv(controller.EnvPrefix + "_" + v); return !ok }
	if unset("ACTUATOR") {
		cfg.Actuators = []string{controller.ActuatorSimulated}
	}
	if unset("TARGET_QUERY") && cfg.TargetsFile == "" {
		cfg.TargetQuery = runCPUQuery
		if unset("TARGET_NAME") {
			cfg.TargetName = "host-cpu"
		}
		if unset("TARGET_TIER") {
			cfg.TargetTier = "host"
		}
		if unset("TARGET_KIND") {
			cfg.TargetKind = "cpu"
		}
		if unset("TARGET_MAX_UNITS") {
			cfg.MaxUnits = max(4, 2*runtime.NumCPU())
		}
	}
	if unset("TARGET_COST_PER_UNIT_HOUR") {
		cfg.CostPerUnitHour = runPrice
	}
	if unset("SCALING_INTERVAL") {
		cfg.ScalingInterval = 30 * time.Second
	}
	if unset("STEP") {
		cfg.Step = time.Minute
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	var tr *trace.Trace
	if *backfill != "" {
		var err error
		tr, err = trace.ReadFile(*backfill)
		if err != nil {
			fmt.Fprintln(stderr, "prescale run: --backfill:", err)
			return 2
		}
		if tr.Len() < 10 {
			fmt.Fprintf(stderr, "prescale run: --backfill %s: %d samples, need at least 10\n", *backfill, tr.Len())
			return 2
		}
	}
	if cfg.PrometheusURL != "" {
		fmt.Fprintln(stderr, "prescale run: PRESCALE_PROMETHEUS_URL is set; prescale run always uses its embedded store (use prescale-controller for a remote Prometheus)")
		return 2
	}

	// The one registry: exporter, controller, Go and process metrics; it is
	// served on /metrics and gathered into the embedded store.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("prescale"))
	ecfg := exporter.DefaultConfig()
	if err := envconfig.Process(exporter.EnvPrefix, &ecfg); err != nil {
		fmt.Fprintln(stderr, "prescale run: bad exporter configuration:", err)
		return 2
	}
	col, err := exporter.NewCollector(ecfg, exporter.WithLogger(logger))
	if err != nil {
		fmt.Fprintln(stderr, "prescale run:", err)
		return 2
	}
	reg.MustRegister(col)

	if tr != nil && unset("STEP") {
		cfg.Step = history.MedianStep(tr.T)
	}
	token := cfg.APIToken
	if token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		token = hex.EncodeToString(b)
		cfg.APIToken = token
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "prescale run: bad configuration:\n"+err.Error())
		return 2
	}
	// Bind before the backfill: a busy address fails at once, with the
	// data directory untouched.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "prescale run: PRESCALE_LISTEN %s: %v\n", cfg.Listen, err)
		return 2
	}
	closeLn := func() { _ = ln.Close() }
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		fmt.Fprintln(stderr, "prescale run: PRESCALE_DATA_DIR:", err)
		closeLn()
		return 2
	}

	tsdbDir := filepath.Join(cfg.DataDir, "tsdb")
	now := time.Now()
	var replay *history.Replay
	var name string
	if tr != nil {
		name = strings.TrimSuffix(filepath.Base(*backfill), filepath.Ext(*backfill))
		replay, err = history.NewReplay(nil, labels.FromStrings(model.MetricNameLabel, "prescale_trace_demand", "trace", name),
			tr.T, tr.V, tr.Len()*7/10, now)
		if err != nil {
			closeLn()
			fmt.Fprintln(stderr, "prescale run: --backfill:", err)
			return 2
		}
		// Only the history window (one step of margin) is loaded: the
		// controller reads no more, and PRESCALE_RETENTION (>= the window)
		// would delete anything older soon after.
		ts, vs, skipped := replay.Take(now.Add(-cfg.HistoryWindow-cfg.Step), now)
		fmt.Fprintf(stderr, "prescale run: backfilling %d samples of %s into %s (%d older than PRESCALE_HISTORY_WINDOW=%s skipped)...\n",
			len(ts), *backfill, tsdbDir, skipped, cfg.HistoryWindow)
		t0 := time.Now()
		n, err := history.WriteBlock(ctx, tsdbDir, replay.Labels(), ts, vs, app.QuietLogger(logger))
		if err != nil {
			closeLn()
			fmt.Fprintln(stderr, "prescale run: --backfill:", err)
			return 1
		}
		fmt.Fprintf(stderr, "prescale run: backfilled %d samples as one block in %s\n", n, time.Since(t0).Round(time.Millisecond))
		fmt.Fprintf(stdout, "backfilled %d samples of %s (step %s) as prescale_trace_demand{trace=%q}; the remaining %d are replayed as their time comes\n",
			n, *backfill, cfg.Step, name, tr.Len()-(tr.Len()*7/10+1))
	}
	// The lookback covers the coarser of the query step and the trace's
	// spacing, so a replayed sample is seen until the next one.
	lookStep := cfg.Step
	if tr != nil {
		lookStep = max(lookStep, history.MedianStep(tr.T))
	}
	store, err := history.OpenEmbedded(tsdbDir, history.EmbeddedOptions{
		Retention: cfg.Retention, QueryTimeout: cfg.QueryTimeout, LookbackDelta: history.LookbackFor(lookStep),
		Logger: app.QuietLogger(logger), Registerer: reg,
	})
	if err != nil {
		closeLn()
		fmt.Fprintln(stderr, "prescale run: PRESCALE_DATA_DIR:", err)
		return 1
	}
	if replay != nil {
		replay.Attach(store)
		if err := writeRunTargets(&cfg, replay, name, *capacity); err != nil {
			closeLn()
			_ = store.Close()
			fmt.Fprintln(stderr, "prescale run:", err)
			return 1
		}
	}
	app, err := app.New(cfg, app.Options{Registry: reg, Gather: reg, GatherJob: "prescale", Embedded: store, Listener: ln, Logger: logger})
	if err != nil {
		closeLn()
		_ = store.Close()
		fmt.Fprintln(stderr, "prescale run:", err)
		return 2
	}
	u := app.URL()
	fmt.Fprintf(stdout, `prescale run: exporter + embedded store (%s) + controller + SIMULATED pool
  REST API        %[2]s/api/scaling/status   %[2]s/api/predictions
                  %[2]s/api/metrics   %[2]s/api/system/health   %[2]s/api/verification
  simulated pool  %[2]s/api/simulated/pool
  metrics         %[2]s/metrics   (exporter + controller)
  health          %[2]s/healthz   %[2]s/readyz
  manual scaling  curl -H 'Authorization: Bearer %[3]s' -d '{"target":"%[4]s","units":2}' %[2]s/api/scaling/execute
`, cfg.DataDir, u, token, firstTarget(app))

	var wg sync.WaitGroup
	rctx, cancel := context.WithCancel(ctx)
	if replay != nil {
		wg.Go(func() {
			replay.Run(rctx, cfg.ScrapeInterval, time.Now, func(err error) { logger.Warn("replay", "err", err) })
		})
	}
	err = app.Run(ctx)
	cancel()
	wg.Wait()
	if err != nil {
		fmt.Fprintln(stderr, "prescale run:", err)
		return 1
	}
	return 0
}

func firstTarget(app *app.App) string {
	ts := app.Controller().Targets()
	if len(ts) == 0 {
		return ""
	}
	return ts[0].Name
}

// writeRunTargets adds the replayed trace as a second target beside the
// configured one, through a targets file in the data directory.
func writeRunTargets(cfg *controller.Config, r *history.Replay, name string, capacity float64) error {
	if cfg.TargetsFile != "" {
		return nil // the user's file decides
	}
	vals := r.Values()
	if capacity == 0 {
		s := slices.Clone(vals)
		slices.Sort(s)
		capacity = s[len(s)*95/100] / 5
		if !(capacity > 0) {
			capacity = 1
		}
	}
	content, err := runTargetsYAML(cfg.EnvTarget(), name, capacity)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, "run-targets.yml")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return err
	}
	cfg.TargetsFile = path
	return nil
}

// runTarget is one entry of the targets file prescale run writes; the
// fields left out take the PRESCALE_TARGET_* defaults.
type runTarget struct {
	Name            string  `yaml:"name"`
	Tier            string  `yaml:"tier"`
	Kind            string  `yaml:"kind"`
	Query           string  `yaml:"query"`
	CapacityPerUnit float64 `yaml:"capacity_per_unit,omitempty"`
	MinUnits        int     `yaml:"min_units,omitempty"`
	MaxUnits        int     `yaml:"max_units,omitempty"`
}

// runTargetsYAML is the targets file of prescale run --backfill: the
// configured target and the replayed trace (named name) beside it.
func runTargetsYAML(base policy.Target, name string, capacity float64) ([]byte, error) {
	file := struct {
		Targets []runTarget `yaml:"targets"`
	}{Targets: []runTarget{
		{Name: base.Name, Tier: base.Tier, Kind: string(base.Kind), Query: base.Query},
		{Name: "trace", Tier: "trace-replay", Kind: string(policy.KindInstances),
			Query:           fmt.Sprintf("prescale_trace_demand{trace=%q}", name),
			CapacityPerUnit: capacity, MinUnits: 1, MaxUnits: 20},
	}}
	var b bytes.Buffer
	b.WriteString("# written by prescale run --backfill; edit PRESCALE_TARGET_* or give PRESCALE_TARGETS_FILE instead\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
