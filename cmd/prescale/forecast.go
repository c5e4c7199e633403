package main

import (
	"context"
	"fmt"
	"io"
)

func forecastCmd(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "prescale forecast: not implemented yet")
	return 1
}
