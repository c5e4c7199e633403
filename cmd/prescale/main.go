// Command prescale is prescale's command-line tool: "run" starts the whole
// system in one process; "forecast", "detect" and "backtest" are the
// offline commands the benchmarks use (docs/architecture.md, "Offline CLI
// contracts"); "version" prints the build and "help" a command's flags.
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/prescale/prescale/cmd/prescale/internal/backtestcmd"
	"github.com/prescale/prescale/cmd/prescale/internal/runcmd"
	"github.com/prescale/prescale/internal/buildinfo"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// command is one subcommand: it parses its own flags from args and returns
// the process exit code (0 ok, 1 failure, 2 bad usage or configuration).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run exporter, embedded store, controller and simulated pool in one process", runcmd.Run},
		{"forecast", "write rolling-origin forecasts of a trace (CSV)", forecastCmd},
		{"detect", "write streaming anomaly scores of a trace or of NAB's corpus (CSV)", detectCmd},
		{"backtest", "replay a trace through the decision engine beside a reactive HPA", backtestcmd.Run},
		{"version", "print the version, the Go version and the commit it was built from", versionCmd},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: prescale <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'prescale <command> -h' or 'prescale help <command>' for a command's flags.")
}

func main() { clihelp.Main(dispatch) }

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		return helpCmd(ctx, args[1:], stdout, stderr)
	case "-version", "--version":
		return versionCmd(ctx, args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if c.name != "run" { // run's stderr is its log: a target's query is logged whole
				stderr = echoCutter{stderr, args[1:]}
			}
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "prescale: unknown command %q\n", redact.Cut(args[0], redact.MaxEchoed))
	usage(stderr)
	return 2
}

// helpCmd is "prescale help [command]": the usage, or the command's own
// help exactly as "prescale <command> -h" prints it.
func helpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stdout)
		return 0
	case len(args) > 1:
		fmt.Fprintf(stderr, "prescale help: unexpected argument %q\n", redact.Cut(args[1], redact.MaxEchoed))
		return 2
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, []string{"-h"}, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "prescale help: unknown command %q\n", redact.Cut(args[0], redact.MaxEchoed))
	usage(stderr)
	return 2
}

func versionCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(stdout, "usage: prescale version\n\nPrints the version, the commit and branch, the build user and date, the Go version\nand the platform (prescale --version does the same).")
		return 0
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "prescale version: unexpected argument %q\n", redact.Cut(args[0], redact.MaxEchoed))
		return 2
	}
	buildinfo.Print(stdout, "prescale")
	return 0
}
