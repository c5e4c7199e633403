package policy

import "math"

// Peak summarises the distribution of the lead window's highest demand a
// decision was sized by (Input.PeakQuantiles, with Target.RiskPerUnit):
// its 50, 90 and 99 % quantiles, in the demand query's unit. With
// ForecastUnits and ExceedanceProbability it says why the forecast asked
// for the units it did: each unit up to ForecastUnits removed at least
// RiskPerUnit of the probability that the peak exceeds the units'
// capacity.
type Peak struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
}

// PeakAt is the p-quantile of the peak read off increasing quantiles q,
// linear between them as ExceedProbability reads them (NaN when q is
// empty or p is beyond its last level).
func PeakAt(q []Quantile, p float64) float64 {
	for j, x := range q {
		switch {
		case x.P < p:
			continue
		case j == 0 || x.P == p:
			return x.Value
		}
		a := q[j-1]
		return a.Value + (x.Value-a.Value)*(p-a.P)/(x.P-a.P)
	}
	return math.NaN()
}

// peakOf is the explanation's Peak: nil unless the decision is sized by
// peak quantiles.
func peakOf(in Input, t Target) *Peak {
	q := in.PeakQuantiles
	if t.RiskPerUnit <= 0 || len(q) == 0 {
		return nil
	}
	return &Peak{P50: finiteOr0(PeakAt(q, 0.5)), P90: finiteOr0(PeakAt(q, 0.9)), P99: finiteOr0(PeakAt(q, 0.99))}
}
