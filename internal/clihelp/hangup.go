package clihelp

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// IgnoreHangup keeps SIGHUP from stopping a server until ctx ends, and
// logs a WARN for each one. The servers have no reload, but Go's default
// for SIGHUP is to exit at once (status 129) without the clean shutdown
// SIGTERM gets: an operator used to Prometheus's `kill -HUP` reload, or a
// closed terminal, stopped the controller without saving the
// acknowledgements received since its last cycle.
func IgnoreHangup(ctx context.Context, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Warn("SIGHUP ignored: there is no reload; restart the program to read its configuration again (SIGTERM stops it cleanly, state saved)")
			}
		}
	}()
}
