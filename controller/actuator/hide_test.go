package actuator

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHideSecretsEveryName: a variable whose name holds any one of
// secretNames, in any case, has its value hidden; one holding none is
// left as written.
func TestHideSecretsEveryName(t *testing.T) {
	for _, name := range []string{"APP_SECRET", "vault_token", "DB_PASSWORD", "SIGNING_KEY", "GCP_CREDENTIALS", "BASIC_AUTH", "PRIVATE_PEM"} {
		require.Equal(t, "got REDACTED", hideSecrets("got value-0123456789", []string{name + "=value-0123456789"}, nil), name)
	}
	require.Equal(t, "got value-0123456789", hideSecrets("got value-0123456789", []string{"DEPLOY_REGION=value-0123456789"}, nil))
}

// TestHideSecretsCRLFLines: each line of a secret of several lines with
// CRLF line ends (a PEM key from a file edited on Windows) is hidden
// without its CR, as a command prints one line of it.
func TestHideSecretsCRLFLines(t *testing.T) {
	env := []string{"TLS_PRIVATE_KEY=-----BEGIN KEY-----\r\nMIIEowIBAAKCAQEA0123\r\n-----END KEY-----\r\n"}
	require.Equal(t, "bad line REDACTED here", hideSecrets("bad line MIIEowIBAAKCAQEA0123 here", env, nil))
}

// TestHideSecretsURLQueryEncodedName: a query parameter's name is read
// decoded (p%61ssword is password) before it is matched to secretNames.
func TestHideSecretsURLQueryEncodedName(t *testing.T) {
	env := []string{"HOOK=https://hooks.example/x?p%61ssword=query-pw-0123"}
	require.Equal(t, "refused REDACTED", hideSecrets("refused query-pw-0123", env, nil))
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
		require.Equal(t, c.want, hideSecrets(c.out, env, nil), c.out)
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
		require.Equal(t, c.want, hideSecrets(c.out, env, nil), c.out)
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
		require.Equal(t, c.want, hideSecrets(c.out, env, nil), c.out)
	}
}
