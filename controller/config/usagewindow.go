package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/prescale/prescale/internal/clihelp"
)

// UsageWindow is PRESCALE_TARGET_USAGE_WINDOW: a duration (0: off), or
// UsageWindowLag, "lag", each target's own provisioning lag, the default
// and what `prescale backtest` measures (a unit removed now is back only
// a lag later, so the units demand used within the last lag are kept).
type UsageWindow time.Duration

// UsageWindowLag is the UsageWindow "lag": each target's own lag. No
// duration decodes to it (Decode refuses negative ones).
const UsageWindowLag UsageWindow = -1

// Decode implements envconfig.Decoder: "lag", or a duration >= 0 as
// clihelp.ParseDuration reads it (10m, 1d).
func (w *UsageWindow) Decode(value string) error {
	if strings.TrimSpace(value) == "lag" {
		*w = UsageWindowLag
		return nil
	}
	d, err := clihelp.ParseDuration(value)
	if err != nil || d < 0 {
		return usageWindowError{}
	}
	*w = UsageWindow(d)
	return nil
}

// For is the window of a target whose lag is lag. A negative lag, refused
// under its own name, gives 0: it was also refused as the usage window,
// which the operator had not set (PRESCALE_TARGET_PROVISIONING_LAG=-5m
// exited naming PRESCALE_TARGET_USAGE_WINDOW too).
func (w UsageWindow) For(lag time.Duration) time.Duration {
	if w == UsageWindowLag {
		return max(lag, 0)
	}
	return time.Duration(w)
}

// String is what Decode reads back: "lag" or the duration.
func (w UsageWindow) String() string {
	if w == UsageWindowLag {
		return "lag"
	}
	return time.Duration(w).String()
}

// usageWindowError is a value Decode refuses.
type usageWindowError struct{}

func (usageWindowError) Error() string { return "not lag or a duration >= 0" }

// Want says what the variable takes (clihelp.EnvError reads it).
func (usageWindowError) Want() string {
	return fmt.Sprintf("%s (each target's provisioning lag) or a duration >= 0 such as 10m or 1d (0: off)", UsageWindowLag)
}
