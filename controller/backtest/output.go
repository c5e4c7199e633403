package backtest

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/prescale/prescale/controller/policy"
)

// WriteDecisions writes "timestamp,desired" for every sample.
func WriteDecisions(w io.Writer, res *Result) error {
	if _, err := io.WriteString(w, "timestamp,desired\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 32)
	for i, t := range res.T {
		buf = strconv.AppendInt(buf[:0], t, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(res.Desired[i]), 10)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

func fmtG(v float64, digits int) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', digits, 64)
}

// WriteSummary prints the settings, the figures of prescale, the HPA at
// equal cost, the oracle and the HPA curve, the comparison at equal cost
// (violations and scale events) and the decision reasons.
func WriteSummary(w io.Writer, res *Result, source string, tg policy.Target) {
	writeSettings(w, res, source, tg)
	writeFigures(w, res)
	writeEqualCost(w, res)
	var parts []string
	for _, r := range policy.Reasons() {
		if c := res.ReasonCounts[r]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, c))
		}
	}
	fmt.Fprintf(w, "  decision reasons: %s\n", strings.Join(parts, ", "))
}

func writeSettings(w io.Writer, res *Result, source string, tg policy.Target) {
	fmt.Fprintf(w, "prescale backtest: %s\n", source)
	fmt.Fprintf(w, "  %d samples, step %s, capacity %s per unit, lag %s, units in [%d, %d], lead window %d step(s)\n",
		len(res.T), res.Step, fmtG(tg.CapacityPerUnit, 6), tg.Lag, tg.MinUnits, tg.MaxUnits, res.Horizon)
	fmt.Fprintf(w, "  decision settings: utilisation %s, risk per unit %s, change cost %s, floor %s, usage window %s, hold until ready %t, tolerance %s, cooldowns up %s / down %s, confidence threshold %s\n",
		fmtG(tg.TargetUtilization, 4), fmtG(tg.RiskPerUnit, 4), fmtG(tg.ChangeCost, 4), tg.FloorMode, tg.UsageWindow,
		tg.HoldUntilReady, fmtG(tg.Tolerance, 4), tg.ScaleUpCooldown, tg.ScaleDownCooldown, fmtG(tg.ConfidenceThreshold, 4))
	fmt.Fprintf(w, "  scored from sample %d; simulated pool: scale-up after lag, immediate scale-down, pending units paid for\n\n", res.EvalStart)
}

func writeFigures(w io.Writer, res *Result) {
	fmt.Fprintf(w, "  %-22s%12s%12s%9s%11s%8s%6s\n", "policy", "inst-hours", "viol-s", "viol%", "unserved%", "events", "peak")
	row := func(name string, f Figures) {
		fmt.Fprintf(w, "  %-22s%12s%12s%9s%11s%8d%6d\n", name, fmtG(f.InstanceHours, 6),
			fmtG(f.ViolationSeconds, 6), fmtG(f.ViolationPct, 4), fmtG(f.UnservedPct, 4), f.ScaleEvents, f.Peak)
	}
	row("prescale", res.Prescale)
	row(fmt.Sprintf("hpa@%g (equal cost)", res.Baseline.Target), res.Baseline.Figures)
	row("oracle", res.Oracle)
	for _, p := range res.HPA {
		row(fmt.Sprintf("hpa@%g", p.Target), p.Figures)
	}
}

func writeEqualCost(w io.Writer, res *Result) {
	eq := res.Equal
	clamp := ""
	if eq.Clamped != "" {
		clamp = ", clamped " + eq.Clamped + " the HPA curve"
	}
	fmt.Fprintf(w, "\n  at equal cost (%s instance-hours%s, HPA target %s): HPA violation %s s, unserved %s %%, scale events %s\n",
		fmtG(eq.InstanceHours, 6), clamp, fmtG(eq.Target, 3), fmtG(eq.HPAViolationSeconds, 6),
		fmtG(eq.HPAUnservedPct, 4), fmtG(eq.HPAScaleEvents, 5))
	fmt.Fprintf(w, "  violation ratio vs HPA at equal cost %s, unserved ratio %s; instance-hours %s x the oracle's\n",
		fmtG(eq.ViolationRatio, 4), fmtG(eq.UnservedRatio, 4), fmtG(res.Prescale.InstanceHours/res.Oracle.InstanceHours, 4))
	fmt.Fprintf(w, "  scale events: prescale %d, HPA at equal cost %s (ratio %s)\n",
		res.Prescale.ScaleEvents, fmtG(eq.HPAScaleEvents, 5), fmtG(eq.EventsRatio, 3))
}
