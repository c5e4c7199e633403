//go:build restartmeasure

package backtest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor/series"
)

// TestRestartOnTraces measures what a controller restart costs on traces
// (docs/tuning.md, "What a restart costs"): each trace at capacity p99/50
// (RESTART_DIV to change it), lag 300 s, units 1 to 100, with the
// defaults of prescale backtest, replayed whole and restarted at 50, 60,
// 70 and 80 % of its length: a fresh engine warmed on the store's
// answers before the restart (as a restarted controller's is), resuming
// the calm hold's memory alone (before the shadow runs' memory was
// saved) and resuming both through the state file's JSON. It logs each
// trace's scale events, violated seconds and unit-hours from the restart
// to the end, summed over the four restarts, never restarted | calm
// memory only | both, and requires the resumed replay to equal the one
// never restarted (the first decision after the restart comes one step
// after the last: resumed at 15 minutes or two intervals, where longer).
// The data stays outside the repository, so it runs only when asked:
//
//	RESTART_TRACES='DATA/traces/*.csv' go test -tags restartmeasure -run TestRestartOnTraces -v ./controller/backtest/
func TestRestartOnTraces(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("RESTART_TRACES"))
	if len(files) == 0 {
		t.Fatal("RESTART_TRACES names no trace file")
	}
	div := 50.0
	if v := os.Getenv("RESTART_DIV"); v != "" {
		if _, err := fmt.Sscan(v, &div); err != nil {
			t.Fatalf("RESTART_DIV: %v", err)
		}
	}
	var tot [3]Figures
	for _, f := range files {
		tr, err := trace.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		T, V := tr.T, tr.V
		var ok []float64
		for _, x := range V {
			if !math.IsNaN(x) {
				ok = append(ok, x)
			}
		}
		slices.Sort(ok)
		capacity := ok[int(0.99*float64(len(ok)))] / div
		n := len(T)
		step := time.Duration(math.Round(series.Median(diffs(T)))) * time.Second
		line := filepath.Base(f)
		var sum [3]Figures
		for _, frac := range []float64{0.5, 0.6, 0.7, 0.8} {
			R := int(frac * float64(n))
			var figs [3]Figures
			for mode := range 3 {
				fg := runRestart(t, T, V, capacity, step, R, mode)
				figs[mode] = fg
				sum[mode].ScaleEvents += fg.ScaleEvents
				sum[mode].ViolationSeconds += fg.ViolationSeconds
				sum[mode].InstanceHours += fg.InstanceHours
			}
			if figs[2] != figs[0] {
				t.Errorf("%s restarted at %d: resumed %+v, never restarted %+v", line, R, figs[2], figs[0])
			}
		}
		for m := range 3 {
			line += fmt.Sprintf(" | %d ev %.0f s %.0f uh", sum[m].ScaleEvents, sum[m].ViolationSeconds, sum[m].InstanceHours)
			tot[m].ScaleEvents += sum[m].ScaleEvents
			tot[m].ViolationSeconds += sum[m].ViolationSeconds
			tot[m].InstanceHours += sum[m].InstanceHours
		}
		t.Log(line)
	}
	s := "TOTAL"
	for m := range 3 {
		s += fmt.Sprintf(" | %d ev %.0f s %.0f uh", tot[m].ScaleEvents, tot[m].ViolationSeconds, tot[m].InstanceHours)
	}
	t.Log(s)
}

// runRestart replays the trace with the default configuration and, at
// sample R, restarts the engine (mode 0: never; 1: calm memory only, the
// code before the shadow memory; 2: calm and shadow memories through the
// state file's JSON). Figures are counted from R.
func runRestart(t *testing.T, T []int64, V []float64, capacity float64, step time.Duration, R, mode int) Figures {
	tg := DefaultTarget(capacity, 300*time.Second, 1, 100)
	tg.HoldUntilReady = true
	newEng := func() *engine.Engine {
		det, err := engine.NewDetector(engine.DefaultDetector)
		if err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(engine.Config{Target: tg, Step: step, Interval: step, Coverage: engine.DefaultCoverage,
			Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold, DecideOnly: true, LeadStep: LeadStepOf(diffs(T))})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	sim := NewSim(T, V, capacity, 300, 1, 100, R)
	n := len(T)
	res := &Result{T: T, Demand: V, Desired: make([]int, n), Reasons: make([]policy.Reason, n), Step: step, ReasonCounts: map[policy.Reason]int{}}
	cfg := Config{Target: tg, Coverage: engine.DefaultCoverage, HoldUntilReady: true}
	r := &replayer{ctx: t.Context(), cfg: cfg, eng: newEng(), grid: newStoreGrid(step, false), res: res, every: 1 << 30}
	stepper := func(i int, pool *simpool.Pool) (int, bool) {
		if i == R && mode > 0 {
			old, e := r.eng, newEng()
			g := newStoreGrid(step, false)
			for j := range R {
				for k := g.missing(T[j]); k >= 1; k-- {
					p := T[j] - k*g.step
					g.pass(e, p, g.at(p))
				}
				g.pass(e, T[j], g.row(T[j], V[j]))
			}
			b, err := json.Marshal(state.Target{Calm: old.CalmMemory(), Shadow: old.ShadowMemory()})
			if err != nil {
				t.Fatal(err)
			}
			var saved state.Target
			if err := json.Unmarshal(b, &saved); err != nil {
				t.Fatal(err)
			}
			if msgs := saved.Sanitize(1, 100); len(msgs) > 0 {
				t.Fatal(msgs)
			}
			e.ResumeCalm(saved.Calm)
			if mode == 2 {
				e.ResumeShadow(saved.Shadow)
			}
			r.eng = e
		}
		return r.step(i, pool)
	}
	return sim.Run(sim.InitialUnits(), stepper, make([]Sample, n))
}
