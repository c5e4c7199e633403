package config

import (
	"errors"
	"net/url"
	"strings"

	"github.com/prescale/prescale/internal/tlsfiles"
)

// PrometheusTLS is the history source's TLS files and server name, and
// the host of PRESCALE_PROMETHEUS_URL.
func (c *Config) PrometheusTLS() tlsfiles.Files {
	return tlsfiles.Files{CA: c.PrometheusCAFile, Cert: c.PrometheusCertFile, Key: c.PrometheusKeyFile, ServerName: c.PrometheusServerName, Host: URLHost(c.PrometheusURL)}
}

// URLHost is the host of the URL u without its port ("" when u does not
// parse): the name its server's certificate must hold.
func URLHost(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}

// TLSVar is the variable (without PRESCALE_) of a tlsfiles.Error's file.
func TLSVar(which string) string {
	switch which {
	case tlsfiles.CA:
		return "PROMETHEUS_CA_FILE"
	case tlsfiles.Cert:
		return "PROMETHEUS_CERT_FILE"
	default:
		return "PROMETHEUS_KEY_FILE"
	}
}

// validateTLS reads the history source's TLS files, as the history
// source will at start: a certificate without its key (or the reverse),
// a file that cannot be read, is no PEM of what it should hold, or a key
// that is not the certificate's, is an error naming the variable and the
// file, never what the file holds.
func (c *Config) validateTLS(bad badFunc) {
	f := c.PrometheusTLS()
	switch {
	case c.PrometheusURL == "":
		return // unused (Unused warns)
	case f.Cert != "" && f.Key == "":
		bad("PROMETHEUS_KEY_FILE", "must be set with PRESCALE_PROMETHEUS_CERT_FILE (the client certificate's key)")
		return
	case f.Cert == "" && f.Key != "":
		bad("PROMETHEUS_CERT_FILE", "must be set with PRESCALE_PROMETHEUS_KEY_FILE (the certificate of that key)")
		return
	}
	if _, err := tlsfiles.Config(f, nil); err != nil {
		var fe *tlsfiles.Error
		if errors.As(err, &fe) {
			bad(TLSVar(fe.Which), "%v", err)
		} else {
			bad(TLSVar(tlsfiles.Cert), "%v", err)
		}
	}
}

// unusedTLSVars lists the TLS settings of a history source that does not
// use them: the embedded store, or a Prometheus reached over http://.
func (c *Config) unusedTLSVars() []string {
	why := ""
	switch {
	case c.PrometheusURL == "":
		why = "PRESCALE_PROMETHEUS_URL is empty, so history is read from the embedded store"
	case !strings.HasPrefix(strings.ToLower(c.PrometheusURL), "https://"):
		why = "PRESCALE_PROMETHEUS_URL is not https://, so no TLS"
	default:
		return nil
	}
	var out []string
	for _, v := range []struct{ name, value string }{
		{"PRESCALE_PROMETHEUS_CA_FILE", c.PrometheusCAFile}, {"PRESCALE_PROMETHEUS_CERT_FILE", c.PrometheusCertFile},
		{"PRESCALE_PROMETHEUS_KEY_FILE", c.PrometheusKeyFile}, {"PRESCALE_PROMETHEUS_SERVER_NAME", c.PrometheusServerName},
	} {
		if v.value != "" {
			out = append(out, v.name+" is set but unused: "+why)
		}
	}
	return out
}
