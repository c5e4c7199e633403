package backtest

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Robustness (issue 11, scripts/autoscale_eval.py's scenarios): how one
// configuration does on a cluster that differs from it. The HPA it is
// compared with runs on the true cluster, so it always knows the real lag
// and capacity.
const (
	// SlowLag and FastLag multiply the configured lag: the same decisions
	// replayed on a cluster twice as slow (the referee's --lag 600 against
	// --lag 300s) and twice as fast (--lag 150).
	SlowLag = 2.0
	FastLag = 0.5
	// FinerUnits multiplies the capacity per unit of a re-run: units 2.5
	// times finer (the traces' capacity p99/50 instead of p99/20).
	FinerUnits = 20.0 / 50.0
)

// Scenario is one robustness scenario: prescale's figures and the
// comparison with the HPA curve run on the same pool, at equal cost.
type Scenario struct {
	Name    string
	Figures Figures
	Equal   EqualCost
}

// LagScenario replays res's decisions (Run's, with cfg) on a pool whose
// lag is factor times cfg's, and compares them at equal cost with the HPA
// curve re-run on that pool, as the referee scores a decisions file with
// another --lag.
func LagScenario(ctx context.Context, res *Result, cfg Config, factor float64) (Scenario, error) {
	tg := cfg.Target
	lag := time.Duration(float64(tg.Lag) * factor)
	sim := NewSim(res.T, res.Demand, tg.CapacityPerUnit, lag.Seconds(), tg.MinUnits, tg.MaxUnits, res.EvalStart)
	initial := sim.InitialUnits()
	f := sim.Run(initial, Replay(res.Desired), nil)
	curve, err := hpaCurve(ctx, sim, cfg, initial)
	if err != nil {
		return Scenario{}, err
	}
	name := fmt.Sprintf("lag %s (%gx the configured %s)", lag, factor, tg.Lag)
	return Scenario{Name: name, Figures: f, Equal: CompareAtEqualCost(f, curve)}, nil
}

// FinerScenario is a re-run's result (Run with the capacity per unit
// times FinerUnits) as a scenario.
func FinerScenario(res *Result, capacity float64) Scenario {
	name := fmt.Sprintf("capacity %s per unit (units %gx finer, a re-run)", fmtG(capacity, 6), 1/FinerUnits)
	return Scenario{Name: name, Figures: res.Prescale, Equal: res.Equal}
}

// hpaCurve runs the HPA at each of cfg's utilisation targets on sim.
func hpaCurve(ctx context.Context, sim *Sim, cfg Config, initial int) ([]CostPoint, error) {
	targets := cfg.HPATargets
	if len(targets) == 0 {
		targets = DefaultHPATargets()
	}
	curve := make([]CostPoint, 0, len(targets))
	for _, target := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		curve = append(curve, CostPoint{Target: target, Figures: sim.Run(initial, sim.HPA(target), nil)})
	}
	return curve, nil
}

// WriteRobustness prints the scenarios after WriteSummary's lines.
func WriteRobustness(w io.Writer, scenarios []Scenario) {
	fmt.Fprintf(w, "  robustness: the same configuration on a cluster that differs from it (the HPA runs on the true cluster)\n")
	for _, s := range scenarios {
		fmt.Fprintf(w, "    %s: violation ratio vs HPA at equal cost %s; scale events: prescale %d, HPA at equal cost %s (ratio %s)\n",
			s.Name, fmtG(s.Equal.ViolationRatio, 4), s.Figures.ScaleEvents, fmtG(s.Equal.HPAScaleEvents, 5), fmtG(s.Equal.EventsRatio, 3))
	}
}
