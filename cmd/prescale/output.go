package main

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// echoCutter is the offline commands' stderr: each message written has
// every value it repeats cut to redact.MaxEchoed (redact.CutEchoes). Their
// errors quote flag values, paths and trace cells, which were repeated
// whole (a 5,000-byte --model, --floor or --prometheus). CutEchoes cuts
// a value unquoted only where it holds no white space, so the command
// line's own long values (long, longest first) are cut where a message
// repeats them first: a path holding spaces was repeated whole.
type echoCutter struct {
	w    io.Writer
	long []string
}

// newEchoCutter is w cutting the values of args (a flag's next argument,
// or what follows its '=').
func newEchoCutter(w io.Writer, args []string) echoCutter {
	c := echoCutter{w: w}
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") && len(v) > redact.MaxEchoed {
			c.long = append(c.long, v)
		}
		if len(a) > redact.MaxEchoed {
			c.long = append(c.long, a)
		}
	}
	slices.SortFunc(c.long, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return c
}

func (c echoCutter) Write(p []byte) (int, error) {
	msg := redact.CutRepeats(string(p), redact.MaxEchoed, c.long...)
	if _, err := io.WriteString(c.w, redact.CutEchoes(msg, redact.MaxEchoed)); err != nil {
		return 0, err
	}
	return len(p), nil
}
