package main

import (
	"io"

	"github.com/prescale/prescale/internal/redact"
)

// echoCutter is the offline commands' stderr: each message written has
// every value it repeats cut to redact.MaxEchoed (redact.CutEchoes). Their
// errors quote flag values, paths and trace cells, which were repeated
// whole (a 5,000-byte --model, --floor or --prometheus).
type echoCutter struct{ w io.Writer }

func (c echoCutter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, redact.CutEchoes(string(p), redact.MaxEchoed)); err != nil {
		return 0, err
	}
	return len(p), nil
}
