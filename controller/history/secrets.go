package history

import (
	"cmp"
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
// user:password) and the password as written and decoded; of its query
// (sent with every query_range, which POSTs to the URL as written), the
// whole and each value as written and decoded: a proxy's "no route for
// POST /api/v1/query_range?api_key=T" quoted T. All from as many bytes,
// longest first.
func sentSecrets(addr string, headers http.Header) []string {
	var out []string
	for _, vs := range headers {
		for _, v := range vs {
			out = append(out, redact.HeaderValue(v)...)
		}
	}
	u, err := url.Parse(addr)
	if err != nil {
		u = &url.URL{}
	}
	out = append(out, redact.URLSent(u)...)
	if u.User != nil {
		if _, raw, decoded, ok := redact.UserInfo(addr); ok {
			out = append(out, raw, decoded)
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return len(s) < redact.MinHidden })
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(out)
}

// URLSecrets are the credentials a request to addr carries of the URL
// itself (sentSecrets without headers: the Basic credential and password
// of its user info, its query and each value), which text a server
// answered hides (redact.HideEchoed): the embedded store's scrape errors
// quoting what a target answered (scrape.Scraper).
func URLSecrets(addr string) []string { return sentSecrets(addr, nil) }
