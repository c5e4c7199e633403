package envcheck

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/prescale/prescale/internal/redact"
)

type fuzzConfig struct {
	Listen string `envconfig:"LISTEN"`
	Token  string `envconfig:"API_TOKEN"`
}

// FuzzWarn reads any environment (entries split at newlines): one
// warning per distinct unknown PRESCALE_* name, each naming it (cut to
// redact.MaxEchoed bytes) and never
// a value (here any run of [a-z0-9] of 8 bytes or more after '='). Never
// a panic.
func FuzzWarn(f *testing.F) {
	f.Add("PRESCALE_LISTN=:9111\nPRESCALE_API_TOKEN=s3cretvalue1\nHOME=/root\nPRESCALE_X=y\nPRESCALE_X=z")
	f.Add("PRESCALE_=\n=PRESCALE_A\nPRESCALE_A")
	f.Fuzz(func(t *testing.T, env string) {
		environ := strings.Split(env, "\n")
		var out bytes.Buffer
		Warn(&out, "prog", environ, AllScope, fuzzConfig{})
		unknown := unknownNames(environ)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			lines = nil
		}
		if len(lines) != len(unknown) {
			t.Fatalf("%d warnings for %d unknown names: %q", len(lines), len(unknown), out.String())
		}
		for i, name := range unknown {
			if !strings.HasPrefix(name, "PRESCALE_") || !strings.HasPrefix(lines[i], "prog: warning: "+redact.Cut(name, redact.MaxEchoed)+" is not a prescale setting") {
				t.Fatalf("warning %q for %q", lines[i], name)
			}
		}
		for _, kv := range environ {
			_, v, ok := strings.Cut(kv, "=")
			if ok && len(v) >= 8 && strings.Count(env, v) == 1 && strings.IndexFunc(v, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) < 0 && strings.Contains(out.String(), v) {
				t.Fatalf("value %q shown: %q", v, out.String())
			}
		}
	})
}

// unknownNames is FuzzWarn's own account of the names Warn must warn of,
// sorted and distinct: those before an entry's first '=' that start with
// PRESCALE_ and are neither fuzzConfig's nor a test's.
func unknownNames(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PRESCALE_") && name != "PRESCALE_LISTEN" && name != "PRESCALE_API_TOKEN" &&
			!slices.Contains(testOnly, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
