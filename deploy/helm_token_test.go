package deploy

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/testkit"
)

// TestHelmAPITokenFromAFile: a token given as `--set-file
// controller.apiToken.value=token.txt`, as Helm takes a secret from a file,
// reaches the controller without the file's trailing newline, and the
// controller's configuration accepts it. The Secret kept the newline and
// the controller exited 2 at start (PRESCALE_API_TOKEN has white space at
// an end), a CrashLoopBackOff, while `curl -H "Authorization: Bearer
// $(cat token.txt)"` sends the token without it. A value of white space
// alone is no token: no Secret and no variable, as an empty one.
func TestHelmAPITokenFromAFile(t *testing.T) {
	helm := lookHelm(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "token.txt")
	require.NoError(t, os.WriteFile(file, []byte("0123456789abcdef0123\n"), 0o600))
	objs := mustTemplate(t, helm, "--set-file", "controller.apiToken.value="+file)
	require.Len(t, objs["Secret"], 1)
	enc, _ := get(t, objs["Secret"][0].raw, "data", "token").(string)
	tok, err := base64.StdEncoding.DecodeString(enc)
	require.NoError(t, err)
	require.Equal(t, "0123456789abcdef0123", string(tok), "the file's trailing newline is not part of the token")
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	data["PRESCALE_API_TOKEN"] = string(tok) // the Secret's value, as the container sees it
	cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
	require.Equal(t, "0123456789abcdef0123", cfg.APIToken)

	blank := filepath.Join(dir, "blank.txt")
	require.NoError(t, os.WriteFile(blank, []byte(" \n"), 0o600))
	objs = mustTemplate(t, helm, "--set-file", "controller.apiToken.value="+blank)
	require.Empty(t, objs["Secret"], "white space alone is no token")
	require.NotContains(t, containerEnv(t, objs["StatefulSet"][0]), "PRESCALE_API_TOKEN")
}

// TestHelmAPITokenMinimum: a controller.apiToken.value shorter than
// redact.MinHidden bytes, once white space at its ends is trimmed as the
// chart stores it, fails `helm template` naming the field, quoting not the
// value; `helm lint` (for which a template's fail is no error) refuses it
// by the schema when it is ASCII alone, white space at its ends or not
// (a token from --set-file ends in a newline: lint passed a 7-byte one).
// It rendered, and the controller exited 2 at start (PRESCALE_API_TOKEN:
// must be at least 8 bytes): a CrashLoopBackOff after a successful
// install. Beyond ASCII only the template checks (the schema counts
// characters, and trims no white space).
func TestHelmAPITokenMinimum(t *testing.T) {
	helm := lookHelm(t)
	short := strings.Repeat("k", redact.MinHidden-1)
	file := filepath.Join(t.TempDir(), "token.txt")
	require.NoError(t, os.WriteFile(file, []byte(short+"\n"), 0o600)) // MinHidden bytes with the newline
	const (
		byTemplate = "controller.apiToken.value: must be at least 8 bytes"
		bySchema   = "at '/controller/apiToken/value': value must be 'at least 8 bytes, not counting white space at its ends, or empty (no token)'"
	)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "controller.apiToken.value=" + short}, bySchema},
		{[]string{"--set-file", "controller.apiToken.value=" + file}, bySchema},
		{[]string{"--set", "controller.apiToken.value=  " + short + "  "}, bySchema},
		{[]string{"--set", "controller.apiToken.value=\t\v" + short + "\r\f"}, bySchema},
		{[]string{"--set", "controller.apiToken.value=\x01\x02 kkk"}, bySchema},                                   // control characters are not trimmed: 6 bytes
		{[]string{"--set", "controller.apiToken.value=" + strings.Repeat("é", redact.MinHidden/2-1)}, byTemplate}, // 6 bytes, 3 characters
	} {
		_, stderr, err := helmTemplate(t, helm, tc.args...)
		require.Error(t, err, "%q", tc.args)
		require.Contains(t, stderr, tc.want, "%q", tc.args)
		require.NotContains(t, stderr, "kkk", "the value is never quoted")
		if tc.want == bySchema {
			out, err := exec.CommandContext(t.Context(), helm, append([]string{"lint", "--strict", chartDir}, tc.args...)...).CombinedOutput()
			require.Error(t, err, "%q", tc.args)
			require.Contains(t, string(out), bySchema, "%q", tc.args)
			require.NotContains(t, string(out), "kkk", "the value is never quoted")
		}
	}

	// White space within the token counts, at its ends not: both take it.
	for _, tok := range []string{"  " + short + "k\n", "k      k"} {
		out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", "controller.apiToken.value="+tok).CombinedOutput()
		require.NoError(t, err, "%q: %s", tok, out)
		objs := mustTemplate(t, helm, "--set", "controller.apiToken.value="+tok)
		require.Len(t, objs["Secret"], 1, tok)
	}
	// MinHidden bytes are taken, counted in bytes as the controller does
	// (four 2-byte characters); empty is no token.
	for _, tok := range []string{strings.Repeat("k", redact.MinHidden), strings.Repeat("é", redact.MinHidden/2)} {
		objs := mustTemplate(t, helm, "--set", "controller.apiToken.value="+tok)
		require.Len(t, objs["Secret"], 1, tok)
	}
	objs := mustTemplate(t, helm, "--set", "controller.apiToken.value=")
	require.Empty(t, objs["Secret"])
}

// TestHelmAPITokenSchemaIsTheTemplatesRule: for every ASCII value of up to
// 9 bytes of letters, spaces, vertical tabs, newlines and control
// characters, the schema's patterns for controller.apiToken.value refuse
// it exactly when the template does (trimmed, not empty and under
// redact.MinHidden bytes), so helm lint neither passes a short token nor
// refuses one the controller takes.
func TestHelmAPITokenSchemaIsTheTemplatesRule(t *testing.T) {
	var schema struct {
		Properties struct {
			Controller struct {
				Properties struct {
					APIToken struct {
						Properties struct {
							Value struct {
								If struct {
									Pattern string
									Not     struct{ Pattern string }
								}
							}
						}
					} `json:"apiToken"`
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.schema.json")), &schema))
	rule := schema.Properties.Controller.Properties.APIToken.Properties.Value.If
	checked, notShort := regexp.MustCompile(rule.Pattern), regexp.MustCompile(rule.Not.Pattern)
	refuses := func(v string) bool { return checked.MatchString(v) && !notShort.MatchString(v) }
	var walk func(v string)
	walk = func(v string) {
		trimmed := strings.TrimSpace(v)
		if want := trimmed != "" && len(trimmed) < redact.MinHidden; refuses(v) != want {
			t.Fatalf("the schema refuses %q: %v, the template: %v", v, refuses(v), want)
		}
		if len(v) < redact.MinHidden+1 {
			for _, c := range "k \v\n\x01" {
				walk(v + string(c))
			}
		}
	}
	walk("")
}
