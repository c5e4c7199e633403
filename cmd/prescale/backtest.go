package main

import (
	"context"
	"fmt"
	"io"
)

func backtestCmd(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "prescale backtest: not implemented yet")
	return 1
}
