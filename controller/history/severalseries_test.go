package history

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// severalAnswer answers series "a" with value v(i) at grid point i of the
// whole range [start, start+9 steps] for i in a, and series "b" with 100+i
// for i in b, each call its part of the range (chunks).
func severalAnswer(start time.Time, a func(i int) (float64, bool), b func(i int) bool) func(v1.Range) (model.Value, error) {
	return func(r v1.Range) (model.Value, error) {
		sa := &model.SampleStream{Metric: model.Metric{"job": "a"}}
		sb := &model.SampleStream{Metric: model.Metric{"job": "b"}}
		for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
			i := int(t.Sub(start) / r.Step)
			ts := model.TimeFromUnixNano(t.UnixNano())
			if v, ok := a(i); ok {
				sa.Values = append(sa.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(v)})
			}
			if b(i) {
				sb.Values = append(sb.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(100 + i)})
			}
		}
		var m model.Matrix
		for _, s := range []*model.SampleStream{sa, sb} {
			if len(s.Values) > 0 {
				m = append(m, s)
			}
		}
		return m, nil
	}
}

func between(from, to int) func(int) bool { return func(i int) bool { return i >= from && i < to } }

func TestSeveralSeriesAcrossChunks(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-9 * time.Minute)
	always := func(i int) (float64, bool) { return float64(i), true }
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		b    func(int) bool
		want []float64
	}{
		// chunks of 4 points: [0,3] [4,7] [8,9].
		{"met in a later chunk", between(5, 7), []float64{0, 1, 2, 3, 4, nan, nan, 7, 8, 9}},
		{"across a chunk's end", between(2, 6), []float64{0, 1, nan, nan, nan, nan, 6, 7, 8, 9}},
		{"from the first point", between(0, 2), []float64{nan, nan, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{answer: severalAnswer(start, always, tc.b)}
			r := NewRemoteAPI(f, "http://prom", time.Second)
			r.maxPoints = 4
			s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
			require.NoError(t, err)
			require.Len(t, f.ranges, 3)
			require.Equal(t, fmt.Sprint(tc.want), fmt.Sprint(s.V))
			require.Zero(t, s.Dropped()+s.Negative())
			var several []int64 // series a answers at every point: each gap is one b answered too
			for i, v := range tc.want {
				if math.IsNaN(v) {
					several = append(several, start.Unix()+int64(i)*60)
				}
			}
			require.Equal(t, several, s.LeftOut[LeftSeveral], "the points left out, each once")
		})
	}
}

// TestSeveralSeriesNaNAndNegative: the one series' NaN and negative points
// outside the while are counted as before; those within it are gaps, not
// counted (the other series answered there too). LeftOut names each
// point left out under one reason.
func TestSeveralSeriesNaNAndNegative(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-9 * time.Minute)
	a := func(i int) (float64, bool) {
		switch i {
		case 1, 4:
			return math.NaN(), true
		case 2, 5:
			return -3, true
		}
		return float64(i), true
	}
	r := NewRemoteAPI(&fakeAPI{answer: severalAnswer(start, a, between(4, 6))}, "http://prom", time.Second)
	s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.NoError(t, err)
	nan := math.NaN()
	require.Equal(t, fmt.Sprint([]float64{0, nan, nan, 3, nan, nan, 6, 7, 8, 9}), fmt.Sprint(s.V))
	require.Equal(t, 1, s.Dropped())
	require.Equal(t, 1, s.Negative())
	require.Equal(t, start.Add(2*time.Minute).Unix(), s.LastNegative)
	require.Equal(t, start.Add(time.Minute).Unix(), s.LastDropped)
	at := func(i int) []int64 { return []int64{start.Add(time.Duration(i) * time.Minute).Unix()} }
	require.Equal(t, [NumLeftOut][]int64{at(1), at(2), append(at(4), at(5)[0])}, s.LeftOut, "the points left out, by reason")
}

// TestSeveralSeriesStillAnswering: two series answering together at the
// newest points that have a sample are refused even when the range's
// newest grid point has none (a store that has not yet the newest
// scrape, a query whose series went stale): the query has not answered
// one series again.
func TestSeveralSeriesStillAnswering(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-9 * time.Minute)
	a := func(i int) (float64, bool) { return float64(i), i < 9 }
	r := NewRemoteAPI(&fakeAPI{answer: severalAnswer(start, a, between(6, 9))}, "http://prom", time.Second)
	_, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `(2 series: {job="a"}, {job="b"})`)

	// Alone before and after the while, the newest point without a sample:
	// read, the while left out.
	r = NewRemoteAPI(&fakeAPI{answer: severalAnswer(start, a, between(3, 5))}, "http://prom", time.Second)
	s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.NoError(t, err)
	nan := math.NaN()
	require.Equal(t, fmt.Sprint([]float64{0, 1, 2, nan, nan, 5, 6, 7, 8, nan}), fmt.Sprint(s.V))

	// The one left is the other series (the original job removed, its
	// duplicate kept): two series one after the other, refused.
	a2 := func(i int) (float64, bool) { return float64(i), i < 6 }
	r = NewRemoteAPI(&fakeAPI{answer: severalAnswer(start, a2, between(3, 10))}, "http://prom", time.Second)
	_, err = r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `(2 series: {job="a"}, {job="b"})`, "they overlapped: not one after the other")
}

// BenchmarkManySeries: a query without its sum() answering 20,000 series
// over a 14-day window (two chunks) is refused without time quadratic in
// the series (a name lookup per series and chunk).
func BenchmarkManySeries(b *testing.B) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-14 * 24 * time.Hour)
	answers := map[time.Time]model.Matrix{}
	for _, c := range chunks(start, end, time.Minute, MaxPointsPerSeries-1) {
		var m model.Matrix
		for k := range 20000 {
			m = append(m, &model.SampleStream{Metric: model.Metric{"job": "kubernetes-pods", "pod": model.LabelValue(fmt.Sprint("web-", k))},
				Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(c[1].UnixNano()), Value: 1}}})
		}
		answers[c[0]] = m
	}
	r := NewRemoteAPI(&fakeAPI{answer: func(r v1.Range) (model.Value, error) { return answers[r.Start], nil }}, "http://prom", time.Second)
	for b.Loop() {
		if _, err := r.QueryRange(b.Context(), "q", start, end, time.Minute); err == nil {
			b.Fatal("20,000 series read as one")
		}
	}
}

// TestSeveralSeriesErrorCut: the two series a label change splices are
// named to 200 bytes each: a pod's label set of many labels, or a long
// label value, was repeated whole in the error logged and shown every
// cycle.
func TestSeveralSeriesErrorCut(t *testing.T) {
	calls := 0
	long := strings.Repeat("v", 3000)
	f := &fakeAPI{answer: func(r v1.Range) (model.Value, error) {
		calls++
		m, _ := line(r)
		m.(model.Matrix)[0].Metric = model.Metric{"pod": model.LabelValue(fmt.Sprint("web-", calls)), "url": model.LabelValue(long)}
		return m, nil
	}}
	r := NewRemoteAPI(f, "http://prom", time.Second)
	r.maxPoints = 4
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	_, err := r.QueryRange(t.Context(), "q", end.Add(-9*time.Minute), end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `{pod="web-1", url="vvv`)
	require.ErrorContains(t, err, `..., then {pod="web-2", url="vvv`)
	require.Less(t, len(err.Error()), 600)
}

// TestSeveralSeriesNamed: the several-series error names how many series
// and the first two label sets, cut to 200 bytes each, in sorted order
// whatever order the store answers them in; series that follow one
// another within one chunk (a pod restarted under a new name) are said to
// be one after the other, in the order they answered. It said "(2
// series)" alone: which series, and why two, were the operator's to find.
func TestSeveralSeriesNamed(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-9 * time.Minute)
	long := strings.Repeat("v", 3000)
	// answer returns the series of pods, pod k answering at the grid
	// points i of the range asked for where at(k, i); a series without a
	// point there is not answered.
	answer := func(pods []string, at func(k, i int) bool) func(v1.Range) (model.Value, error) {
		return func(r v1.Range) (model.Value, error) {
			var m model.Matrix
			for k, pod := range pods {
				ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
				for i := range 10 {
					if t := start.Add(time.Duration(i) * time.Minute); at(k, i) && !t.Before(r.Start) && !t.After(r.End) {
						ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: 1})
					}
				}
				if len(ss.Values) > 0 {
					m = append(m, ss)
				}
			}
			return m, nil
		}
	}
	always := func(int, int) bool { return true }
	for _, tc := range []struct {
		name   string
		pods   []string
		at     func(k, i int) bool
		want   string
		chunks bool // read in parts of 4 points: [0,3] [4,7] [8,9]
	}{
		{"together, answered in reverse", []string{"web-c", "web-b", "web-a"}, always, `(3 series: {pod="web-a"}, {pod="web-b"} and 1 more)`, false},
		{"together, answered in order", []string{"web-a", "web-b", "web-c"}, always, `(3 series: {pod="web-a"}, {pod="web-b"} and 1 more)`, false},
		{"together, cut", []string{long + "2", long + "1"}, always, `(2 series: {pod="` + strings.Repeat("v", 190), false},
		// web-b answered first, until web-a took over: named in that order.
		{"one after the other", []string{"web-a", "web-b"}, func(k, i int) bool { return (k == 1) == (i < 4) },
			`(2 series, one after the other: {pod="web-b"}, then {pod="web-a"}; a label changed, as a restarted pod's name does)`, false},
		{"three one after the other", []string{"web-a", "web-b", "web-c"}, func(k, i int) bool { return k == i/4 },
			`(3 series, one after the other: {pod="web-a"}, then {pod="web-b"} and 1 more; a label changed`, false},
		// web-a again after web-b: taking turns, not one after the other.
		{"taking turns", []string{"web-a", "web-b"}, func(k, i int) bool { return k == i%2 }, `(2 series: {pod="web-a"}, {pod="web-b"})`, false},
		// The second series first met in a later part: named so, with the count.
		{"in a later part", []string{"web-a", "web-b"}, func(k, i int) bool { return (k == 0) == (i < 4) },
			`(2 series: {pod="web-a"}, then {pod="web-b"} in a later part of the range)`, true},
		{"three in later parts", []string{"web-a", "web-b", "web-c"}, func(k, i int) bool { return k == i/4 },
			`(3 series: {pod="web-a"}, then {pod="web-b"} in a later part of the range and 1 more)`, true},
		{"in a later part, cut", []string{long + "1", long + "2"}, func(k, i int) bool { return (k == 0) == (i < 4) },
			`(2 series: {pod="` + strings.Repeat("v", 190), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{answer: answer(tc.pods, tc.at)}
			r := NewRemoteAPI(f, "http://prom", time.Second)
			if tc.chunks {
				r.maxPoints = 4
			}
			_, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
			require.ErrorIs(t, err, ErrMultipleSeries)
			require.ErrorContains(t, err, tc.want)
			require.Less(t, len(err.Error()), 600)
			if tc.chunks {
				require.Len(t, f.ranges, 3)
				require.ErrorContains(t, err, "in a later part of the range")
			}
		})
	}
}
