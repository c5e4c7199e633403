package config

import (
	"encoding/json"
	"strings"
)

// Command is a command and its arguments (PRESCALE_EXEC_COMMAND), read
// from one variable in either of two forms: comma-separated fields
// (/usr/local/bin/scale-pool,--zone,eu-1), which cannot hold an argument
// with a comma, or, when the value starts with '[', a JSON array of strings
// (["/bin/sh", "-c", "scale --zones a,b"]), which can.
type Command []string

// Decode implements envconfig.Decoder.
func (c *Command) Decode(value string) error {
	if strings.HasPrefix(strings.TrimSpace(value), "[") {
		var argv []string
		if err := json.Unmarshal([]byte(value), &argv); err != nil {
			return &commandError{err: err}
		}
		*c = argv
		return nil
	}
	if strings.TrimSpace(value) == "" {
		*c = nil
		return nil
	}
	*c = strings.Split(value, ",") // envconfig's own reading of a list
	return nil
}

// commandError is a JSON-form command that does not parse.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }

// Want says what the variable takes (clihelp.EnvError reads it).
func (e *commandError) Want() string {
	return `comma-separated fields, or a JSON array of strings when it starts with '[' (` + e.err.Error() + `)`
}
