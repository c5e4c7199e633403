package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prescale/prescale/internal/clihelp"
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
// the flag package, with the usage, or by parseArgs): exit 2 without
// saying it again.
var errUsageReported = errors.New("bad usage (reported)")

// parseArgs parses args into fs, whose name is "prescale <command>"; the
// commands take no positional arguments. ok false means the command stops
// with code: 0 after -h (the usage was printed), 2 for a bad flag (the flag
// package said why) or an argument.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// setUsage makes fs's -h print head (a usage line and a paragraph, wrapped)
// and the grouped flags to w, then what tail writes.
func setUsage(fs *flag.FlagSet, w io.Writer, usage, about string, groups []clihelp.Group, tail func(io.Writer)) {
	fs.Usage = func() {
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
