package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// Flag groups of each subcommand, by purpose (-h prints them in this order;
// cmd/prescale's help test requires every flag to be in one).
var (
	forecastFlagGroups = []clihelp.Group{
		clihelp.G("Input and output", "trace", "out"),
		clihelp.G("Evaluation", "horizon", "stride", "eval-from", "coverage"),
		clihelp.G("Model", "model", "refit-every"),
	}
	detectFlagGroups = []clihelp.Group{
		clihelp.G("Input and output", "trace", "nab", "out"),
		clihelp.G("Detector", "detector", "nab-first-detection"),
	}
	backtestFlagGroups = []clihelp.Group{
		clihelp.G("Demand (one of --trace and --prometheus)", "trace", "prometheus", "query", "range", "step", "header", "timeout",
			"ca-file", "cert-file", "key-file", "server-name"),
		clihelp.G("Cluster", "capacity", "lag", "min", "max", "utilization"),
		clihelp.G("Decision engine (the defaults are the measured configuration)", "coverage", "risk", "floor",
			"usage-window", "detector", "anomaly-threshold", "hold", "shadow-hpa", "change-cost", "tolerance",
			"scale-up-cooldown", "scale-down-cooldown", "confidence-threshold"),
		clihelp.G("Output and scoring", "decisions", "explain", "plot", "plot-last", "eval-from", "hpa-targets", "robustness", "quiet"),
	}
	runFlagGroups = []clihelp.Group{
		clihelp.G("Backfill", "backfill", "capacity"),
	}
)

// errUsageReported is a bad command line already reported on stderr (by
// clihelp.ParseFlags or parseArgs): exit 2 without saying it again.
var errUsageReported = clihelp.ErrReported

// parseArgs parses args into fs, whose name is "prescale <command>"; the
// commands take no positional arguments. ok false means the command stops
// with code: 0 after -h (the help was printed on stdout), 2 for a bad flag
// or an argument (said on stderr, what it repeats of them cut to
// redact.MaxEchoed).
func parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if err := clihelp.ParseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), redact.Cut(fs.Arg(0), redact.MaxEchoed))
		return 2, false
	}
	return 0, true
}

// setUsage makes fs's -h print usage and about (a usage line and a
// paragraph, wrapped) and the grouped flags to fs.Output(), then what tail
// writes.
func setUsage(fs *flag.FlagSet, usage, about string, groups []clihelp.Group, tail func(io.Writer)) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: "+usage)
		if about != "" {
			fmt.Fprintln(w)
			fmt.Fprintln(w, strings.Join(clihelp.Wrap(about, ""), "\n"))
		}
		clihelp.Flags(w, fs, groups)
		if tail != nil {
			tail(w)
		}
	}
}
