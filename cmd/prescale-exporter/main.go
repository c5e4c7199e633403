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

	"github.com/prometheus/common/version"

	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/buildinfo"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/redact"
)

const program = "prescale-exporter"

func main() { clihelp.Main(run) }

// run is main without the process: it returns the exit code (0 ok, 1 runtime
// failure, 2 bad usage or configuration).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(program, flag.ContinueOnError)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s [-h] [--version | version]\n\n", program)
		for _, l := range clihelp.Wrap("Publishes host and application metrics for Prometheus on /metrics, read when "+
			"scraped. It is configured by these environment variables; a bad value exits with code 2 naming the "+
			"variable. gopsutil's HOST_PROC, HOST_SYS and HOST_ROOT move the roots of /proc, /sys and /.", "") {
			fmt.Fprintln(w, l)
		}
		clihelp.Env(w, clihelp.Vars(exporter.EnvPrefix, exporter.Config{}), clihelp.ExporterEnv)
	}
	if err := clihelp.ParseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 1 && buildinfo.IsVersionArg(fs.Arg(0)) {
		*showVersion = true
	} else if fs.NArg() > 0 {
		fmt.Fprintln(stderr, redact.CutEchoes(fmt.Sprintf("%s: unexpected arguments %q; configuration is by PRESCALE_* environment variables (-h lists them)", program, fs.Args()), redact.MaxEchoed))
		return 2
	}
	if *showVersion {
		buildinfo.Print(stdout, program)
		return 0
	}

	envcheck.Warn(stderr, program, os.Environ(), envcheck.ExporterScope, exporter.Config{})
	var cfg exporter.Config
	if err := clihelp.ProcessEnv(exporter.EnvPrefix, &cfg); err != nil {
		fmt.Fprintf(stderr, "%s: bad configuration: %v\n", program, clihelp.EnvError(err))
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: bad configuration: %v\n", program, err)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	clihelp.IgnoreHangup(ctx, logger)
	e, err := exporter.New(cfg, buildinfo.NewRegistry("prescale_exporter"), exporter.WithLogger(logger))
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
