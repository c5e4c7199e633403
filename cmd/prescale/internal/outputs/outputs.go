// Package outputs is what prescale's offline commands (forecast, detect,
// backtest) hold to of the files they write: an output never replaces the
// trace it is read from (ReplacesInput) nor lies among the traces of a
// directory read (Within, IsDirOrAbsent), and a command interrupted
// writes none (Interrupted says so).
package outputs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Interrupted rewrites a cancellation (SIGTERM, SIGINT) into what the
// user needs to know; other errors are returned as they are.
func Interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted: stopped, no output written")
	}
	return err
}

// ReplacesInput reports whether the output path out names the existing
// file in (a link to it included): writing out would replace the trace
// it is read from. `--trace t.csv --out t.csv` (or `--decisions t.csv`)
// overwrote the trace with the command's output and exited 0.
func ReplacesInput(in, out string) bool {
	a, err := os.Stat(in)
	if err != nil {
		return false
	}
	b, err := os.Stat(out)
	return err == nil && os.SameFile(a, b)
}

// Within reports whether the directory dir (its nearest existing parent
// when it does not exist yet) is root or lies under it, links resolved:
// `detect --nab DIR --out DIR` replaced every trace under DIR with its
// scores, and an output under DIR is read as traces by the next run.
func Within(dir, root string) bool {
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

// IsDirOrAbsent reports whether path is a directory or does not exist.
func IsDirOrAbsent(path string) bool {
	fi, err := os.Stat(path)
	return err != nil || fi.IsDir()
}
