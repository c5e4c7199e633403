package controller

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator"
)

// Component is one part of the controller's health.
type Component struct {
	Name      string
	Healthy   bool
	Detail    string
	LastError string
	// LastOK is when the part last worked (zero: never), e.g. the last state
	// file saved or the actuator's last acknowledgement.
	LastOK time.Time
}

// Health is the controller's health: the history source, the targets'
// data, the loop, the state file and each actuator, in that order; Status is "degraded"
// when any part is unhealthy, else "ok".
type Health struct {
	Status       string
	Components   []Component
	LastCycle    time.Time
	LoopAge      time.Duration // 0 before the first cycle
	Interval     time.Duration
	FailedCycles int64
	// Targets is the number of targets the controller runs.
	Targets int
	// Actuation is every target's delivery state per actuator.
	Actuation []actuator.Status
}

// Health returns the controller's health now.
func (c *Controller) Health() Health {
	snap := c.Snapshot()
	now := snap.Now
	h := Health{Status: "ok", Interval: snap.Interval, FailedCycles: snap.FailedCycles, LastCycle: snap.LastCycle, Targets: len(snap.Targets)}
	hc := Component{Name: "history", Healthy: snap.Cycled && snap.HistoryUp, LastError: snap.HistoryErr, LastOK: snap.HistoryOK}
	if !snap.Cycled {
		hc.Detail = "no cycle yet"
	}
	h.Components = append(h.Components, hc)
	h.Components = append(h.Components, targetData(snap))
	lc := Component{Name: "loop", Healthy: snap.Cycled, LastOK: snap.LastCycle}
	if snap.Cycled {
		h.LoopAge = now.Sub(snap.LastCycle)
		if now.Sub(snap.LastCycle) > 3*snap.Interval+snap.Interval/2 {
			lc.Healthy = false
			lc.Detail = "last cycle older than 3 intervals"
		}
	}
	h.Components = append(h.Components, lc, c.stateHealth())
	comps, act := actuationHealth(c.d.Actuators)
	h.Components = append(h.Components, comps...)
	h.Actuation = act
	for _, comp := range h.Components {
		if !comp.Healthy {
			h.Status = "degraded"
		}
	}
	return h
}

// stateHealth is health's "state file" component: unhealthy while saves
// of the state file fail, with since when and the last error.
func (c *Controller) stateHealth() Component {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o := c.saveOut
	comp := Component{Name: "state file", Healthy: !o.Failing(), LastError: o.LastErr, LastOK: c.savedOK}
	if o.Failing() {
		comp.Detail = fmt.Sprintf("not saved since %s (%d failed saves); decisions go on", o.Since.UTC().Format(time.RFC3339), o.Failures)
	}
	return comp
}

// Ready is nil once a cycle has completed while the history source is up.
func (c *Controller) Ready() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.cycled {
		return errors.New("no decision cycle completed yet")
	}
	if !c.histUp {
		return fmt.Errorf("history source down: %s", c.histErr)
	}
	return nil
}

// maxHealthReasons bounds the targets named in health's "target data"
// detail (the status endpoint has every target's reason).
const maxHealthReasons = 5

// targetData is health's "target data" component: healthy when every
// target had fresh data, else the targets without it and why.
func targetData(snap Snapshot) Component {
	var reasons []string
	missing := 0
	for _, s := range snap.Targets {
		if s.Present {
			continue
		}
		missing++
		if len(reasons) < maxHealthReasons {
			why := s.HistoryErr
			if why == "" {
				why = "no data"
			}
			reasons = append(reasons, s.Target.Name+": "+why)
		}
	}
	dc := Component{Name: "target data", Healthy: snap.Cycled && missing == 0, LastOK: snap.DataOK}
	if missing > 0 {
		more := ""
		if missing > len(reasons) {
			more = fmt.Sprintf("; and %d more (GET /api/scaling/status has every target's history_error)", missing-len(reasons))
		}
		dc.Detail = fmt.Sprintf("no fresh data for %d of %d targets, decisions held: %s%s", missing, len(snap.Targets), strings.Join(reasons, "; "), more)
	}
	return dc
}

// actuationHealth returns one health component per actuator (unhealthy
// while it fails to deliver a target's desired units, with the reason per
// target) and every target's actuation status.
func actuationHealth(ls []*actuator.Level) ([]Component, []actuator.Status) {
	comps := []Component{}
	all := []actuator.Status{}
	for _, l := range ls {
		comp := Component{Name: "actuator " + l.Name(), Healthy: true}
		var failing []string
		for _, s := range l.Status() {
			all = append(all, s)
			if _, at, ok := l.Acked(s.Target); ok && at.After(comp.LastOK) {
				comp.LastOK = at // the last acknowledgement (none restored counts)
			}
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
