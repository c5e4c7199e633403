package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// restoreActuation tells every actuator what it had acknowledged for t
// before a restart. A state file written before level-triggered actuation
// (Acked nil) counts its last decision as acknowledged, as the controller
// that wrote it assumed; a target without a decision is assumed at its
// minimum units (the simulated pool starts there too).
func (c *Controller) restoreActuation(t policy.Target, ts state.Target) {
	for _, l := range c.d.Actuators {
		switch u, ok := ts.Acked[l.Name()]; {
		case !ts.Policy.HasLast:
			l.Restore(t.Name, t.MinUnits)
		case ts.Acked == nil:
			l.Restore(t.Name, ts.Policy.LastDesired)
		case ok && u >= 0:
			l.Restore(t.Name, u)
		}
	}
}

// requestedUnits are the units the policy decides from: ready plus
// provisioning in the simulated pool, else the last decision (the units
// requested, delivered or being delivered), else the minimum.
func (c *Controller) requestedUnits(t policy.Target, ts state.Target) int {
	if c.d.Units != nil {
		if r, p, ok := c.d.Units.Units(t.Name); ok {
			return r + p
		}
	}
	if ts.Policy.HasLast {
		return ts.Policy.LastDesired
	}
	return t.MinUnits
}

// currentUnits are the units published as the target's current ones
// (prescale_current_units, the API's current_units): in act mode with
// actuators, what the first actuator (in PRESCALE_ACTUATOR order)
// acknowledged, never a value no receiver accepted; otherwise the
// requested units.
func (c *Controller) currentUnits(t policy.Target, requested int) int {
	if c.d.Units == nil && c.o.Mode == ModeAct && len(c.d.Actuators) > 0 {
		if u, _, ok := c.d.Actuators[0].Acked(t.Name); ok {
			return u
		}
	}
	return requested
}

// ackedState is what every actuator acknowledged for a target, for the
// state file (never nil, so that a reload tells it from an old file).
func (c *Controller) ackedState(target string) map[string]int {
	out := make(map[string]int, len(c.d.Actuators))
	for _, l := range c.d.Actuators {
		if u, _, ok := l.Acked(target); ok {
			out[l.Name()] = u
		}
	}
	return out
}

// act hands a decision to every actuator (act mode only), each of which
// delivers it until acknowledged, replacing any older desired units it has
// not delivered yet. A no_data hold changes nothing: each actuator keeps
// (re-)sending the last desired units. A failed delivery is not a cycle
// error: the actuator retries it and reports it once per outage (log,
// prescale_actuation_pending, /api/system/health).
func (c *Controller) act(ctx context.Context, t policy.Target, dec policy.Decision, snap snapshot) {
	if c.o.Mode != ModeAct || len(c.d.Actuators) == 0 || dec.Reason == policy.ReasonNoData {
		return
	}
	a := actuator.Action{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind),
		Current: snap.current, Desired: dec.Desired, Direction: dec.Direction(),
		Reason: string(dec.Reason), Explanation: Explain(dec), Confidence: dec.Explanation.Confidence,
		Forecast: dec.Explanation.MeanUsed, Upper: dec.Explanation.UpperUsed,
		CostPerHour: float64(dec.Desired) * t.CostPerUnitHour, At: dec.Explanation.Now,
	}
	if dec.Desired != snap.requested {
		c.log.Info("scaling", "target", t.Name, "from", snap.requested, "to", dec.Desired, "reason", dec.Reason)
	}
	for _, l := range c.d.Actuators {
		_ = l.Act(ctx, a) // see above
	}
}

// ActuatorNames joins the actuators' names with "+" ("none" for none).
func ActuatorNames(ls []*actuator.Level) string {
	if len(ls) == 0 {
		return ActuatorNone
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name()
	}
	return strings.Join(names, "+")
}

// actuationHealth returns one health component per actuator (unhealthy
// while it fails to deliver a target's desired units, with the reason per
// target) and every target's actuation status.
func actuationHealth(ls []*actuator.Level) ([]api.Component, []actuator.Status) {
	comps := []api.Component{}
	all := []actuator.Status{}
	for _, l := range ls {
		comp := api.Component{Name: "actuator " + l.Name(), Healthy: true}
		var failing []string
		for _, s := range l.Status() {
			all = append(all, s)
			if !s.Failing {
				continue
			}
			comp.Healthy = false
			comp.LastError = s.LastErr
			acked := "none"
			if s.Acknowledged != nil {
				acked = fmt.Sprint(*s.Acknowledged)
			}
			failing = append(failing, fmt.Sprintf("target %s: %d desired units not acknowledged since %s (%d failed attempts, acknowledged %s): %s",
				s.Target, s.Desired, s.FailingSince.UTC().Format(time.RFC3339), s.FailedAttempts, acked, s.LastErr))
		}
		comp.Detail = strings.Join(failing, "; ")
		comps = append(comps, comp)
	}
	return comps, all
}
