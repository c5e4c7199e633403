package main

import (
	"context"
	"fmt"
	"io"
)

func runCmd(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "prescale run: not implemented yet")
	return 1
}
