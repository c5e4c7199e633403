package envcheck

import (
	"bytes"
	"strings"
	"testing"
)

type fuzzConfig struct {
	Listen string `envconfig:"LISTEN"`
	Token  string `envconfig:"API_TOKEN"`
}

// FuzzWarn reads any environment (entries split at newlines): one
// warning per distinct unknown PRESCALE_* name, each naming it and never
// a value (here any run of [a-z0-9] of 8 bytes or more after '='). Never
// a panic.
func FuzzWarn(f *testing.F) {
	f.Add("PRESCALE_LISTN=:9111\nPRESCALE_API_TOKEN=s3cretvalue1\nHOME=/root\nPRESCALE_X=y\nPRESCALE_X=z")
	f.Add("PRESCALE_=\n=PRESCALE_A\nPRESCALE_A")
	f.Fuzz(func(t *testing.T, env string) {
		environ := strings.Split(env, "\n")
		var out bytes.Buffer
		Warn(&out, "prog", environ, AllScope, fuzzConfig{})
		unknown := Unknown(environ, "PRESCALE", testOnly, fuzzConfig{})
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			lines = nil
		}
		if len(lines) != len(unknown) {
			t.Fatalf("%d warnings for %d unknown names: %q", len(lines), len(unknown), out.String())
		}
		for i, name := range unknown {
			if !strings.HasPrefix(name, "PRESCALE_") || !strings.HasPrefix(lines[i], "prog: warning: "+name+" is not a prescale setting") {
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
