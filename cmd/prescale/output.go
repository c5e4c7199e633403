package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// interrupted rewrites a cancellation (SIGTERM, SIGINT) into what the
// user needs to know; other errors are returned as they are.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted: stopped, no output written")
	}
	return err
}

// replacesInput reports whether the output path out names the existing
// file in (a link to it included): writing out would replace the trace
// it is read from. `--trace t.csv --out t.csv` (or `--decisions t.csv`)
// overwrote the trace with the command's output and exited 0.
func replacesInput(in, out string) bool {
	a, err := os.Stat(in)
	if err != nil {
		return false
	}
	b, err := os.Stat(out)
	return err == nil && os.SameFile(a, b)
}

// within reports whether the directory dir (its nearest existing parent
// when it does not exist yet) is root or lies under it, links resolved:
// `detect --nab DIR --out DIR` replaced every trace under DIR with its
// scores, and an output under DIR is read as traces by the next run.
func within(dir, root string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err == nil {
		r, err = filepath.Abs(r)
	}
	d, derr := filepath.Abs(dir)
	if err != nil || derr != nil {
		return false
	}
	for {
		if e, err := filepath.EvalSymlinks(d); err == nil {
			d = e
			break
		}
		if filepath.Dir(d) == d {
			return false
		}
		d = filepath.Dir(d)
	}
	rel, err := filepath.Rel(r, d)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// isDirOrAbsent reports whether path is a directory or does not exist.
func isDirOrAbsent(path string) bool {
	fi, err := os.Stat(path)
	return err != nil || fi.IsDir()
}
