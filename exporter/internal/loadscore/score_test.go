package loadscore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name  string
		in    Inputs
		score float64
		sigs  []Signal
		ok    bool
	}{
		{name: "nothing available", ok: false},
		{name: "host cpu only", in: Inputs{CPUs: 4, HasLoad1: true, Load1: 1},
			score: 0.25, sigs: []Signal{{"host_cpu", 0.25}}, ok: true},
		{name: "overloaded host clips at 1", in: Inputs{CPUs: 2, HasLoad1: true, Load1: 7},
			score: 1, sigs: []Signal{{"host_cpu", 1}}, ok: true},
		{name: "slow probe dominates", in: Inputs{
			CPUs: 2, HasLoad1: true, Load1: 0.2,
			HasProbe: true, ProbeSeconds: 1.5, ProbeTimeout: 2, ProbeSuccess: true,
			HasConnections: true, Established: 10, MaxConnections: 100,
		}, score: 0.75, sigs: []Signal{{"latency", 0.75}, {"connections", 0.1}, {"host_cpu", 0.1}}, ok: true},
		{name: "failed probe is full load", in: Inputs{HasProbe: true, ProbeSeconds: 0.01, ProbeTimeout: 2},
			score: 1, sigs: []Signal{{"latency", 1}}, ok: true},
		{name: "connections without a maximum are left out", in: Inputs{HasConnections: true, Established: 10},
			ok: false},
		{name: "app cpu and memory", in: Inputs{
			MemoryBytes: 1000, HasProcess: true, ProcessRSS: 250, HasAppCPU: true, AppCPU: 0.5,
		}, score: 0.5, sigs: []Signal{{"app_cpu", 0.5}, {"app_memory", 0.25}}, ok: true},
		// A container's 300-byte limit on a 1000-byte host: 250 bytes are
		// 83 % of what the application may use, not 25 %.
		{name: "app memory against its cgroup limit", in: Inputs{
			MemoryBytes: 1000, MemoryLimit: 300, HasProcess: true, ProcessRSS: 250,
		}, score: 250.0 / 300, sigs: []Signal{{"app_memory", 250.0 / 300}}, ok: true},
		{name: "a cgroup limit above the host's memory is the host's", in: Inputs{
			MemoryBytes: 1000, MemoryLimit: 4000, HasProcess: true, ProcessRSS: 250,
		}, score: 0.25, sigs: []Signal{{"app_memory", 0.25}}, ok: true},
		{name: "a cgroup limit without the host's memory", in: Inputs{
			MemoryLimit: 300, HasProcess: true, ProcessRSS: 150,
		}, score: 0.5, sigs: []Signal{{"app_memory", 0.5}}, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			score, sigs, ok := Score(tc.in)
			require.Equal(t, tc.ok, ok)
			require.InDelta(t, tc.score, score, 1e-12)
			require.Equal(t, tc.sigs, sigs)
		})
	}
}

// TestCPUWindowCgroupLimit: an application held at its container's
// 0.5-cpu limit (1 cpu second in 2 s) on an 8-cpu host is fully loaded,
// not at 1/16; a limit above the host's cpus is the host's.
func TestCPUWindowCgroupLimit(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name  string
		limit float64
		want  float64
	}{{"limit 0.5 cpu", 0.5, 1}, {"no limit", 0, 1.0 / 16}, {"limit above the host", 64, 1.0 / 16}} {
		t.Run(tc.name, func(t *testing.T) {
			var s CPUWindow
			in := Inputs{CPUs: 8, CPULimit: tc.limit, HasProcess: true, ProcessPID: 7, ProcessCPUSeconds: 10}
			_, _ = s.AppCPU(in, t0)
			in.ProcessCPUSeconds = 11
			got, ok := s.AppCPU(in, t0.Add(2*time.Second))
			require.True(t, ok)
			require.InDelta(t, tc.want, got, 1e-12)
		})
	}
}

func TestCPUWindowAppCPU(t *testing.T) {
	var s CPUWindow
	t0 := time.Unix(1000, 0)
	in := func(pid int32, cpuSeconds float64) Inputs {
		return Inputs{CPUs: 2, HasProcess: true, ProcessPID: pid, ProcessCPUSeconds: cpuSeconds}
	}
	steps := []struct {
		name string
		in   Inputs
		at   time.Time
		want float64
		ok   bool
	}{
		{"first scrape opens the window", in(7, 10), t0, 0, false},
		{"too soon: no value yet", in(7, 10.5), t0.Add(500 * time.Millisecond), 0, false},
		// 2 cpu seconds in 2 s on 2 cpus: half the machine.
		{"two seconds later", in(7, 12), t0.Add(2 * time.Second), 0.5, true},
		{"too soon again keeps the last value", in(7, 12.1), t0.Add(2100 * time.Millisecond), 0.5, true},
		{"idle for 4 s", in(7, 12), t0.Add(6 * time.Second), 0, true},
		{"new process restarts the window", in(8, 1), t0.Add(7 * time.Second), 0, false},
		{"counter reset restarts the window", in(8, 0.5), t0.Add(9 * time.Second), 0, false},
		{"no process", Inputs{CPUs: 2}, t0.Add(10 * time.Second), 0, false},
	}
	for _, st := range steps {
		got, ok := s.AppCPU(st.in, st.at)
		require.Equal(t, st.ok, ok, st.name)
		require.InDelta(t, st.want, got, 1e-12, st.name)
	}
}

// A scrape's sources record concurrently into the Scrape its context
// carries; outside a scrape (no Scrape on the context) recording is a
// no-op.
func TestScrapeRecords(t *testing.T) {
	require.Nil(t, ScrapeFrom(context.Background()))
	ScrapeFrom(context.Background()).Set(func(in *Inputs) { in.CPUs = 4 }) // no Scrape: nothing to record into

	s := &Scrape{}
	ctx := WithScrape(context.Background(), s)
	var wg sync.WaitGroup
	wg.Go(func() { ScrapeFrom(ctx).Set(func(in *Inputs) { in.CPUs = 4 }) })
	wg.Go(func() { ScrapeFrom(ctx).Set(func(in *Inputs) { in.HasLoad1, in.Load1 = true, 2 }) })
	wg.Wait()
	require.Equal(t, Inputs{CPUs: 4, HasLoad1: true, Load1: 2}, s.Inputs())
}
