// Package hide keeps secrets out of an exec command's output, which the
// exec actuator's error quotes: the values of the controller's secret
// variables, the passwords, query tokens and fragments of the URLs in any
// variable, and the configured secrets. The errors go to the log and to
// the unauthenticated /api/system/health. (A webhook receiver's answer
// is hidden by redact.HideEchoed, as a history source's is.)
package hide

import (
	"net/url"
	"slices"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// secretNames are the parts of an environment variable's name that say
// its value is a secret (AWS_SECRET_ACCESS_KEY, VAULT_TOKEN, DB_PASSWORD).
var secretNames = []string{"SECRET", "TOKEN", "PASS", "KEY", "CREDENTIAL", "AUTH", "PRIVATE"}

// secretName reports whether a variable's or a URL query parameter's
// name holds one of secretNames, in any case.
func secretName(name string) bool {
	return slices.ContainsFunc(secretNames, func(s string) bool { return strings.Contains(strings.ToUpper(name), s) })
}

// Known are the secrets Secrets hides besides its env's: Values (the
// controller's configured secrets in no variable of a secret's name, the
// generated API token), from redact.MinHidden bytes as a secret
// variable's; and Headers, HTTP headers "Name=value" as
// PRESCALE_PROMETHEUS_HEADERS lists them, whose values (as
// redact.HeaderValue splits them: "Bearer T" and T) are hidden from as
// many bytes too, or at any length when the header's name holds one of
// secretNames (Authorization, X-Api-Key): known to be a secret, a value
// under MinHidden bytes is hidden where it stands as a word of its own
// (word), so it blanks no longer word holding it. A short value of
// another header is a tenant's name (X-Scope-OrgID) rather than a
// credential, and is shown.
type Known struct {
	Values, Headers []string
}

// Secrets replaces in a command's output the values, of redact.MinHidden
// bytes or more, of the variables of env whose names hold one of
// secretNames, and each line of such a value of several lines (a PEM key
// the command quotes in part), and the password of any URL in any
// variable (envURLSecrets), and what known holds (Known; the exec
// actuator's Hide and HideHeaders), from as many bytes but a secret
// header's value: the API token cannot be shorter (config refuses it),
// and a shorter value of a variable named like a secret is mostly none
// (AUTH_ENABLED=true). The
// output is quoted in the error, which goes to the log and to the
// unauthenticated /api/system/health: a script failing with "quota
// exceeded for key $AWS_SECRET_ACCESS_KEY" published the key there. env
// is the controller's whole environment, its own PRESCALE_* settings
// included (PRESCALE_API_TOKEN: not passed to the command, which may hold
// it otherwise, from the same env file). Secrets that overlap in the
// output are hidden as one (hideAll).
func Secrets(out string, env []string, known Known) string {
	var secrets []secret
	for _, v := range known.Values {
		secrets = append(secrets, secret{text: v, with: redact.Mark})
	}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		secrets = append(secrets, envURLSecrets(value)...)
		if !secretName(name) {
			continue
		}
		secrets = append(secrets, secret{text: value, with: redact.Mark})
		if strings.Contains(value, "\n") {
			for line := range strings.SplitSeq(value, "\n") {
				secrets = append(secrets, secret{text: strings.TrimSpace(line), with: redact.Mark})
			}
		}
	}
	secrets = slices.DeleteFunc(secrets, func(s secret) bool { // user info ("a:b@") kept at any length
		return s.with == redact.Mark && len(s.text) < redact.MinHidden
	})
	return hideAll(out, append(secrets, headerSecrets(known.Headers)...))
}

// headerSecrets are what Secrets hides of headers "Name=value" (Known):
// each value as redact.HeaderValue splits it, of a secret-named header at
// any length (a word under redact.MinHidden bytes), of another from
// MinHidden bytes.
func headerSecrets(headers []string) []secret {
	var out []secret
	for _, h := range headers {
		name, value, ok := strings.Cut(h, "=")
		if !ok {
			continue
		}
		known := secretName(strings.TrimSpace(name))
		for _, v := range redact.HeaderValue(value) {
			if v != "" && (known || len(v) >= redact.MinHidden) {
				out = append(out, secret{text: v, with: redact.Mark, word: len(v) < redact.MinHidden})
			}
		}
	}
	return out
}

// secret is a text Secrets hides, and what shows instead; a word is
// hidden only where it stands as a word of its own (redact.WordAt).
type secret struct {
	text, with string
	word       bool
}

// hideAll replaces in out each occurrence of each secret's text by what
// shows instead, all found in out as given (redact.HideSpans). Replaced one
// secret after another, longest first, a secret overlapping another's
// occurrence in part left its rest shown (secrets abcdefgh1234 and
// 12345678xyz printed as "abcdefgh12345678xyz": "REDACTED5678xyz").
func hideAll(out string, secrets []secret) string {
	var spans []redact.Span
	for _, s := range secrets {
		for i := 0; s.text != ""; {
			j := strings.Index(out[i:], s.text)
			if j < 0 {
				break
			}
			i += j + len(s.text)
			if !s.word || redact.WordAt(out, i-len(s.text), i) {
				spans = append(spans, redact.Span{From: i - len(s.text), To: i, With: s.with})
			}
		}
	}
	return redact.HideSpans(out, spans)
}

// envURLSecrets is what Secrets hides of the URLs (split at blanks and
// at commas starting another URL, urlFields) of a variable's value,
// whatever its name (PRESCALE_PROMETHEUS_URL=https://ops:pw@prom): of a
// URL whose user info holds a password, the user info with its ':' and
// '@' as written ("ops:pw@", shown "REDACTED@", at any length: the ':'
// and '@' keep it from matching unrelated words), and the password alone,
// as written and decoded, from redact.MinHidden bytes (a short one would
// blank unrelated words); the value of each query parameter whose
// name holds one of secretNames (a webhook receiver's "?token="), as
// written and decoded, under the same rule; and the fragment, whole and
// each of its values (an implicit OAuth flow's "#access_token="), as
// redact.URL removes it from the controller's logs, under the same rule.
func envURLSecrets(value string) []secret {
	var secrets []secret
	for _, f := range urlFields(value) {
		if info, rawPW, pw, ok := redact.UserInfo(f); ok {
			secrets = append(secrets, secret{text: info, with: redact.Mark + "@"}, secret{text: rawPW, with: redact.Mark}, secret{text: pw, with: redact.Mark})
		}
		for _, v := range append(querySecrets(f), fragmentSecrets(f)...) {
			secrets = append(secrets, secret{text: v, with: redact.Mark})
		}
	}
	return secrets
}

// urlFields splits value at blanks, and at the commas followed by a URL
// ("scheme://"; a list of URLs): a comma within a URL (a query value's
// "?token=a,b") stays in it. Split at every comma, such a value was cut
// and neither it nor its parts were hidden.
func urlFields(value string) []string {
	var out []string
	for _, f := range strings.Fields(value) {
		start := len(out)
		for p := range strings.SplitSeq(f, ",") {
			if len(out) > start && !startsURL(p) {
				out[len(out)-1] += "," + p
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// startsURL reports whether s starts with a scheme and "://".
func startsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		other := c >= '0' && c <= '9' || strings.ContainsRune("+-.", c)
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return true
}

// fragmentSecrets are, of a URL raw, its fragment and the value of each
// of its "name=value" parts, as written and decoded.
func fragmentSecrets(raw string) []string {
	_, frag, ok := strings.Cut(raw, "#")
	if !ok || frag == "" || !strings.Contains(raw, "://") {
		return nil
	}
	out := withDecoded(nil, frag)
	for kv := range strings.SplitSeq(frag, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok && v != "" {
			out = withDecoded(out, v)
		}
	}
	return out
}

// withDecoded appends v and, when it differs, v query-decoded.
func withDecoded(out []string, v string) []string {
	out = append(out, v)
	if dv, err := url.QueryUnescape(v); err == nil && dv != v {
		out = append(out, dv)
	}
	return out
}

// querySecrets are, of a URL raw, the values of the query parameters
// whose names hold one of secretNames, as written and decoded, and of a
// value holding ',' or ';' each part between them too.
func querySecrets(raw string) []string {
	_, query, ok := strings.Cut(raw, "?")
	if !ok || !strings.Contains(raw, "://") {
		return nil
	}
	query, _, _ = strings.Cut(query, "#")
	var out []string
	for kv := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if v == "" || !secretName(k) {
			continue
		}
		out = withDecoded(out, v)
		if parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }); len(parts) > 1 {
			for _, p := range parts { // a list, or a server reading ';' as '&'
				out = withDecoded(out, p)
			}
		}
	}
	return out
}
