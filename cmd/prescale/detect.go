package main

import (
	"context"
	"fmt"
	"io"
)

func detectCmd(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "prescale detect: not implemented yet")
	return 1
}
