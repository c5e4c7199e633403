package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
)

// leadHint says what bounds a lead window's steps: the engine forecasts
// every target over its lag plus one PRESCALE_SCALING_INTERVAL, at
// PRESCALE_STEP.
const leadHint = "each target forecasts over its lag plus one PRESCALE_SCALING_INTERVAL, at PRESCALE_STEP"

// validateLead refuses a PRESCALE_SCALING_INTERVAL whose lead window
// alone (a lag of 0) needs more than engine.MaxLeadSteps forecast steps
// of PRESCALE_STEP, and, without a targets file, the env target's lag
// whose does. The controller refused them at start too, but its error
// named neither variable and blamed the lag for the interval's steps
// ("provisioning lag 30s needs 2165 forecast steps of 5s" for a 3h
// interval).
func (c *Config) validateLead(bad badFunc) {
	if c.Step <= 0 || c.ScalingInterval <= 0 {
		return // refused on their own
	}
	if n := engine.LeadSteps(0, c.ScalingInterval, c.Step); n > engine.MaxLeadSteps {
		bad("SCALING_INTERVAL", "%s is %d forecast steps of PRESCALE_STEP (%s), more than %d (%s): shorten it or lengthen PRESCALE_STEP",
			c.ScalingInterval, n, c.Step, engine.MaxLeadSteps, leadHint)
		return
	}
	if c.TargetsFile == "" {
		if msg := c.leadTooLong(c.Lag); msg != "" {
			bad("TARGET_PROVISIONING_LAG", "%s", msg)
		}
	}
}

// leadTooLong says why lag's lead window needs more than
// engine.MaxLeadSteps forecast steps, "" when it does not.
func (c *Config) leadTooLong(lag time.Duration) string {
	n := engine.LeadSteps(lag, c.ScalingInterval, c.Step)
	if n <= engine.MaxLeadSteps {
		return ""
	}
	return fmt.Sprintf("%s plus PRESCALE_SCALING_INTERVAL (%s) is %d forecast steps of PRESCALE_STEP (%s), more than %d (%s): "+
		"shorten the lag or lengthen PRESCALE_STEP", lag, c.ScalingInterval, n, c.Step, engine.MaxLeadSteps, leadHint)
}

// fileLeadErrors are the targets file's entries whose lag makes a lead
// window of more than engine.MaxLeadSteps forecast steps.
func (c *Config) fileLeadErrors(ts []policy.Target) error {
	var errs []error
	for i, t := range ts {
		if msg := c.leadTooLong(t.Lag); msg != "" {
			errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q).%s: %s",
				i, t.Name, c.fileField("lag", t.Lag), msg)})
		}
	}
	return errors.Join(cutEchoes(errs)...)
}
