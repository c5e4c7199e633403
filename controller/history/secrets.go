package history

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// sentSecrets are the credentials a Remote sends that a server's answer
// may echo (a proxy's "denied: auth=Bearer T", a tenant's key quoted in
// an error): of each header's value, what redact.HeaderValue hides (the
// value, its credentials without the scheme, a Basic one's password), of
// redact.MinHidden bytes or more (a shorter value is a tenant's name
// rather than a secret, and hiding it would blank other words); of the
// URL's user info, the Basic credential net/http sends of it (base64 of
// user:password) and the password as written and decoded from as many
// bytes. Longest first.
func sentSecrets(addr string, headers http.Header) []string {
	var out []string
	for _, vs := range headers {
		for _, v := range vs {
			out = append(out, redact.HeaderValue(v)...)
		}
	}
	if u, err := url.Parse(addr); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		out = append(out, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)))
		if _, raw, decoded, ok := redact.UserInfo(addr); ok {
			out = append(out, raw, decoded)
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return len(s) < redact.MinHidden })
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(out)
}

// hideSent replaces in s, text a server answered, each occurrence of each
// of secrets with redact.Mark, occurrences that overlap or touch as one
// (one hidden after another, the rest of a longer one overlapping a
// shorter one would show).
func hideSent(s string, secrets []string) string {
	var hidden []bool
	for _, sec := range secrets {
		for i := 0; ; i++ {
			j := strings.Index(s[i:], sec)
			if j < 0 {
				break
			}
			if hidden == nil {
				hidden = make([]bool, len(s))
			}
			i += j
			for k := i; k < i+len(sec); k++ {
				hidden[k] = true
			}
		}
	}
	if hidden == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case !hidden[i]:
			b.WriteByte(s[i])
		case i == 0 || !hidden[i-1]:
			b.WriteString(redact.Mark)
		}
	}
	return b.String()
}
