package scrape

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
)

// protoExposition is a protobuf exposition (length-delimited
// MetricFamily messages, as client_golang answers an Accept of
// application/vnd.google.protobuf) of a counter, a classic histogram
// and a native histogram with no classic bucket.
func protoExposition(t *testing.T) []byte {
	counter, histogram := dto.MetricType_COUNTER.Enum(), dto.MetricType_HISTOGRAM.Enum()
	families := []*dto.MetricFamily{
		{Name: proto.String("requests_total"), Type: counter, Metric: []*dto.Metric{{
			Label:   []*dto.LabelPair{{Name: proto.String("code"), Value: proto.String("200")}},
			Counter: &dto.Counter{Value: proto.Float64(42)},
		}}},
		{Name: proto.String("latency_seconds"), Type: histogram, Metric: []*dto.Metric{{Histogram: &dto.Histogram{
			SampleCount: proto.Uint64(6), SampleSum: proto.Float64(2.5),
			Bucket: []*dto.Bucket{{UpperBound: proto.Float64(0.1), CumulativeCount: proto.Uint64(3)}, {UpperBound: proto.Float64(1), CumulativeCount: proto.Uint64(5)}},
		}}}},
		{Name: proto.String("size_bytes"), Type: histogram, Metric: []*dto.Metric{{Histogram: &dto.Histogram{
			SampleCount: proto.Uint64(7), SampleSum: proto.Float64(12.5),
			Schema: proto.Int32(0), ZeroThreshold: proto.Float64(1e-128), ZeroCount: proto.Uint64(1),
			PositiveSpan: []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(2)}}, PositiveDelta: []int64{2, 1}, // 2 in (0.5, 1], 3 in (1, 2]
			NegativeSpan: []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(1)}}, NegativeDelta: []int64{1},
		}}}},
	}
	var b bytes.Buffer
	for _, mf := range families {
		_, err := protodelim.MarshalTo(&b, mf)
		require.NoError(t, err)
	}
	return b.Bytes()
}

// TestScrapeProtobufNativeHistogram: the embedded store's scraper reads a
// protobuf answer as a Prometheus scrape without native histograms does
// (IgnoreNativeHistograms): the counter and the classic histogram's
// series are stored, and a native histogram is read as its classic part,
// its count, its sum and its +Inf bucket, none of its native buckets.
// scrape_samples_scraped counts those 9 series, as Prometheus's does.
func TestScrapeProtobufNativeHistogram(t *testing.T) {
	body := protoExposition(t)
	const contentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
	want := map[string]float64{
		`requests_total{code="200"}`: 42,
		`latency_seconds_count`:      6, `latency_seconds_sum`: 2.5,
		`latency_seconds_bucket{le="0.1"}`: 3, `latency_seconds_bucket{le="1.0"}`: 5, `latency_seconds_bucket{le="+Inf"}`: 6,
		`size_bytes_count`: 7, `size_bytes_sum`: 12.5, `size_bytes_bucket{le="+Inf"}`: 7,
	}
	p := parseExposition(body, contentType, "", "app", "host:9100", 1000)
	require.NoError(t, p.err)
	got := map[string]float64{}
	for _, s := range p.samples {
		require.Equal(t, "app", s.Labels.Get("job"))
		require.Equal(t, "host:9100", s.Labels.Get("instance"))
		require.Equal(t, int64(1000), s.T)
		got[selector(s.Labels)] = s.V
	}
	require.Len(t, got, len(p.samples), "one sample per series")
	require.Equal(t, want, got)
	require.Equal(t, 9, p.n)
	require.Equal(t, 9, p.post)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	emb := openEmbedded(t)
	sc := NewScraper(emb, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, time.Second)
	sc.clock = steppingClock(250 * time.Millisecond)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.Equal(t, report5(1, 0.25, 9, 9), reportAt(t, emb, instanceOf(srv.URL+"/metrics"), 0))
	for series, v := range want {
		require.InDelta(t, v, instantAt(t, emb, series, at(0)), 0, series)
	}
}

// selector is l as a PromQL selector, without job and instance:
// name{label="value",...}.
func selector(l labels.Labels) string {
	name := l.Get(model.MetricNameLabel)
	var rest []string
	l.Range(func(lb labels.Label) {
		if lb.Name != model.MetricNameLabel && lb.Name != "job" && lb.Name != "instance" {
			rest = append(rest, fmt.Sprintf("%s=%q", lb.Name, lb.Value))
		}
	})
	if len(rest) == 0 {
		return name
	}
	return name + "{" + strings.Join(rest, ",") + "}"
}
