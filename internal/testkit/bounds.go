package testkit

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// BoundCase is a value a help text puts inside (OK) or outside its range.
type BoundCase struct {
	Value string
	OK    bool
}

var (
	intervalRE = regexp.MustCompile(`([\[(])\s*([^,\s\[\]()]+)\s*,\s*([^,\s\[\]()]+)\s*([\])])`)
	boundRE    = regexp.MustCompile(`at (least|most) ([0-9][0-9a-z.+-]*)`)
)

// BoundCases reads the bounds a help text states for a value of kind
// ("int", "float" or "duration"): an interval [a, b], (a, b], ... (a closed
// end is a value taken, the value just past it is refused; an open end is
// refused), "at least a", "at most b". Bounds that are not values of the
// kind ("at most 20160 steps" of a duration) are left out, and so is 0
// below a closed end when the help gives 0 a meaning of its own ("(0: 8)").
func BoundCases(kind, desc string) []BoundCase {
	var out []BoundCase
	add := func(s string, closed bool, dir int) {
		if _, ok := step(kind, s, 1); !ok {
			return
		}
		out = append(out, BoundCase{s, closed})
		if closed {
			beyond, _ := step(kind, s, dir)
			if beyond == "0" && strings.Contains(desc, "(0: ") {
				beyond, _ = step(kind, "-1", 0) // 0 is the default's spelling
			}
			out = append(out, BoundCase{beyond, false})
		}
	}
	for _, m := range intervalRE.FindAllStringSubmatch(desc, -1) {
		add(m[2], m[1] == "[", -1)
		add(m[3], m[4] == "]", 1)
	}
	for _, m := range boundRE.FindAllStringSubmatch(desc, -1) {
		if m[1] == "least" {
			add(m[2], true, -1)
		} else {
			add(m[2], true, 1)
		}
	}
	return out
}

// step moves a bound written s just outside it: below (dir -1), above
// (1), or not at all (0). It reports false when s is not a value of kind.
func step(kind, s string, dir int) (string, bool) {
	switch kind {
	case "int":
		v, err := strconv.Atoi(s)
		return strconv.Itoa(v + dir), err == nil
	case "float":
		v, err := strconv.ParseFloat(s, 64)
		d := max(v, -v) / 2 // half the bound's size away, 1e-3 from 0
		if d == 0 {
			d = 1e-3
		}
		return strconv.FormatFloat(v+float64(dir)*d, 'g', -1, 64), err == nil
	case "duration":
		v, err := time.ParseDuration(s)
		switch {
		case dir < 0:
			v /= 2
		case dir > 0:
			v += time.Second
		}
		return v.String(), err == nil
	}
	return "", false
}
