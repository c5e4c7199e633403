package clihelp

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// ParseArgs is ParseFlags for a command that takes no positional
// arguments (fs's name is the command's, "prescale <command>"). ok false
// means the command stops with code: 0 after -h (the help was printed on stdout), 2 for a bad flag
// or an argument (said on stderr, what it repeats of them cut to
// redact.MaxEchoed).
func ParseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if err := ParseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), redact.Cut(fs.Arg(0), redact.MaxEchoed))
		return 2, false
	}
	return 0, true
}

// SetUsage makes fs's -h print usage and about (a usage line and a
// paragraph, wrapped) and the grouped flags to fs.Output(), then what tail
// writes.
func SetUsage(fs *flag.FlagSet, usage, about string, groups []Group, tail func(io.Writer)) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: "+usage)
		if about != "" {
			fmt.Fprintln(w)
			fmt.Fprintln(w, strings.Join(Wrap(about, ""), "\n"))
		}
		Flags(w, fs, groups)
		if tail != nil {
			tail(w)
		}
	}
}
