package controller

import (
	"errors"
	"fmt"

	"github.com/prescale/prescale/controller/internal/health"
)

// Component is one part of the controller's health.
type Component = health.Component

// Health is the controller's health: the history source, the targets'
// data, the loop, the state file and each actuator, in that order; Status
// is "degraded" when any part is unhealthy, else "ok".
type Health = health.Health

// Health returns the controller's health now.
func (c *Controller) Health() Health {
	snap := c.Snapshot()
	in := health.Input{Loop: snap.Loop, Targets: make([]health.Target, len(snap.Targets)), Actuators: c.d.Actuators}
	for i, s := range snap.Targets {
		in.Targets[i] = health.Target{Name: s.Target.Name, Present: s.Present, HistoryErr: s.HistoryErr}
	}
	c.mu.RLock()
	in.Saves, in.Saved = c.saveOut, c.savedOK
	c.mu.RUnlock()
	return health.Of(in)
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
