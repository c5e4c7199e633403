package main

import (
	"io"

	"github.com/prescale/prescale/internal/redact"
)

// echoCutter is the offline commands' stderr: each message written has
// every value it repeats cut to redact.MaxEchoed (redact.CutGiven, given
// the command line). Their errors quote flag values, paths and trace
// cells, which were repeated whole (a 5,000-byte --model, --floor or
// --prometheus; a path holding spaces).
type echoCutter struct {
	w    io.Writer
	args []string
}

func (c echoCutter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, redact.CutGiven(string(p), redact.MaxEchoed, c.args...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
