package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		in   []time.Duration
		want stats
	}{
		{"empty", nil, stats{}},
		{"odd", []time.Duration{3 * ms, 1 * ms, 2 * ms}, stats{median: 2 * ms, p99: 3 * ms, mean: 2 * ms}},
		{"even", []time.Duration{4 * ms, 1 * ms, 2 * ms, 3 * ms}, stats{median: 2500 * time.Microsecond, p99: 4 * ms, mean: 2500 * time.Microsecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, summarize(tc.in))
		})
	}
	// 200 values 1..200 ms: the 99th percentile is the 198th smallest.
	var d []time.Duration
	for i := 200; i >= 1; i-- {
		d = append(d, time.Duration(i)*ms)
	}
	require.Equal(t, 198*ms, summarize(d).p99)
}

func TestCountSeries(t *testing.T) {
	body := []byte("# HELP a x\n# TYPE a gauge\na 1\nb{l=\"v\"} 2\ngo_goroutines 7\nprocess_open_fds 3\n" +
		"promhttp_metric_handler_requests_total{code=\"200\"} 1\n\n# EOF\n")
	n, runtime := countSeries(body)
	require.Equal(t, 5, n)
	require.Equal(t, 3, runtime)
}
