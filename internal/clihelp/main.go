package clihelp

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main is the main function of every prescale binary: it calls run with
// the command line, stdout and stderr and a context cancelled by SIGINT or
// SIGTERM, and exits with the code run returns (0 ok, 1 runtime failure,
// 2 bad usage or configuration).
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
