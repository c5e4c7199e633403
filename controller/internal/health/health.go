// Package health makes the controller's health report from a summary of
// its state: the history source, the targets' data, the loop, the state
// file and each actuator, each healthy or not with why.
package health

import (
	"fmt"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/internal/outage"
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
// data, the loop, the state file and each actuator, in that order; Status
// is "degraded" when any part is unhealthy, else "ok".
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

// Target is what the report needs of one target: whether the last cycle
// had fresh data for it, and why not.
type Target struct {
	Name       string
	Present    bool
	HistoryErr string
}

// Loop is the decision loop and its history source as the last cycle
// left them: what the report reads of the controller's Snapshot, which
// embeds it.
type Loop struct {
	// Now is the controller's clock when the snapshot was taken.
	Now      time.Time
	Interval time.Duration
	// Cycled is false until the first cycle has ended.
	Cycled       bool
	LastCycle    time.Time
	FailedCycles int64
	// HistoryUp, HistoryOK and HistoryErr describe the history source
	// (HistoryOK: the last answer without error).
	HistoryUp  bool
	HistoryOK  time.Time
	HistoryErr string
	// DataOK is the last cycle with fresh data for every target.
	DataOK time.Time
}

// Input is the controller's state the report is made from.
type Input struct {
	Loop
	Targets []Target
	// Saves are the state file's failing saves; Saved the last one that
	// succeeded.
	Saves     outage.Tracker
	Saved     time.Time
	Actuators []*actuator.Level
}

// Of returns the health report of in.
func Of(in Input) Health {
	h := Health{Status: "ok", Interval: in.Interval, FailedCycles: in.FailedCycles, LastCycle: in.LastCycle, Targets: len(in.Targets)}
	hc := Component{Name: "history", Healthy: in.Cycled && in.HistoryUp, LastError: in.HistoryErr, LastOK: in.HistoryOK}
	if !in.Cycled {
		hc.Detail = "no cycle yet"
	}
	h.Components = append(h.Components, hc, targetData(in))
	lc := Component{Name: "loop", Healthy: in.Cycled, LastOK: in.LastCycle}
	if in.Cycled {
		h.LoopAge = in.Now.Sub(in.LastCycle)
		if in.Now.Sub(in.LastCycle) > 3*in.Interval+in.Interval/2 {
			lc.Healthy = false
			lc.Detail = "last cycle older than 3 intervals"
		}
	}
	h.Components = append(h.Components, lc, stateFile(in.Saves, in.Saved))
	comps, act := actuation(in.Actuators)
	h.Components = append(h.Components, comps...)
	h.Actuation = act
	for _, comp := range h.Components {
		if !comp.Healthy {
			h.Status = "degraded"
		}
	}
	return h
}

// stateFile is the "state file" component: unhealthy while saves of the
// state file fail, with since when and the last error.
func stateFile(o outage.Tracker, saved time.Time) Component {
	comp := Component{Name: "state file", Healthy: !o.Failing(), LastError: o.LastErr, LastOK: saved}
	if o.Failing() {
		// It said "not saved since" the first failed save, a cycle after
		// the last one that succeeded: a restart resumes from that one.
		last := "never"
		if !saved.IsZero() {
			last = saved.UTC().Format(time.RFC3339)
		}
		comp.Detail = fmt.Sprintf("last saved %s; saves failing since %s (%d failed saves); decisions go on", last, o.Since.UTC().Format(time.RFC3339), o.Failures)
	}
	return comp
}

// maxReasons bounds the targets named in the "target data" detail (the
// status endpoint has every target's reason).
const maxReasons = 5

// targetData is the "target data" component: healthy when every target
// had fresh data, else the targets without it and why.
func targetData(in Input) Component {
	var reasons []string
	missing := 0
	for _, s := range in.Targets {
		if s.Present {
			continue
		}
		missing++
		if len(reasons) < maxReasons {
			why := s.HistoryErr
			if why == "" {
				why = "no data"
			}
			reasons = append(reasons, s.Name+": "+why)
		}
	}
	dc := Component{Name: "target data", Healthy: in.Cycled && missing == 0, LastOK: in.DataOK}
	if missing > 0 {
		more := ""
		if missing > len(reasons) {
			more = fmt.Sprintf("; and %d more (GET /api/scaling/status has every target's history_error)", missing-len(reasons))
		}
		dc.Detail = fmt.Sprintf("no fresh data for %d of %d targets, decisions held: %s%s", missing, len(in.Targets), strings.Join(reasons, "; "), more)
	}
	return dc
}

// actuation returns one component per actuator (unhealthy while it fails
// to deliver a target's desired units, with the reason per target) and
// every target's actuation status.
func actuation(ls []*actuator.Level) ([]Component, []actuator.Status) {
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
			// "not acknowledged since" the first failure read as the time of
			// these desired units, which a later decision may have set.
			failing = append(failing, fmt.Sprintf("target %s: %d desired units not acknowledged, deliveries failing since %s (%d failed attempts, acknowledged %s): %s",
				s.Target, s.Desired, s.FailingSince.UTC().Format(time.RFC3339), s.FailedAttempts, s.AcknowledgedText(), s.LastErr))
		}
		comp.Detail = strings.Join(failing, "; ")
		comps = append(comps, comp)
	}
	return comps, all
}
