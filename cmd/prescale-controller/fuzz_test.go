package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/testkit"
)

// fuzzedEnv is every PRESCALE_* variable of config.Config but those naming
// files or directories (a fuzzed path could name /dev/zero).
func fuzzedEnv() []string {
	var names []string
	t := reflect.TypeFor[config.Config]()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("envconfig")
		if tag == "" || tag == "DATA_DIR" || tag == "TARGETS_FILE" || strings.HasSuffix(tag, "_FILE") {
			continue
		}
		names = append(names, config.EnvPrefix+"_"+tag)
	}
	return names
}

// FuzzEnv sets two PRESCALE_* variables to any values (over a valid
// PRESCALE_TARGET_QUERY) and reads the configuration as main does: exit 0
// or 2, a refusal names a PRESCALE_ variable, the output stays short
// and quotes at most 100 bytes of a value, and a secret (the API token, a header's
// value, a URL's password) is never echoed. Never a panic.
func FuzzEnv(f *testing.F) {
	names := fuzzedEnv()
	f.Add(uint8(0), "x", uint8(1), "y")
	f.Add(uint8(3), "X-Scope-OrgID=tenant1,Authorization=Bearer secret-token", uint8(4), "https://ops:hunter2pw@prom:9090/x?token=abcdefgh")
	f.Add(uint8(5), `["/bin/sh", "-c"`, uint8(6), "1h30x")
	f.Fuzz(func(t *testing.T, i uint8, v string, j uint8, w string) {
		if strings.ContainsRune(v+w, 0) {
			return // no environment holds a NUL
		}
		t.Setenv("PRESCALE_TARGET_QUERY", "up")
		set := map[string]string{names[int(i)%len(names)]: v}
		set[names[int(j)%len(names)]] = w
		for k, val := range set {
			t.Setenv(k, val)
		}
		var out bytes.Buffer
		_, _, code := configure(&out)
		msg := out.String()
		switch {
		case code != 0 && code != 2:
			t.Fatalf("exit %d: %s", code, msg)
		case code == 2 && !strings.Contains(msg, "PRESCALE_"):
			t.Fatalf("refusal names no variable: %q", msg)
		case len(msg) > 8<<10:
			t.Fatalf("%d bytes of output: %.300q", len(msg), msg)
		}
		for k, val := range set {
			if run, ok := testkit.EchoedRun(msg, val, plain); ok {
				t.Fatalf("%s's value quoted beyond 100 bytes (%q): %.300s", k, run, msg)
			}
			for _, s := range envSecrets(k, val) {
				// A secret's start: a check quoting it cuts it (100 bytes).
				// Not where the other variable's value holds it too: that
				// value may be quoted (a token of 64 a's, a scrape
				// interval of 400 quoted as its first 100), nor where its
				// own value holds it more than once (a password of 0s
				// before a host of 0s: the host is shown).
				if start := s[:min(len(s), 64)]; strings.Contains(msg, start) && strings.Count(val, start) == 1 && !othersHold(set, k, start) {
					t.Fatalf("%s's secret %q echoed: %s", k, s, msg)
				}
			}
		}
	})
}

// othersHold reports whether a variable of set other than k has s in its
// value.
func othersHold(set map[string]string, k, s string) bool {
	for other, val := range set {
		if other != k && strings.Contains(val, s) {
			return true
		}
	}
	return false
}

// envSecrets is what of variable k's value val must never be echoed: a
// token, a header's value, a URL's password, at least 8 bytes long and
// not a word of the messages.
func envSecrets(k, val string) []string {
	var out []string
	switch k {
	case "PRESCALE_API_TOKEN":
		out = append(out, strings.TrimSpace(val))
	case "PRESCALE_PROMETHEUS_HEADERS":
		for e := range strings.SplitSeq(val, ",") {
			if _, v, ok := strings.Cut(e, "="); ok {
				out = append(out, strings.TrimSpace(v))
			}
		}
	case "PRESCALE_PROMETHEUS_URL", "PRESCALE_WEBHOOK_URL", "PRESCALE_SCRAPE_TARGETS", "PRESCALE_EXTERNAL_URL":
		for u := range strings.SplitSeq(val, ",") {
			if _, raw, _, ok := redact.UserInfo(u); ok {
				out = append(out, raw)
			}
		}
	}
	long := out[:0]
	for _, s := range out {
		if len(s) >= 8 && strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
			long = append(long, s)
		}
	}
	return long
}

// plain: s is printable ASCII that %q quotes as it is.
func plain(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r > '~' || r == '"' || r == '\\' }) < 0
}
