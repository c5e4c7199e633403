package hide

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHideSecretsEveryName: a variable whose name holds any one of
// secretNames, in any case, has its value hidden; one holding none is
// left as written.
func TestHideSecretsEveryName(t *testing.T) {
	for _, name := range []string{"APP_SECRET", "vault_token", "DB_PASSWORD", "SIGNING_KEY", "GCP_CREDENTIALS", "BASIC_AUTH", "PRIVATE_PEM"} {
		require.Equal(t, "got REDACTED", Secrets("got value-0123456789", []string{name + "=value-0123456789"}, Known{}), name)
	}
	require.Equal(t, "got value-0123456789", Secrets("got value-0123456789", []string{"DEPLOY_REGION=value-0123456789"}, Known{}))
}

// TestHideSecretsCRLFLines: each line of a secret of several lines with
// CRLF line ends (a PEM key from a file edited on Windows) is hidden
// without its CR, as a command prints one line of it.
func TestHideSecretsCRLFLines(t *testing.T) {
	env := []string{"TLS_PRIVATE_KEY=-----BEGIN KEY-----\r\nMIIEowIBAAKCAQEA0123\r\n-----END KEY-----\r\n"}
	require.Equal(t, "bad line REDACTED here", Secrets("bad line MIIEowIBAAKCAQEA0123 here", env, Known{}))
}

// TestHideSecretsURLQueryEncodedName: a query parameter's name is read
// decoded (p%61ssword is password) before it is matched to secretNames.
func TestHideSecretsURLQueryEncodedName(t *testing.T) {
	env := []string{"HOOK=https://hooks.example/x?p%61ssword=query-pw-0123"}
	require.Equal(t, "refused REDACTED", Secrets("refused query-pw-0123", env, Known{}))
}

// TestHideSecretsOverlapping: two secrets printed overlapping (the end of
// one is the start of the other) are hidden whole, as one REDACTED; an
// occurrence of each alone and two printed side by side stay two. Hidden
// one after another, longest first, the first left the rest of the
// second shown ("REDACTED5678xyz"). A URL's user info overlapping a
// secret still shows its '@' when it ends last.
func TestHideSecretsOverlapping(t *testing.T) {
	env := []string{"A_TOKEN=abcdefgh1234", "B_TOKEN=12345678xyz", "DB_URL=postgres://app:db-pw-12345@db/app", "C_KEY=secret-app"}
	for _, c := range []struct{ out, want string }{
		{"got abcdefgh12345678xyz.", "got REDACTED."},
		{"got 12345678xyz abcdefgh1234", "got REDACTED REDACTED"},
		{"got abcdefgh123412345678xyz", "got REDACTEDREDACTED"},
		{"dsn postgres://app:db-pw-12345@db/app", "dsn postgres://REDACTED@db/app"},
		{"as secret-app:db-pw-12345@db", "as REDACTED@db"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// TestHideSecretsURLFragment: a URL's fragment (an implicit OAuth flow's
// "#access_token=..."), of any variable, is hidden as redact.URL hides it
// in the controller's logs: whole and each of its values, as written and
// decoded, from minSecret bytes. It was shown.
func TestHideSecretsURLFragment(t *testing.T) {
	env := []string{"CALLBACK=https://app.example/cb#access_token=frag-tok%2B0123&token_type=bearer", "SHORT=https://app.example/#top"}
	for _, c := range []struct{ out, want string }{
		{"got frag-tok%2B0123", "got REDACTED"},
		{"got frag-tok+0123", "got REDACTED"},
		{"at https://app.example/cb#access_token=frag-tok%2B0123&token_type=bearer", "at https://app.example/cb#REDACTED"},
		{"a bearer token_type, #top", "a bearer token_type, #top"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// TestHideSecretsQueryValueWithSeparators: a secret-named query value
// holding ',' or ';' is hidden as written and decoded, and each part
// between them (a list, or a server reading ';' as '&'), from minSecret
// bytes. The value was cut at its ',' (a list of URLs is split at
// commas), so neither was hidden; a URL after the comma still is one.
func TestHideSecretsQueryValueWithSeparators(t *testing.T) {
	env := []string{"HOOKS=https://a.example/x?token=pa,rt-0123456&b=1,https://b.example/y?key=se;mi-0123%2C45"}
	for _, c := range []struct{ out, want string }{
		{"refused pa,rt-0123456", "refused REDACTED"},
		{"refused se;mi-0123%2C45", "refused REDACTED"},
		{"refused se;mi-0123,45", "refused REDACTED"},
		{"refused rt-0123456 and mi-0123%2C45", "refused REDACTED and REDACTED"},
		{"refused pa,https://b.example/y", "refused pa,https://b.example/y"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// TestHideSecrets: the longest secret is hidden first, so a shorter one
// that is part of it cannot leave its rest shown (it did, in the order of
// the environment); each line of a secret of several lines is hidden on
// its own; values under minSecret and of other names are left.
func TestHideSecrets(t *testing.T) {
	env := []string{
		"API_KEY=abcdefgh", "API_KEY_FULL=abcdefgh:supersecret-rest",
		"GITHUB_APP_PRIVATE_KEY=-----BEGIN KEY-----\nMIIEowIBAAKCAQEA0123\nZZZZsecondline9876\n-----END KEY-----\n",
		"PIN_PASS=1234", "REGION=eu-west-1-long",
	}
	for _, c := range []struct{ out, want string }{
		{"refused abcdefgh:supersecret-rest", "refused REDACTED"},
		{"refused abcdefgh alone", "refused REDACTED alone"},
		{"bad key line MIIEowIBAAKCAQEA0123 at 2", "bad key line REDACTED at 2"},
		{"pin 1234 in eu-west-1-long", "pin 1234 in eu-west-1-long"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// TestHideSecretsURLPasswords: of a URL in a variable of any name, the
// user info with a password is hidden at any length ("u:p@" has a ':' and
// an '@', so it blanks no unrelated word); the bare password only from
// minSecret bytes, as written (percent-encoded) and decoded; a URL list
// (PRESCALE_SCRAPE_TARGETS) has each of its URLs hidden; so has one whose
// "://" is mistyped, as redact.URL reads it (its password was shown).
func TestHideSecretsURLPasswords(t *testing.T) {
	env := []string{
		"SHORT_URL=http://a:b@h", "ENC_URL=https://ops:p%40ss-word-99@prom/",
		"TARGETS=http://x:first-pass-1@t1/m, http://y:second-pass-2@t2/m",
		"NO_PW_URL=https://ops@prom/", "EMPTY_PW_URL=https://ops:@prom/",
		"TYPO_URL=http//ops:typo-pass-77@prom", // a mistyped "://": shown whole
	}
	for _, c := range []struct{ out, want string }{
		{"GET http://a:b@h failed: a b", "GET http://REDACTED@h failed: a b"},
		{"url https://ops:p%40ss-word-99@prom/", "url https://REDACTED@prom/"},
		{"pw p%40ss-word-99 or p@ss-word-99", "pw REDACTED or REDACTED"},
		{"t1 first-pass-1, t2 y:second-pass-2@t2", "t1 REDACTED, t2 REDACTED@t2"},
		{"https://ops@prom/ and https://ops:@prom/", "https://ops@prom/ and https://ops:@prom/"},
		{"cannot reach http//ops:typo-pass-77@prom: typo-pass-77", "cannot reach http//REDACTED@prom: REDACTED"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// TestHideSecretsURLQueryTokens: of a URL in a variable of any name (a
// webhook receiver's PRESCALE_WEBHOOK_URL=https://hooks/x?token=T), the
// value of each query parameter whose name holds one of secretNames is
// hidden from minSecret bytes, as written and decoded; other parameters'
// values, and short ones, are left. Such a token was quoted as printed,
// though every log line of the controller shows the query as REDACTED.
func TestHideSecretsURLQueryTokens(t *testing.T) {
	env := []string{
		"PRESCALE_WEBHOOK_URL=https://hooks.example/x?receiver=pool-1234567&token=hook-tok-01%2B23#frag,https://h2/?apiKey=k-987654321",
		"OTHER=https://short/?token=abc&page=123456789", "NOT_A_URL=x?token=not-a-url-value",
	}
	for _, c := range []struct{ out, want string }{
		{"POST https://hooks.example/x?receiver=pool-1234567&token=hook-tok-01%2B23 failed", "POST https://hooks.example/x?receiver=pool-1234567&token=REDACTED failed"},
		{"token hook-tok-01+23, key k-987654321", "token REDACTED, key REDACTED"},
		{"abc page 123456789 not-a-url-value", "abc page 123456789 not-a-url-value"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, Known{}), c.out)
	}
}

// FuzzHideSecrets hides in any command output the values of secret-named
// variables and the password and secret-named query value of a URL in
// any variable: none of them shows in what is quoted, wherever and however
// often the output holds them (here each any run of [a-z0-9] of 8 bytes
// or more). Never a panic.
func FuzzHideSecrets(f *testing.F) {
	f.Add([]byte("quota exceeded for key "), "awssecretkey1", []byte(" at "), "hunter2pw", "qtoken99", []byte("\n"))
	f.Add([]byte("abcdefgh"), "abcdefgh1234", []byte("5678xyz"), "12345678xyz", "zzzzzzzz", []byte(""))
	f.Fuzz(func(t *testing.T, pre []byte, key string, mid []byte, pw, tok string, post []byte) {
		if !secretShaped(key) || !secretShaped(pw) || !secretShaped(tok) {
			return
		}
		env := []string{"AWS_SECRET_ACCESS_KEY=" + key, "HOOK=https://ops:" + pw + "@hooks.example/x?token=" + tok, "REGION=eu-west-1"}
		out := string(pre) + key + string(mid) + pw + tok + string(post)
		got := Secrets(out, env, Known{})
		for _, s := range []string{key, pw, tok} {
			if strings.Contains(got, s) {
				t.Fatalf("Secrets(%q) = %q shows %q", out, got, s)
			}
		}
	})
}

// secretShaped: [a-z0-9]{8,}, which no escape of %q and no mark
// (REDACTED, ...) can make up.
func secretShaped(s string) bool {
	return len(s) >= 8 && strings.IndexFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) < 0
}

// TestHideShortSecretHeaderValues: a header's value known to be a secret
// by the header's name (Authorization, X-Api-Key: one of secretNames) is
// hidden at any length; under redact.MinHidden bytes only where it stands
// as a word of its own, not inside a longer run of letters and digits
// ("abc12345", "k3ys"), so it blanks no unrelated word. Another header's
// short value (X-Scope-OrgID's tenant) is still shown, as a secret-named
// variable's short value is (AUTH_ENABLED=true). Before, every header
// value under 8 bytes was shown: a 5-byte bearer token printed alone, a
// 3-byte API key.
func TestHideShortSecretHeaderValues(t *testing.T) {
	known := Known{Headers: []string{"Authorization=Bearer abc12", "X-Api-Key= k3y ", "X-Scope-OrgID=team1", "X-Auth-Token=", "Malformed"}}
	env := []string{"AUTH_ENABLED=true"}
	for _, c := range []struct{ out, want string }{
		{"401: Bearer abc12 (abc12)", "401: REDACTED (REDACTED)"},
		{"abc12 refused", "REDACTED refused"},
		{"key=k3y; tenant team1; auth true", "key=REDACTED; tenant team1; auth true"},
		{"abc12345 xabc12 k3ys k3y_1 _k3y", "abc12345 xabc12 k3ys k3y_1 _k3y"},
		{"k3yk3y abc12abc12", "k3yk3y abc12abc12"},
		{"k3y", "REDACTED"},
	} {
		require.Equal(t, c.want, Secrets(c.out, env, known), c.out)
	}
	basic := Known{Headers: []string{"Authorization=Basic b3BzOnB3"}} // ops:pw
	require.Equal(t, "ops REDACTED: REDACTED", Secrets("ops pw: b3BzOnB3", nil, basic))
	require.Equal(t, "pwd", Secrets("pwd", nil, basic))
}
