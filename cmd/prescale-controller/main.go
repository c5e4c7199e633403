// Command prescale-controller runs prescale's decision loop: it reads demand
// history from Prometheus (PRESCALE_PROMETHEUS_URL) or its embedded TSDB,
// forecasts, decides, acts and serves the REST API and /metrics. All
// configuration is in PRESCALE_* environment variables; -h lists them.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/buildinfo"
	"github.com/prescale/prescale/internal/cgroup"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/memlimit"
	"github.com/prescale/prescale/internal/redact"
)

func main() { clihelp.Main(run) }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: prescale-controller [-h] [--version | version]")
	fmt.Fprintln(w)
	for _, l := range clihelp.Wrap("Reads demand history from Prometheus (PRESCALE_PROMETHEUS_URL) or its embedded TSDB, "+
		"forecasts, decides and acts, and serves the REST API and /metrics. It is configured by these environment "+
		"variables; a bad value exits with code 2 naming the variable.", "") {
		fmt.Fprintln(w, l)
	}
	clihelp.Env(w, clihelp.Vars(config.EnvPrefix, config.Config{}), clihelp.ControllerEnv)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			usage(stdout)
			return 0
		case buildinfo.IsVersionArg(a):
			buildinfo.Print(stdout, "prescale-controller")
			return 0
		default:
			fmt.Fprintf(stderr, "prescale-controller: unknown argument %q (configuration is by PRESCALE_* variables; -h lists them)\n", redact.Cut(a, redact.MaxEchoed))
			return 2
		}
	}
	envcheck.Warn(stderr, "prescale-controller", os.Environ(), envcheck.ControllerScope, config.Config{})
	cfg, fittedFrom, code := configure(stderr)
	if code != 0 {
		return code
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if fittedFrom > 0 {
		cfg.LogFittedWindow(logger, fittedFrom)
	}
	clihelp.IgnoreHangup(ctx, logger)
	runtimeMemory(logger, os.Getenv, cgroup.ReadBounded)
	a, err := app.New(cfg, app.Options{Registry: buildinfo.NewRegistry("prescale_controller"), Logger: logger})
	if err != nil {
		// What it repeats of the variables cut, as prescale run's start
		// error: a 5,000-byte PRESCALE_TARGETS_FILE was printed whole.
		fmt.Fprintln(stderr, "prescale-controller:", redact.CutGiven(err.Error(), redact.MaxEchoed, os.Environ()...))
		return 2
	}
	logger.Info("prescale-controller listening", "url", a.URL(), "metrics", a.URL()+"/metrics")
	if err := a.Run(ctx); err != nil {
		logger.Error("prescale-controller stopped", "err", err)
		return 1
	}
	// Shut down: the API closed, the state saved, the store closed.
	logger.Info("prescale-controller stopped")
	return 0
}

// runtimeMemory applies the Go runtime's memory settings the operator left
// unset, each logged: a soft memory limit below the cgroup's (GOMEMLIMIT
// unset, a limit found) and a garbage collection percent below the
// runtime's 100 (GOGC unset). getenv and readFile are os.Getenv and
// cgroup.ReadBounded in production.
func runtimeMemory(logger *slog.Logger, getenv func(string) string, readFile func(string) ([]byte, error)) {
	if limit, source := memlimit.Default(getenv, readFile); limit > 0 {
		debug.SetMemoryLimit(limit)
		logger.Info("soft memory limit set below the cgroup's memory limit (GOMEMLIMIT unset)", "bytes", limit, "fraction", memlimit.Fraction, "from", source)
	}
	if percent := memlimit.DefaultGCPercent(getenv); percent > 0 {
		debug.SetGCPercent(percent)
		logger.Info("garbage collection percent set below the Go runtime's 100 (GOGC unset)", "percent", percent)
	}
}

// configure reads and checks the configuration. An unset
// PRESCALE_HISTORY_WINDOW is fitted to PRESCALE_STEP as prescale run
// fits it (config.FitHistoryWindow); the default it replaced is returned,
// 0 when it did not. code is the exit code, 2 for a bad configuration.
func configure(stderr io.Writer) (cfg config.Config, fittedFrom time.Duration, code int) {
	if err := clihelp.ProcessEnv(config.EnvPrefix, &cfg); err != nil {
		fmt.Fprintln(stderr, "prescale-controller: bad configuration:", clihelp.EnvError(err))
		return cfg, 0, 2
	}
	if from, fitted := cfg.FitHistoryWindow(); fitted {
		fittedFrom = from
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "prescale-controller: bad configuration:\n"+err.Error())
		return cfg, 0, 2
	}
	return cfg, fittedFrom, 0
}
