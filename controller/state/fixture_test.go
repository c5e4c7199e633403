package state

import (
	"fmt"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// fixtureFile is a state file's content with every field of a target set
// (two targets, one with names JSON escapes, and one fresh target).
func fixtureFile() File {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	dec := func(k int) policy.Decision {
		now := at.Add(time.Duration(k) * 15 * time.Second)
		return policy.Decision{Desired: 4 + k%3, Reason: policy.ReasonForecast, Raw: 5, Reactive: k % 2,
			Explanation: policy.Explanation{Now: now, CurrentUnits: 4, DataPresent: true, Problem: "",
				Demand: 123.456 + float64(k), WindowStart: now, WindowEnd: now.Add(5 * time.Minute), ForecastPoints: 2,
				Model: "mean(ridge_log,holt_winters)", MeanUsed: 130.25, UpperUsed: 151.0625, Coverage: 0.8,
				Confidence: 0.93, ConfidenceThreshold: 0.7, ForecastUnits: 5, ReactiveFloor: 4, ShadowUnits: 3,
				ShadowTarget: 0.7, ExceedanceProbability: 0.031, AnomalyScore: 0.12, Anomaly: k == 3, OutageHold: 0,
				Forgone: 0.5, Wanted: 5, AffordableUnits: -1, Rule: policy.Rule("forecast")}}
	}
	full := Target{
		Policy: policy.State{LastDesired: 5, HasLast: true, LastScaleUp: at, LastScaleDown: at.Add(-time.Hour),
			Recent: []policy.Recommendation{{At: at, Units: 5, Reactive: 1}, {At: at.Add(15 * time.Second), Units: 4}},
			Used:   []policy.Recommendation{{At: at, Units: 5}},
			Manual: &policy.Override{Units: 6, Until: at.Add(time.Hour)}, OutageHold: 3, Resumed: at,
			Forgone: 1.25, RoundTrips: 0.5, ReleasedFrom: 6},
		CostDay: "2026-12-05", CostToday: 1.5, CostTotal: 10.25, CostAt: at,
		PrevForecast: 120.5, PrevForecastAt: at,
		Acked:    map[string]int{"webhook:ops": 5, "exec": 4},
		Pending:  &Pending{Since: at.Add(-time.Minute), Current: 3},
		Interval: "15s",
	}
	for k := range 5 {
		full.Decisions = append(full.Decisions, dec(k))
	}
	f := File{Version: Version, SavedAt: at, Targets: map[string]Target{"web": full, "fresh": {}}}
	odd := full
	odd.Acked = map[string]int{}
	f.Targets[fmt.Sprintf("api <%s> & \"%s\" \u00e9\u2028", "v2", "eu")] = odd
	return f
}
