package main

import (
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
)

// errUsageReported is a bad command line already reported on stderr (by
// clihelp.ParseFlags or clihelp.ParseArgs): exit 2 without saying it again.
var errUsageReported = clihelp.ErrReported
