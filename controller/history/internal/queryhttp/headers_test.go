package queryhttp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseHeadersHidesAValueInTheName: an entry written as curl's
// "Name: value" whose value holds a '=' (a base64 token's padding) is cut
// at that '=', so the value is in what reads as the name: the error names
// the entry and the name's valid start, never the rest. It quoted
// "Authorization: Bearer c2VjcmV0dG9rZW4xMjM0NQ" whole.
func TestParseHeadersHidesAValueInTheName(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{"Authorization: Bearer c2VjcmV0dG9rZW4xMjM0NQ==",
			`entry 1: a header name cannot hold ':' (after "Authorization"; the rest of the entry, which may be its value, is not shown): want NAME=VALUE`},
		{"Bad Name=s3cret", `entry 1: a header name cannot hold ' ' (after "Bad"; the rest of the entry, which may be its value, is not shown): want NAME=VALUE`},
		{"(x=1", `entry 1: a header name cannot hold '(' (at its start; the rest of the entry, which may be its value, is not shown): want NAME=VALUE`},
	} {
		_, err := ParseHeaders([]string{tc.entry})
		require.EqualError(t, err, tc.want)
	}
}
