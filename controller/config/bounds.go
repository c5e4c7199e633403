package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// Upper bounds of the timeouts. Each was taken at any length (1000d),
// and a timeout that never comes leaves the part it guards stuck: no
// relation to another setting bounds them (a query, an attempt or a
// command may rightly outlast a short PRESCALE_SCALING_INTERVAL), so
// each is an absolute bound well above what its job needs.
const (
	// MaxQueryTimeout bounds PRESCALE_QUERY_TIMEOUT. History sources cut
	// a query long before (Prometheus' --query.timeout is 2m by default),
	// and a hung source holds a cycle for two timeouts (the cycle is cut
	// after its first queries all fail), in which no target is decided.
	MaxQueryTimeout = 10 * time.Minute
	// MaxWebhookTimeout bounds PRESCALE_WEBHOOK_TIMEOUT. An attempt under
	// way is not cut short when the target's decision changes: the newer
	// units wait for it. A receiver acknowledges a decision and scales
	// after; a proxy before it cuts a silent request within minutes.
	MaxWebhookTimeout = 5 * time.Minute
	// MaxExecTimeout bounds PRESCALE_EXEC_TIMEOUT. A target's newer
	// decisions wait for its command under way (one at a time per
	// target); one that waits for a rollout or a cloud API has an hour.
	MaxExecTimeout = time.Hour
)

// validateTimeouts checks the timeouts: each in (0, its bound].
func (c *Config) validateTimeouts(bad badFunc) {
	for _, d := range []struct {
		name      string
		v, bound  time.Duration
		otherwise string
	}{
		{"QUERY_TIMEOUT", c.QueryTimeout, MaxQueryTimeout,
			"history sources cut a query long before (Prometheus' --query.timeout is 2m), and a hung one holds the cycle for two timeouts, deciding nothing"},
		{"WEBHOOK_TIMEOUT", c.WebhookTimeout, MaxWebhookTimeout,
			"a target's newer units wait for the attempt under way; a receiver acknowledges a decision and scales after"},
		{"EXEC_TIMEOUT", c.ExecTimeout, MaxExecTimeout,
			"a target's newer decisions wait for its command under way (one at a time per target)"},
	} {
		switch {
		case d.v <= 0:
			bad(d.name, "must be > 0, got %s", d.v)
		case d.v > d.bound:
			bad(d.name, "must be at most %s, got %s: %s", d.bound, d.v, d.otherwise)
		}
	}
}

// MaxTargetSpan bounds a target's spans of time: its lag, cooldowns,
// stabilisation and usage windows (each was taken at any length, 1000d).
// A week is the forecaster's longest season (demand repeats weekly), the
// lead window at the default step (engine.MaxLeadSteps of 5m) and the
// longest manual override (policy.MaxManualDuration): a longer wait or
// hold spans a whole weekly cycle of the demand it is decided on. No
// relation to PRESCALE_HISTORY_WINDOW bounds them: a short window (1m in
// tests) with the default cooldowns (3m, 10m) is valid.
const MaxTargetSpan = policy.MaxManualDuration

// spanHint says why a target's spans of time are bounded.
const spanHint = "a week is the forecaster's longest season, the lead window at the default PRESCALE_STEP and the longest manual override"

// span is one of a target's spans of time, by its targets file field.
type span struct {
	field string
	v     time.Duration
}

// spans are target t's spans of time; its usage window only when it is
// not its lag (by default it is, and the lag's error says it).
func spans(t policy.Target) []span {
	out := []span{
		{"lag", t.Lag}, {"scale_up_cooldown", t.ScaleUpCooldown}, {"scale_down_cooldown", t.ScaleDownCooldown},
		{"stabilization_window", t.StabilizationWindow},
	}
	if t.UsageWindow != t.Lag {
		out = append(out, span{"usage_window", t.UsageWindow})
	}
	return out
}

// validateSpans refuses, without a targets file, an env target's span of
// time longer than MaxTargetSpan, naming its variable (with a file, each
// entry's are checked: fileSpanErrors).
func (c *Config) validateSpans(bad badFunc) {
	if c.TargetsFile != "" {
		return
	}
	for _, s := range spans(c.EnvTarget()) {
		if s.v > MaxTargetSpan {
			bad(envVarOf[s.field], "must be at most %s (a week), got %s: %s", MaxTargetSpan, s.v, spanHint)
		}
	}
}

// fileSpanErrors are the targets file's entries' spans of time longer
// than MaxTargetSpan, each naming its entry and field, and the field's
// variable where the span is the variable's (fileField).
func (c *Config) fileSpanErrors(ts []policy.Target) error {
	var errs []error
	for i, t := range ts {
		for _, s := range spans(t) {
			if s.v <= MaxTargetSpan {
				continue
			}
			errs = append(errs, &ConfigError{Var: "TARGETS_FILE", Msg: fmt.Sprintf("targets[%d] (%q).%s: must be at most %s (a week), got %s: %s",
				i, t.Name, c.fileField(s.field, s.v), MaxTargetSpan, s.v, spanHint)})
		}
	}
	return errors.Join(cutEchoes(errs)...)
}

// fileField names a targets file entry's span field, and its variable
// too where the span is the variable's value: an entry without the field
// takes it, and an error naming only the field named one the file did
// not have.
func (c *Config) fileField(field string, v time.Duration) string {
	for _, s := range spans(c.EnvTarget()) {
		if s.field == field && s.v == v {
			return field + " (or PRESCALE_" + envVarOf[field] + ", its default)"
		}
	}
	return field
}
