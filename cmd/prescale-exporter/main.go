// Command prescale-exporter publishes host and application metrics for
// Prometheus. It is configured by PRESCALE_* environment variables; -h lists
// them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/kelseyhightower/envconfig"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/buildinfo"
	"github.com/prescale/prescale/internal/envcheck"
)

const program = "prescale-exporter"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (0 ok, 1 runtime
// failure, 2 bad usage or configuration).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(program, flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s [-version]\n\n", program)
		tw := tabwriter.NewWriter(stdout, 1, 0, 2, ' ', 0)
		_ = envconfig.Usagef(exporter.EnvPrefix, &exporter.Config{}, tw, envconfig.DefaultTableFormat)
		_ = tw.Flush()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q; configuration is by PRESCALE_* environment variables (-h lists them)\n", program, fs.Args())
		return 2
	}
	if *showVersion {
		buildinfo.Print(stdout, program)
		return 0
	}

	envcheck.Warn(stderr, program, os.Environ(), envcheck.ExporterScope, exporter.Config{})
	var cfg exporter.Config
	if err := envconfig.Process(exporter.EnvPrefix, &cfg); err != nil {
		fmt.Fprintf(stderr, "%s: bad configuration: %v\n", program, err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: bad configuration: %v\n", program, err)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("prescale_exporter"),
	)
	e, err := exporter.New(cfg, reg, exporter.WithLogger(logger))
	if err != nil {
		fmt.Fprintf(stderr, "%s: bad configuration: %v\n", program, err)
		return 2
	}
	if _, err := e.Listen(); err != nil {
		// The address is valid but cannot be bound (in use, not local).
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return 2
	}
	logger.Info("starting", "version", version.Info(), "build", version.BuildContext())
	if err := e.Run(ctx); err != nil {
		logger.Error("exporter stopped", "err", err)
		return 1
	}
	return 0
}
