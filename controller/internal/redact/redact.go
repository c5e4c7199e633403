// Package redact removes credentials from URLs before they reach logs,
// errors and API answers.
package redact

import (
	"errors"
	"fmt"
	"net/url"
)

// URL replaces user info and the query string of raw with REDACTED.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	return u.String()
}

// Err rewrites a *url.Error, which repeats the full request URL including
// any credentials, with that URL redacted; other errors are returned as
// they are.
func Err(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, URL(ue.URL), ue.Err)
	}
	return err
}
