package testkit

import "strings"

// EchoedRun is a run of 120 bytes of v, starting at any 20th byte and
// plain (as the caller's check quotes it unchanged), that msg repeats: an
// error quoted more than 100 bytes (redact.MaxEchoed) of v, from its start
// or from a later part of it (an entry of a list, what follows a URL's
// host). A fuzz test that looked at v's first 120 bytes only missed those.
func EchoedRun(msg, v string, plain func(string) bool) (string, bool) {
	for i := 0; i+120 <= len(v); i += 20 {
		if run := v[i : i+120]; plain(run) && strings.Contains(msg, run) {
			return run, true
		}
	}
	return "", false
}
