package config

import (
	"fmt"
	"net"
	"strings"
)

// validate checks the configuration as a whole and returns every problem,
// each pointing at its key (and line, when it came from the file).
func (l *Loaded) validate() []Problem {
	c := l.Config
	var probs []Problem
	bad := func(key, format string, args ...any) {
		p := Problem{Key: key, Msg: fmt.Sprintf(format, args...)}
		if line := l.lines[key]; line > 0 {
			p.File, p.Line = l.File, line
		}
		probs = append(probs, p)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("server.addr", "invalid listen address %q (want host:port or :port)", c.Server.Addr)
	}
	if c.Server.BodyLimit < 1024 {
		bad("server.body_limit", "must be at least 1KiB, got %s", c.Server.BodyLimit)
	}
	if c.Server.UploadLimit < c.Server.BodyLimit {
		bad("server.upload_limit", "must be at least server.body_limit (%s)", c.Server.BodyLimit)
	}
	if c.Database.Driver != "sqlite" {
		bad("database.driver", "unknown driver %q (supported: sqlite)", c.Database.Driver)
	}
	if c.Database.ReadConnections < 1 || c.Database.ReadConnections > 256 {
		bad("database.read_connections", "must be between 1 and 256, got %d", c.Database.ReadConnections)
	}
	switch c.Artifacts.Backend {
	case "local":
	case "s3":
		s3 := c.Artifacts.S3
		if s3.Endpoint == "" {
			bad("artifacts.s3.endpoint", "required when artifacts.backend is s3")
		} else if strings.Contains(s3.Endpoint, "://") {
			bad("artifacts.s3.endpoint", "give host:port without a scheme (use artifacts.s3.use_ssl for https), got %q", s3.Endpoint)
		}
		if s3.Bucket == "" {
			bad("artifacts.s3.bucket", "must not be empty")
		}
	default:
		bad("artifacts.backend", "unknown backend %q (supported: local, s3)", c.Artifacts.Backend)
	}
	switch c.Auth.AnonymousRole {
	case "", "viewer", "editor":
	case "admin":
		bad("auth.anonymous_role", "admin can never be anonymous")
	default:
		bad("auth.anonymous_role", "unknown role %q (want \"\", viewer or editor)", c.Auth.AnonymousRole)
	}
	if t := c.Auth.AdminToken; t != "" && len(t) < 16 {
		bad("auth.admin_token", "must be at least 16 characters")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "unknown level %q (want debug, info, warn or error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format", "unknown format %q (want json or text)", c.Log.Format)
	}
	validateRegistry(c.Registry, bad)
	validateServing(c.Serving, bad)
	validateLive(c.Live, bad)
	validateTraining(c.Training, bad)
	return probs
}
