package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/exporter/internal/loadscore"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlshint"
)

// maxProbeBody bounds how much of the application's response is read.
const maxProbeBody = 1 << 20

// Probe sends one HTTP GET to the application per scrape. An unreachable
// or failing application is a result (success 0), not a collector error:
// the collector itself worked.
type Probe struct {
	url     string
	timeout time.Duration
	client  *http.Client
	now     func() time.Time

	duration, status, success *prometheus.Desc
}

// NewProbe returns the collector probing url with client, each probe
// bounded by timeout and timed with now.
func NewProbe(url string, timeout time.Duration, client *http.Client, now func() time.Time) *Probe {
	return &Probe{
		url:      url,
		timeout:  timeout,
		client:   client,
		now:      now,
		duration: prometheus.NewDesc(fqName("probe_duration_seconds"), "Duration of the HTTP probe of the application, body read included.", nil, nil),
		status:   prometheus.NewDesc(fqName("probe_http_status_code"), "HTTP status code of the probe's response; 0 when there was none.", nil, nil),
		success:  prometheus.NewDesc(fqName("probe_success"), "1 if the probe got a 2xx response within the timeout, else 0.", nil, nil),
	}
}

// NewProbeClient returns the probe's client: no connection reuse, so every
// probe measures a fresh connection as a new user would see it, and no
// proxy, so it measures the application rather than the path to a proxy.
func NewProbeClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:             nil,
		DisableKeepAlives: true,
	}}
}

type probeResult struct {
	seconds float64
	status  int
	success bool
}

// Update probes the application and sends the result.
func (c *Probe) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	r, err := c.probe(ctx)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, r.seconds)
	ch <- prometheus.MustNewConstMetric(c.status, prometheus.GaugeValue, float64(r.status))
	ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, boolFloat(r.success))
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) {
		in.HasProbe, in.ProbeSeconds, in.ProbeSuccess = true, r.seconds, r.success
		in.ProbeTimeout = c.timeout.Seconds()
	})
	return nil
}

// probe sends the GET. An application that does not answer, or answers
// slowly or with an error, is a result: full load. A certificate this
// host cannot verify (an internal CA, another name, expired) is this
// exporter's configuration, not the application's load: it is the
// collector's error, so the latency signal is left out instead of
// holding the score at 1 (a target scaling on it went to its maximum).
func (c *Probe) probe(ctx context.Context) (probeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := c.now()
	elapsed := func() float64 { return c.now().Sub(start).Seconds() }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return probeResult{seconds: elapsed()}, nil
	}
	req.Header.Set("User-Agent", "prescale-exporter")
	resp, err := c.client.Do(req)
	if cv := (*tls.CertificateVerificationError)(nil); errors.As(err, &cv) {
		return probeResult{}, fmt.Errorf("probe of PRESCALE_APP_URL: %w%s", redact.Err(err), tlshint.For(err))
	}
	if err != nil {
		return probeResult{seconds: elapsed()}, nil
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody))
	return probeResult{
		seconds: elapsed(),
		status:  resp.StatusCode,
		success: err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300,
	}, nil
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Describe sends the collector's descriptors.
func (c *Probe) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.duration, c.status, c.success)
}
