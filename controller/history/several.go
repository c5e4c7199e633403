package history

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// maxSeriesName is the most bytes of a series' label set an error names.
const maxSeriesName = 200

// namedSeries is the most label sets a several-series error names.
const namedSeries = 2

// oneSeries refuses several series, but for those that answered together
// only before the newest point with a sample (see filler).
func (f *filler) oneSeries() error {
	if len(f.names) <= 1 {
		return nil
	}
	// The newest point with a sample, not the range's newest point: a
	// store without the newest scrape yet (VictoriaMetrics' latency
	// offset) or series gone stale must not hide that several answer.
	newest := 0
	for i := len(f.owner) - 1; i >= 0 && newest == 0; i-- {
		newest = int(f.owner[i])
	}
	if newest <= 0 {
		return f.togetherError()
	}
	left := make([]bool, len(f.names))
	var first []int
	for _, o := range f.owner {
		if o > 0 && !left[o-1] {
			left[o-1] = true
			first = append(first, int(o-1))
		}
	}
	switch {
	case len(first) == 1:
		return nil
	case len(first) > 1 && f.chunk[first[0]] != f.chunk[first[1]]:
		return fmt.Errorf("%w (%d series: %s, then %s in a later part of the range%s)",
			ErrMultipleSeries, len(f.names), f.name(first[0]), f.name(first[1]), more(len(f.names)-namedSeries))
	case f.successive():
		return fmt.Errorf("%w (%d series, one after the other: %s, then %s%s; a label changed, as a restarted pod's name does)",
			ErrMultipleSeries, len(f.names), f.name(first[0]), f.name(first[1]), more(len(f.names)-namedSeries))
	}
	return f.togetherError()
}

// togetherError is ErrMultipleSeries with the number of series and the
// first namedSeries of their label sets in sorted order (the order the
// store answered them in is its own), each cut to maxSeriesName bytes.
func (f *filler) togetherError() error {
	var names []string // the smallest namedSeries, sorted: a query can answer thousands
	for _, n := range f.names {
		if i, _ := slices.BinarySearch(names, n); i < namedSeries {
			names = slices.Insert(names, i, n)
			names = names[:min(len(names), namedSeries)]
		}
	}
	for i, n := range names {
		names[i] = redact.Cut(n, maxSeriesName)
	}
	return fmt.Errorf("%w (%d series: %s%s)", ErrMultipleSeries, len(f.names), strings.Join(names, ", "), more(len(f.names)-len(names)))
}

// name is the label set of series i, cut to maxSeriesName bytes: a label
// set of many labels, or a long value, was logged and shown whole every
// cycle.
func (f *filler) name(i int) string { return redact.Cut(f.names[i], maxSeriesName) }

// successive reports whether no grid point has more than one series and
// each series' points all come before the next one's: series that end
// as another starts, as a label change within the range makes them.
func (f *filler) successive() bool {
	seen := make([]bool, len(f.names))
	cur := int32(0)
	for _, o := range f.owner {
		switch {
		case o < 0:
			return false
		case o > 0 && o != cur:
			if seen[o-1] {
				return false
			}
			seen[o-1], cur = true, o
		}
	}
	return true
}

// more is " and n more" for n > 0, else "".
func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}
