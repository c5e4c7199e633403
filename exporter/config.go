package exporter

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/internal/redact"
)

// EnvPrefix is the prefix of every environment variable the exporter reads.
const EnvPrefix = "PRESCALE"

// Default values, kept in one place so the docs and the tags agree.
const (
	DefaultListen             = ":9110"
	DefaultProbeTimeout       = 2 * time.Second
	DefaultAppMaxConnections  = 100
	DefaultMountPointsExclude = `^/(dev|proc|sys|run/credentials/.+|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`
	DefaultFSTypesExclude     = `^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$`
	DefaultMaxInFlight        = 64
	DefaultDiskDevicesExclude = `^(ram|zram|loop|fd)\d+$|^(sd|hd|vd|xvd)[a-z]+\d+$|^nvme\d+n\d+p\d+$|^mmcblk\d+p\d+$`
)

// Config is the exporter's configuration, read from PRESCALE_* environment
// variables with envconfig (in cmd/ only). The zero value of an optional
// field disables the feature it names, as each desc tag says.
type Config struct {
	Listen             string        `envconfig:"EXPORTER_LISTEN" default:":9110" desc:"host:port the exporter listens on (/metrics, /healthz, landing page)"`
	LogLevel           slog.Level    `envconfig:"EXPORTER_LOG_LEVEL" default:"info" desc:"least level logged to stderr: debug (also each repeat of an outage already reported), info, warn or error (prescale run logs by PRESCALE_LOG_LEVEL)"`
	AppURL             string        `envconfig:"APP_URL" desc:"http(s) URL of the application probed on every scrape; empty disables the probe"`
	AppPort            int           `envconfig:"APP_PORT" default:"0" desc:"local TCP port of the application whose connections are counted by state, in [0, 65535]; 0 disables"`
	AppProcess         string        `envconfig:"APP_PROCESS" desc:"application process: a process name (as in /proc/<pid>/comm) or the path of a pid file (contains a /); empty disables"`
	AppMaxConnections  int           `envconfig:"APP_MAX_CONNECTIONS" default:"100" desc:"established connections on PRESCALE_APP_PORT that count as full load in prescale_app_load_score; 0 leaves connections out of the score"`
	ProbeTimeout       time.Duration `envconfig:"APP_PROBE_TIMEOUT" default:"2s" desc:"timeout of the HTTP probe of PRESCALE_APP_URL, in (0s, 1m]; a probe this slow counts as full load; a scrape that names its timeout (X-Prometheus-Scrape-Timeout-Seconds, as Prometheus does) ends it half a second before that"`
	MountPointsExclude string        `envconfig:"EXPORTER_FS_MOUNT_POINTS_EXCLUDE" default:"^/(dev|proc|sys|run/credentials/.+|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)" desc:"regexp of mount points left out of the filesystem metrics; empty excludes none"`
	FSTypesExclude     string        `envconfig:"EXPORTER_FS_TYPES_EXCLUDE" default:"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$" desc:"regexp of filesystem types (pseudo file systems) left out of the filesystem metrics; empty excludes none"`
	MaxInFlight        int           `envconfig:"EXPORTER_MAX_IN_FLIGHT" default:"64" desc:"concurrent /metrics requests served; more are answered 503 at once (promhttp's MaxRequestsInFlight); 0: no limit"`
	DiskDevicesExclude string        `envconfig:"EXPORTER_DISK_DEVICES_EXCLUDE" default:"^(ram|zram|loop|fd)\\d+$|^(sd|hd|vd|xvd)[a-z]+\\d+$|^nvme\\d+n\\d+p\\d+$|^mmcblk\\d+p\\d+$" desc:"regexp of block devices (partitions, loop and ram disks) left out of the disk I/O metrics; empty excludes none"`
}

// DefaultConfig returns the configuration envconfig produces from an empty
// environment.
func DefaultConfig() Config {
	return Config{
		Listen:             DefaultListen,
		AppMaxConnections:  DefaultAppMaxConnections,
		ProbeTimeout:       DefaultProbeTimeout,
		MaxInFlight:        DefaultMaxInFlight,
		MountPointsExclude: DefaultMountPointsExclude,
		FSTypesExclude:     DefaultFSTypesExclude,
		DiskDevicesExclude: DefaultDiskDevicesExclude,
	}
}

// Environment variable names, as the errors of Validate print them.
const (
	envListen             = EnvPrefix + "_EXPORTER_LISTEN"
	envAppURL             = EnvPrefix + "_APP_URL"
	envAppPort            = EnvPrefix + "_APP_PORT"
	envAppProcess         = EnvPrefix + "_APP_PROCESS"
	envAppMaxConnections  = EnvPrefix + "_APP_MAX_CONNECTIONS"
	envProbeTimeout       = EnvPrefix + "_APP_PROBE_TIMEOUT"
	envMountPointsExclude = EnvPrefix + "_EXPORTER_FS_MOUNT_POINTS_EXCLUDE"
	envFSTypesExclude     = EnvPrefix + "_EXPORTER_FS_TYPES_EXCLUDE"
	envDiskDevicesExclude = EnvPrefix + "_EXPORTER_DISK_DEVICES_EXCLUDE"
	envMaxInFlight        = EnvPrefix + "_EXPORTER_MAX_IN_FLIGHT"
)

// maxProbeTimeout bounds the probe so one scrape cannot hang for minutes.
const maxProbeTimeout = time.Minute

// Validate checks every field and returns one error per bad variable,
// joined, each starting with the variable's name.
func (c Config) Validate() error {
	var errs []error
	add := func(name, format string, args ...any) {
		// A value is quoted to 100 bytes, however long (FuzzConfigEnv).
		errs = append(errs, fmt.Errorf("%s: %s", name, redact.CutQuoted(fmt.Sprintf(format, args...), redact.MaxEchoed)))
	}

	if err := validateListen(c.Listen); err != nil {
		add(envListen, "invalid listen address %q: %v", c.Listen, err)
	}
	if c.AppURL != "" {
		u, err := url.Parse(c.AppURL)
		switch {
		case err != nil:
			add(envAppURL, "invalid URL: %v", redact.Err(err))
		case u.Scheme != "http" && u.Scheme != "https":
			add(envAppURL, "scheme of %q must be http or https", redact.URL(c.AppURL))
		case u.Host == "":
			add(envAppURL, "URL %q has no host", redact.URL(c.AppURL))
		case !urlPort(u.Port()):
			// url.Parse takes any digits: each probe then failed
			// ("dial tcp: address 99999: invalid port").
			add(envAppURL, "port %q of the URL is not in [1, 65535]", redact.Cut(u.Port(), redact.MaxEchoed))
		case redact.CheckAuthority(c.AppURL) != nil:
			add(envAppURL, "URL %q %v", redact.URL(c.AppURL), redact.CheckAuthority(c.AppURL))
		}
	}
	if c.AppPort < 0 || c.AppPort > 65535 {
		add(envAppPort, "port %d out of range 0-65535", c.AppPort)
	}
	if strings.TrimSpace(c.AppProcess) != c.AppProcess {
		add(envAppProcess, "%q has leading or trailing spaces", c.AppProcess)
	}
	if c.AppMaxConnections < 0 {
		add(envAppMaxConnections, "must be >= 0, got %d", c.AppMaxConnections)
	}
	if c.MaxInFlight < 0 {
		add(envMaxInFlight, "must be >= 0 (0: no limit), got %d", c.MaxInFlight)
	}
	if c.ProbeTimeout <= 0 || c.ProbeTimeout > maxProbeTimeout {
		add(envProbeTimeout, "must be in (0s, %s], got %s", maxProbeTimeout, c.ProbeTimeout)
	}
	for _, re := range []struct{ name, expr string }{
		{envMountPointsExclude, c.MountPointsExclude},
		{envFSTypesExclude, c.FSTypesExclude},
		{envDiskDevicesExclude, c.DiskDevicesExclude},
	} {
		if _, err := regexp.Compile(re.expr); err != nil {
			add(re.name, "invalid regexp: %v", regexpError(err))
		}
	}
	return errors.Join(errs...)
}

func validateListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return errors.New(ae.Err)
		}
		return err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q is not a number in 0-65535", port)
	}
	return nil
}

// regexpError is err with the part of the expression it quotes (the
// whole of it for a missing parenthesis) cut to 100 bytes.
func regexpError(err error) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	return fmt.Sprintf("error parsing regexp: %s: `%s`", se.Code, redact.Cut(se.Expr, redact.MaxEchoed))
}

// compileExclude compiles an exclude regexp; an empty one matches nothing.
func compileExclude(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	return regexp.Compile(expr)
}

// urlPort reports whether a URL's port (url.URL.Port) is "" (the
// scheme's) or in [1, 65535].
func urlPort(port string) bool {
	n, err := strconv.Atoi(port)
	return port == "" || err == nil && n >= 1 && n <= 65535
}
