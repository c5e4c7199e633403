// Package clihelp is the command line of prescale's programs: Main, their
// shared main function, and the -h text: flags and PRESCALE_* environment
// variables in groups by purpose, each entry a header line and its
// description word-wrapped, every line at most Width columns (no tabs).
// ParseArgs parses a command's flags (no positional arguments) and
// SetUsage makes its -h text. ParseDuration is how every duration is read:
// Duration defines a duration flag whose error says what it takes,
// ProcessEnv reads the PRESCALE_ variables and DecodeYAML a targets file
// entry with it. EnvError rewords envconfig's parse errors to name the
// variable, and IgnoreHangup keeps SIGHUP from stopping a server.
package clihelp

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Width is the widest line of any help text.
const Width = 100

// indent is where descriptions start.
const indent = "      "

// Group is a titled set of flag or variable names. A name ending in "*"
// matches every name with that prefix.
type Group struct {
	Title string
	Names []string
}

// G is a Group.
func G(title string, names ...string) Group { return Group{Title: title, Names: names} }

// rank is the index of the first of g's names matching name, or -1.
func (g Group) rank(name string) int {
	for i, n := range g.Names {
		if p, ok := strings.CutSuffix(n, "*"); ok && strings.HasPrefix(name, p) || n == name {
			return i
		}
	}
	return -1
}

// entry is one flag or variable; tail are extra lines after the
// description (a default too long for the head line).
type entry struct {
	name, head, desc string
	tail             []string
}

// Other is the title of the names no group lists.
const Other = "Other"

// write prints entries by group, in the groups' order and within a group
// in the order of its names; entries in no group come last under Other.
func write(w io.Writer, entries []entry, groups []Group) {
	done := make([]bool, len(entries))
	titled := map[string]bool{}
	section := func(title string, pick func(e entry) bool) {
		first := !titled[title]
		for i, e := range entries {
			if done[i] || !pick(e) {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", title)
				first, titled[title] = false, true
			}
			done[i] = true
			for _, l := range hardWrap("  "+e.head, indent) {
				fmt.Fprintln(w, l)
			}
			for _, l := range append(Wrap(e.desc, indent), e.tail...) {
				fmt.Fprintln(w, l)
			}
		}
	}
	for _, g := range groups {
		for r := range g.Names {
			section(g.Title, func(e entry) bool { return g.rank(e.name) == r })
		}
	}
	section(Other, func(entry) bool { return true })
}

// Wrap word-wraps text to Width, every line starting with prefix.
func Wrap(text, prefix string) []string {
	var lines []string
	line := prefix
	for _, word := range strings.Fields(text) {
		if line != prefix && len(line)+1+len(word) > Width {
			lines = append(lines, line)
			line = prefix
		}
		if line != prefix {
			line += " "
		}
		line += word
	}
	if line != prefix {
		lines = append(lines, line)
	}
	var out []string
	for _, l := range lines {
		out = append(out, hardWrap(l, prefix)...)
	}
	return out
}

// wrapAt fills lines of at most Width with a value that has no spaces (a
// regexp), breaking after its | and , characters where it can: the first
// line starts with first, the others with next.
func wrapAt(value, first, next string) []string {
	var tokens []string
	start := 0
	for i, r := range value {
		if r == '|' || r == ',' {
			tokens = append(tokens, value[start:i+1])
			start = i + 1
		}
	}
	tokens = append(tokens, value[start:])
	var out []string
	line, prefix := first, first
	for _, tok := range tokens {
		if line != prefix && len(line)+len(tok) > Width {
			out = append(out, line)
			line, prefix = next, next
		}
		line += tok
	}
	out = append(out, line)
	var lines []string
	for i, l := range out {
		p := next
		if i == 0 {
			p = first
		}
		lines = append(lines, hardWrap(l, p)...)
	}
	return lines
}

// hardWrap cuts a line longer than Width (a long word such as a regexp),
// continuing with prefix.
func hardWrap(line, prefix string) []string {
	var out []string
	for len(line) > Width {
		out = append(out, line[:Width])
		line = prefix + line[Width:]
	}
	return append(out, line)
}

// Flags writes fs's flags in groups: "--name TYPE" and the usage with its
// default.
func Flags(w io.Writer, fs *flag.FlagSet, groups []Group) {
	var entries []entry
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if _, ok := f.Value.(*durationValue); ok && typ == "value" {
			typ = "duration"
		}
		head := "--" + f.Name
		if typ != "" {
			head += " " + typ
		}
		if !isZero(f.DefValue) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		entries = append(entries, entry{name: f.Name, head: head, desc: usage})
	})
	write(w, entries, groups)
}

func isZero(def string) bool {
	switch def {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// Var is one environment variable.
type Var struct{ Name, Default, Desc string }

// Vars lists the variables envconfig reads into spec (a struct or a pointer
// to one) under prefix, from its envconfig, default and desc tags.
func Vars(prefix string, spec any) []Var {
	t := reflect.TypeOf(spec)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []Var
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, Vars(prefix, reflect.New(f.Type).Interface())...)
			continue
		}
		if key := f.Tag.Get("envconfig"); key != "" && key != "-" {
			out = append(out, Var{prefix + "_" + key, f.Tag.Get("default"), f.Tag.Get("desc")})
		}
	}
	return out
}

// Env writes variables in groups: "NAME (default X)" and the description.
func Env(w io.Writer, vars []Var, groups []Group) {
	entries := make([]entry, 0, len(vars))
	for _, v := range vars {
		e := entry{name: v.Name, head: v.Name, desc: v.Desc}
		switch short := "  " + v.Name + " (default " + v.Default + ")"; {
		case v.Default == "":
		case len(short) <= Width:
			e.head = strings.TrimPrefix(short, "  ")
		default:
			e.tail = wrapAt(v.Default, indent+"default: ", indent+"  ")
		}
		entries = append(entries, e)
	}
	write(w, entries, groups)
}

// Problems lists what keeps help from the rules every -h follows: lines
// with tabs or wider than Width, variables in no group (the Other
// heading), and variables of vars it does not list. Tests call it.
func Problems(help string, vars []Var) []string {
	var out []string
	for i, l := range strings.Split(help, "\n") {
		if strings.Contains(l, "\t") {
			out = append(out, fmt.Sprintf("line %d has a tab: %q", i+1, l))
		}
		if n := len([]rune(l)); n > Width {
			out = append(out, fmt.Sprintf("line %d is %d columns: %q", i+1, n, l))
		}
	}
	if strings.Contains(help, "\n"+Other+":\n") {
		out = append(out, "a variable is in no group: add it to internal/clihelp/groups.go")
	}
	for _, v := range vars {
		if !strings.Contains(help, "\n  "+v.Name) {
			out = append(out, v.Name+" is not listed")
		}
	}
	return out
}
