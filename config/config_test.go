package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsWithoutFile(t *testing.T) {
	l, err := Load("", noEnv, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Server.Addr != ":8080" || l.Artifacts.Backend != "local" || l.Database.Driver != "sqlite" {
		t.Fatalf("unexpected defaults: %+v", l.Config)
	}
	if want := filepath.Join("./paddock-data", "paddock.db"); l.Database.Path != want {
		t.Fatalf("database.path = %q, want %q", l.Database.Path, want)
	}
}

func TestFileAndEnvOverrides(t *testing.T) {
	yml := `
data_dir: /srv/paddock
server:
  addr: 127.0.0.1:9000
  body_limit: 8MiB
  shutdown_timeout: 3s
artifacts:
  backend: s3
  s3:
    endpoint: 127.0.0.1:9100
    use_ssl: false
`
	env := envOf(map[string]string{
		"PADDOCK_ADDR":                      "127.0.0.1:7000",
		"PADDOCK_ARTIFACTS_S3_BUCKET":       "models",
		"PADDOCK_DATABASE_READ_CONNECTIONS": "3",
	})
	l, err := Parse("paddock.yaml", []byte(yml), env)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Server.Addr != "127.0.0.1:7000" {
		t.Errorf("PADDOCK_ADDR did not override: %q", c.Server.Addr)
	}
	if c.Server.BodyLimit != 8<<20 || c.Server.ShutdownTimeout.Std() != 3*time.Second {
		t.Errorf("units: body_limit=%d shutdown=%s", c.Server.BodyLimit, c.Server.ShutdownTimeout)
	}
	if c.Artifacts.S3.Bucket != "models" || c.Database.ReadConnections != 3 {
		t.Errorf("env overrides: %+v %+v", c.Artifacts.S3, c.Database)
	}
	if c.Database.Path != filepath.Join("/srv/paddock", "paddock.db") {
		t.Errorf("derived path %q", c.Database.Path)
	}
	if l.Line("server.body_limit") != 5 {
		t.Errorf("line of server.body_limit = %d", l.Line("server.body_limit"))
	}
}

// Every broken file names the file, the line and the key.
func TestBrokenFilesNameLineAndKey(t *testing.T) {
	cases := []struct {
		name, yml, want string
	}{
		{"unknown key", "server:\n  adr: :80\n", `paddock.yaml:2: server.adr: unknown key (did you mean "addr"?)`},
		{"wrong type", "server:\n  body_limit: lots\n", `paddock.yaml:2: server.body_limit: invalid size "lots"`},
		{"bad duration", "server:\n  read_timeout: 5 parsecs\n", `paddock.yaml:2: server.read_timeout: invalid duration "5 parsecs"`},
		{"bad int", "database:\n  read_connections: many\n", `paddock.yaml:2: database.read_connections: expected an integer, found "many"`},
		{"bad bool", "artifacts:\n  s3:\n    use_ssl: perhaps\n", `paddock.yaml:3: artifacts.s3.use_ssl: expected true or false`},
		{"mapping expected", "server: 8080\n", `paddock.yaml:1: server: expected a mapping of keys, found "8080"`},
		{"duplicate", "log:\n  level: info\n  level: debug\n", `paddock.yaml:3: log.level: duplicate key`},
		{"syntax", "server:\n  addr: [\n", `paddock.yaml:2: invalid YAML: did not find expected node content`},
		{"semantic", "log:\n  level: loud\n", `paddock.yaml:2: log.level: unknown level "loud"`},
		{"s3 needs endpoint", "artifacts:\n  backend: s3\n", `artifacts.s3.endpoint: required when artifacts.backend is s3`},
		{"admin never anonymous", "auth:\n  anonymous_role: admin\n", `paddock.yaml:2: auth.anonymous_role: admin can never be anonymous`},
		{"bad addr", "server:\n  addr: nowhere\n", `paddock.yaml:2: server.addr: invalid listen address`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("paddock.yaml", []byte(tc.yml), noEnv)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := Parse("p.yaml", []byte("server:\n  nope: 1\nlog:\n  colour: red\n"), noEnv)
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
}

func TestFlagsBeatEnvAndDeriveFromFinalDataDir(t *testing.T) {
	env := envOf(map[string]string{"PADDOCK_DATA_DIR": "/from/env", "PADDOCK_ADDR": "127.0.0.1:1"})
	l, err := Load("", env, Flags{DataDir: "/from/flag", Addr: "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	if l.DataDir != "/from/flag" || l.Server.Addr != "127.0.0.1:2" {
		t.Fatalf("flags lost: %q %q", l.DataDir, l.Server.Addr)
	}
	if l.Database.Path != filepath.Join("/from/flag", "paddock.db") || l.Artifacts.Local.Root != filepath.Join("/from/flag", "artifacts") {
		t.Fatalf("derived paths not under the flag's data dir: %q %q", l.Database.Path, l.Artifacts.Local.Root)
	}
}

func TestBadEnvNamesVariable(t *testing.T) {
	_, err := Load("", envOf(map[string]string{"PADDOCK_SERVER_BODY_LIMIT": "huge"}), Flags{})
	if err == nil || !strings.Contains(err.Error(), "PADDOCK_SERVER_BODY_LIMIT (server.body_limit)") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv, Flags{})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: cannot read: no such file or directory") {
		t.Fatalf("got %v", err)
	}
}

func TestEmptyAndCommentOnlyFiles(t *testing.T) {
	for _, body := range []string{"", "# just a comment\n"} {
		p := filepath.Join(t.TempDir(), "p.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p, noEnv, Flags{}); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
	}
}

func TestExampleFileIsValidAndComplete(t *testing.T) {
	l, err := Load(filepath.Join("..", "paddock.example.yaml"), noEnv, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	// Every leaf key of the configuration appears in the example file, so
	// the documented reference cannot fall behind the code.
	var missing []string
	for _, key := range Keys() {
		if l.Line(key) == 0 {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("paddock.example.yaml lacks keys: %v", missing)
	}
}

func TestByteSizeRoundTrip(t *testing.T) {
	for in, want := range map[string]ByteSize{"512": 512, "64KiB": 64 << 10, "32MiB": 32 << 20, "5GiB": 5 << 30, "2MB": 2e6} {
		var s ByteSize
		if err := s.UnmarshalText([]byte(in)); err != nil || s != want {
			t.Fatalf("%q → %d, %v", in, s, err)
		}
	}
	if got := ByteSize(32 << 20).String(); got != "32MiB" {
		t.Fatalf("String() = %q", got)
	}
	var s ByteSize
	if err := s.UnmarshalText([]byte("-1")); err == nil {
		t.Fatal("negative size accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("server:\n  addr: :80\n"))
	f.Add([]byte("artifacts:\n  backend: s3\n  s3: {endpoint: a:1}\n"))
	f.Add([]byte("a: &x [1, *x]\n"))
	f.Add([]byte("log: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("f.yaml", data, noEnv)
		if err == nil && l.Config == nil {
			t.Fatal("nil config without error")
		}
	})
}
