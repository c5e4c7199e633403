package engine

import (
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// peakTarget is the target the peak-distribution tests size for: 10 per
// unit at full utilisation, 1 to 50 units, a 5-minute lag, the default
// risk per unit.
func peakTarget() policy.Target {
	return policy.Target{Name: "t", Kind: policy.KindInstances, CapacityPerUnit: 10, TargetUtilization: 1,
		MinUnits: 1, MaxUnits: 50, Lag: 5 * time.Minute, RiskPerUnit: DefaultRiskPerUnit}
}
