// Package config holds Paddock's configuration: one YAML file, documented
// key by key in docs/configuration.md, overridden by PADDOCK_* environment
// variables and then by command-line flags. Loading validates the whole
// configuration in one place and names the file, line and key of every
// problem, so that nothing starts on a broken file.
package config

import (
	"runtime"
	"time"
)

// Config is the whole of Paddock's configuration. The zero value is not
// useful; start from Default.
type Config struct {
	// DataDir holds the SQLite database and the local artifact store.
	// Default "./paddock-data"; env PADDOCK_DATA_DIR.
	DataDir   string          `yaml:"data_dir"`
	Server    ServerConfig    `yaml:"server"`
	Database  DatabaseConfig  `yaml:"database"`
	Artifacts ArtifactsConfig `yaml:"artifacts"`
	Auth      AuthConfig      `yaml:"auth"`
	Log       LogConfig       `yaml:"log"`
	Registry  RegistryConfig  `yaml:"registry"`
	Serving   ServingConfig   `yaml:"serving"`
	Live      LiveConfig      `yaml:"live"`
	Training  TrainingConfig  `yaml:"training"`
	// Demo brings up the demo project (package demo) when Paddock starts
	// on an empty store: experiments, two registered models, a shadow
	// experiment with synthetic traffic and a training job. It never
	// touches a store that holds anything else. Default true; env
	// PADDOCK_DEMO; flag --no-demo turns it off.
	Demo bool `yaml:"demo"`
}

// ServerConfig configures the HTTP server.
type ServerConfig struct {
	// Addr is the listen address. Default ":8080"; env PADDOCK_ADDR.
	Addr string `yaml:"addr"`
	// BodyLimit caps a request body on JSON routes. Default 32MiB.
	BodyLimit ByteSize `yaml:"body_limit"`
	// UploadLimit caps one artifact upload (streamed). Default 5GiB.
	UploadLimit ByteSize `yaml:"upload_limit"`
	// ReadTimeout bounds reading one request. Default 60s.
	ReadTimeout Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing one response. Default 0 (none), so long
	// downloads and live log tails are not cut.
	WriteTimeout Duration `yaml:"write_timeout"`
	// IdleTimeout closes idle keep-alive connections. Default 120s.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// ShutdownTimeout bounds the graceful drain on SIGTERM. Default 15s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
}

// DatabaseConfig configures the metadata store.
type DatabaseConfig struct {
	// Driver is "sqlite" (the embedded default). Default "sqlite".
	Driver string `yaml:"driver"`
	// Path is the SQLite file. Default "<data_dir>/paddock.db".
	Path string `yaml:"path"`
	// BusyTimeout is how long a connection waits for a lock. Default 5s.
	BusyTimeout Duration `yaml:"busy_timeout"`
	// ReadConnections is the size of the read pool. Default max(4, 2×CPUs).
	ReadConnections int `yaml:"read_connections"`
}

// ArtifactsConfig selects and configures the artifact store.
type ArtifactsConfig struct {
	// Backend is "local" or "s3". Default "local".
	Backend string      `yaml:"backend"`
	Local   LocalConfig `yaml:"local"`
	S3      S3Config    `yaml:"s3"`
}

// LocalConfig configures the local filesystem artifact store.
type LocalConfig struct {
	// Root is the directory holding artifacts. Default "<data_dir>/artifacts".
	Root string `yaml:"root"`
}

// S3Config configures an S3-compatible artifact store such as MinIO.
type S3Config struct {
	// Endpoint is host:port of the S3 API, without scheme. Required for s3.
	Endpoint string `yaml:"endpoint"`
	// Bucket is created when missing. Default "paddock".
	Bucket string `yaml:"bucket"`
	// AccessKey and SecretKey are the credentials (secret: masked in output).
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key" secret:"true"`
	// Region of the bucket. Default "us-east-1".
	Region string `yaml:"region"`
	// UseSSL selects https. Default false.
	UseSSL bool `yaml:"use_ssl"`
	// Prefix is prepended to every key, to share a bucket. Default "".
	Prefix string `yaml:"prefix"`
}

// AuthConfig configures API tokens and anonymous access.
type AuthConfig struct {
	// AnonymousRole is the role given to requests without a token: ""
	// (none, the default: every API call needs a token), "viewer" (open
	// reads) or "editor". Admin is never anonymous.
	AnonymousRole string `yaml:"anonymous_role"`
	// AdminToken, when set, is accepted as an admin token (bootstrap).
	// Default ""; env PADDOCK_ADMIN_TOKEN. When empty and no admin token
	// exists, one is generated and printed once on first start.
	AdminToken string `yaml:"admin_token" secret:"true"`
}

// LogConfig configures structured logs on stderr.
type LogConfig struct {
	// Level is debug, info, warn or error. Default "info".
	Level string `yaml:"level"`
	// Format is "json" or "text". Default "json".
	Format string `yaml:"format"`
	// Access writes one line per HTTP request (probes excluded).
	// Default true.
	Access bool `yaml:"access"`
}

// Default returns the configuration used when no file and no environment
// variable says otherwise.
func Default() *Config {
	return &Config{
		DataDir: "./paddock-data",
		Server: ServerConfig{
			Addr:            ":8080",
			BodyLimit:       32 << 20,
			UploadLimit:     5 << 30,
			ReadTimeout:     Duration(60 * time.Second),
			IdleTimeout:     Duration(120 * time.Second),
			ShutdownTimeout: Duration(15 * time.Second),
		},
		Database: DatabaseConfig{
			Driver:          "sqlite",
			BusyTimeout:     Duration(5 * time.Second),
			ReadConnections: max(4, 2*runtime.NumCPU()),
		},
		Artifacts: ArtifactsConfig{
			Backend: "local",
			S3:      S3Config{Bucket: "paddock", Region: "us-east-1"},
		},
		Log:      LogConfig{Level: "info", Format: "json", Access: true},
		Serving:  defaultServing(),
		Live:     defaultLive(),
		Training: defaultTraining(),
		Demo:     true,
	}
}
