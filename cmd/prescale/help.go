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
)

// errUsageReported is a bad command line already reported on stderr (by
// clihelp.ParseFlags or clihelp.ParseArgs): exit 2 without saying it again.
var errUsageReported = clihelp.ErrReported
