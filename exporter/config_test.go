package exporter

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string // exact error; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"loopback with port 0", func(c *Config) { c.Listen = "127.0.0.1:0" }, ""},
		{"all app settings", func(c *Config) {
			c.AppURL, c.AppPort, c.AppProcess = "https://app.example:8443/health", 8443, "/run/app.pid"
		}, ""},
		{"empty excludes", func(c *Config) { c.MountPointsExclude, c.FSTypesExclude, c.DiskDevicesExclude = "", "", "" }, ""},
		{"listen without port", func(c *Config) { c.Listen = "localhost" },
			`PRESCALE_EXPORTER_LISTEN: invalid listen address "localhost": missing port in address`},
		{"listen with bad port", func(c *Config) { c.Listen = ":http" },
			`PRESCALE_EXPORTER_LISTEN: invalid listen address ":http": port "http" is not a number in 0-65535`},
		{"listen port out of range", func(c *Config) { c.Listen = ":70000" },
			`PRESCALE_EXPORTER_LISTEN: invalid listen address ":70000": port "70000" is not a number in 0-65535`},
		{"app URL unparsable", func(c *Config) { c.AppURL = "http://[::1" },
			`PRESCALE_APP_URL: invalid URL: parse http://[::1: missing ']' in host`},
		{"app URL password unparsable", func(c *Config) { c.AppURL = "http://u:SECRET@[::1" },
			`PRESCALE_APP_URL: invalid URL: parse http://REDACTED@[::1: missing ']' in host`},
		{"app URL token redacted", func(c *Config) { c.AppURL = "ftp://app/?token=SECRET" },
			`PRESCALE_APP_URL: scheme of "ftp://app/?REDACTED" must be http or https`},
		{"app URL password cut short", func(c *Config) { c.AppURL = "http://u:p@SE/CRET@app:8080/health" },
			`PRESCALE_APP_URL: URL "http://REDACTED@app:8080/health" holds an '@' or a '#' after its host: a password (or user) holding '/', '?', '#' or '@' must write them percent-encoded (%2F, %3F, %23, %40), and a server's URL has no #fragment`},
		{"app URL scheme", func(c *Config) { c.AppURL = "ftp://app/" },
			`PRESCALE_APP_URL: scheme of "ftp://app/" must be http or https`},
		{"app URL without host", func(c *Config) { c.AppURL = "http:///health" },
			`PRESCALE_APP_URL: URL "http:///health" has no host`},
		{"app port negative", func(c *Config) { c.AppPort = -1 },
			`PRESCALE_APP_PORT: port -1 out of range 0-65535`},
		{"app port too big", func(c *Config) { c.AppPort = 65536 },
			`PRESCALE_APP_PORT: port 65536 out of range 0-65535`},
		{"app process with spaces", func(c *Config) { c.AppProcess = " nginx" },
			`PRESCALE_APP_PROCESS: " nginx" has leading or trailing spaces`},
		{"max connections negative", func(c *Config) { c.AppMaxConnections = -5 },
			`PRESCALE_APP_MAX_CONNECTIONS: must be >= 0, got -5`},
		{"probe timeout zero", func(c *Config) { c.ProbeTimeout = 0 },
			`PRESCALE_APP_PROBE_TIMEOUT: must be in (0s, 1m0s], got 0s`},
		{"probe timeout too long", func(c *Config) { c.ProbeTimeout = 2 * time.Minute },
			`PRESCALE_APP_PROBE_TIMEOUT: must be in (0s, 1m0s], got 2m0s`},
		{"mount point regexp", func(c *Config) { c.MountPointsExclude = "(" },
			"PRESCALE_EXPORTER_FS_MOUNT_POINTS_EXCLUDE: invalid regexp: error parsing regexp: missing closing ): `(`"},
		{"fs type regexp", func(c *Config) { c.FSTypesExclude = "[a" },
			"PRESCALE_EXPORTER_FS_TYPES_EXCLUDE: invalid regexp: error parsing regexp: missing closing ]: `[a`"},
		{"disk device regexp", func(c *Config) { c.DiskDevicesExclude = "*" },
			"PRESCALE_EXPORTER_DISK_DEVICES_EXCLUDE: invalid regexp: error parsing regexp: missing argument to repetition operator: `*`"},
		{"every bad variable is reported", func(c *Config) { c.AppPort, c.AppMaxConnections = -1, -1 },
			"PRESCALE_APP_PORT: port -1 out of range 0-65535\nPRESCALE_APP_MAX_CONNECTIONS: must be >= 0, got -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.modify(&cfg)
			err := cfg.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
		})
	}
}

// TestDefaultConfigMatchesTags keeps DefaultConfig and the envconfig
// default tags in step: both are what an empty environment means.
func TestDefaultConfigMatchesTags(t *testing.T) {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, EnvPrefix+"_") {
			t.Setenv(strings.SplitN(kv, "=", 2)[0], "")
			require.NoError(t, os.Unsetenv(strings.SplitN(kv, "=", 2)[0]))
		}
	}
	var cfg Config
	require.NoError(t, envconfig.Process(EnvPrefix, &cfg))
	require.Equal(t, DefaultConfig(), cfg)
	require.NoError(t, cfg.Validate())
}

func TestEnvconfigNamesTheVariable(t *testing.T) {
	tests := []struct{ name, env, value string }{
		{"port not a number", "PRESCALE_APP_PORT", "abc"},
		{"timeout not a duration", "PRESCALE_APP_PROBE_TIMEOUT", "soon"},
		{"max connections not a number", "PRESCALE_APP_MAX_CONNECTIONS", "many"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			var cfg Config
			err := envconfig.Process(EnvPrefix, &cfg)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.env)
		})
	}
}

// TestPidFileNeedsHostRoot: a pid file with HOST_PROC set and HOST_ROOT not
// is refused at start (the exporter's own file, a pid of another pid
// namespace looked up among HOST_PROC's processes), naming both variables;
// HOST_ROOT, a process name or the default /proc are accepted.
func TestPidFileNeedsHostRoot(t *testing.T) {
	t.Setenv("HOST_PROC", "")
	t.Setenv("HOST_ROOT", "")
	proc, root := t.TempDir(), t.TempDir()
	tests := []struct {
		name, spec string
		env        common.EnvMap
		want       string // error substring; "" means accepted
	}{
		{"pid file, HOST_PROC only", "/run/app.pid", common.EnvMap{common.HostProcEnvKey: proc},
			"PRESCALE_APP_PROCESS=/run/app.pid is a pid file in the exporter's own file system, but HOST_PROC=" + proc + " looks its pid up in another pid namespace: set HOST_ROOT"},
		{"relative pid file, HOST_PROC only", "run/app.pid", common.EnvMap{common.HostProcEnvKey: proc}, "PRESCALE_APP_PROCESS=run/app.pid is a pid file"},
		{"HOST_ROOT of / is no root", "/run/app.pid", common.EnvMap{common.HostProcEnvKey: proc, common.HostRootEnvKey: "/"}, "set HOST_ROOT"},
		{"pid file, HOST_PROC and HOST_ROOT", "/run/app.pid", common.EnvMap{common.HostProcEnvKey: proc, common.HostRootEnvKey: root}, ""},
		{"process name, HOST_PROC only", "nginx", common.EnvMap{common.HostProcEnvKey: proc}, ""},
		{"pid file, HOST_PROC=/proc/", "/run/app.pid", common.EnvMap{common.HostProcEnvKey: "/proc/"}, ""},
		{"pid file, no roots moved", "/run/app.pid", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.AppProcess = tc.spec
			_, err := NewCollector(cfg, WithEnv(tc.env))
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}
