package backtest

import (
	"io"
	"strconv"

	"github.com/prescale/prescale/controller/policy"
)

// Explained is what one replayed decision was made from (Config.Explain):
// the demand the engine was fed, the decision with its explanation, the
// policy state's round trips after it, and the peak distribution it was
// sized by.
type Explained struct {
	// Demand is the store's answer at the sample's time, the demand the
	// decision was made on: the row's value, or for a NaN row the last
	// row's carried within the lookback (NaN: none, decided no_data).
	Demand     float64
	Decision   policy.Decision
	RoundTrips float64
	// Peak50, Peak90 and Peak99 are the 50, 90 and 99 % quantiles of the
	// peak demand over the lead window (NaN without peak quantiles).
	Peak50, Peak90, Peak99 float64
}

// explainHeader names WriteExplain's columns.
const explainHeader = "timestamp,demand,current,desired,ready,reason,rule,reactive_floor,shadow_units," +
	"trend_units,forecast_units,wanted,wanted_by,exceedance,peak_p50,peak_p90,peak_p99,round_trips,forgone,event_price," +
	"release_band,climb_units,wide_band,calm_units,anomaly,hpa_ready,hpa_requested\n"

// WriteExplain writes one row per sample with what the decision was made
// from (the run needs Config.Explain): the demand the engine was fed (a
// NaN row's value carried by the store, NaN when it answered nothing),
// the units requested before the decision (current) and after it
// (desired), prescale's ready units in the simulated pool, reason and
// rule, the reactive, shadow HPA and crowd trend floors, the units the
// forecast wanted, the units wanted and what set them (empty on a
// no_data decision), the predicted probability that the lead window's peak
// exceeds them, the peak quantiles, the round trips and forgone gain of
// the change cost, the event pacing multiplier of the change cost (1:
// none), its release band, climb ahead and wide band in units (0: none),
// the calm hold's target in units (0: none), the anomaly flag, and the
// ready and requested units of the HPA at equal cost beside it. Without
// Config.Explain it writes the header only.
func WriteExplain(w io.Writer, res *Result) error {
	if _, err := io.WriteString(w, explainHeader); err != nil {
		return err
	}
	buf := make([]byte, 0, 256)
	num := func(v float64) {
		buf = strconv.AppendFloat(buf, v, 'g', 6, 64)
		buf = append(buf, ',')
	}
	integer := func(v int) {
		buf = strconv.AppendInt(buf, int64(v), 10)
		buf = append(buf, ',')
	}
	word := func(s string) {
		buf = append(buf, s...)
		buf = append(buf, ',')
	}
	for i, e := range res.Explain {
		d, ex := e.Decision, e.Decision.Explanation
		buf = buf[:0]
		integer(int(res.T[i]))
		num(e.Demand)
		integer(ex.CurrentUnits)
		integer(d.Desired)
		integer(res.Timeline[i].Ready)
		word(string(d.Reason))
		word(string(ex.Rule))
		integer(ex.ReactiveFloor)
		integer(ex.ShadowUnits)
		integer(ex.TrendUnits)
		integer(ex.ForecastUnits)
		integer(ex.Wanted)
		word(ex.WantedBy)
		num(ex.ExceedanceProbability)
		num(e.Peak50)
		num(e.Peak90)
		num(e.Peak99)
		num(e.RoundTrips)
		num(ex.Forgone)
		num(max(1, ex.EventPrice))
		integer(ex.ReleaseBand)
		integer(ex.ClimbUnits)
		integer(ex.WideBand)
		integer(ex.CalmUnits)
		word(strconv.FormatBool(ex.Anomaly))
		integer(res.BaselineTimeline[i].Ready)
		buf = strconv.AppendInt(buf, int64(res.BaselineTimeline[i].Requested), 10)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
