package modeldir

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
	"github.com/paddockml/paddock/flavor/pyworker"
)

// testPython is the interpreter with numpy and pandas; the python3 on
// PATH lacks them.
const testPython = "/usr/bin/python3"

// mlDir returns testdata/mlmodel/<name>, the MLflow-layout directories
// scripts/fixtures/mlmodel_fixtures.py writes.
func mlDir(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(flavortest.FixturesDir(t), "..", "mlmodel", name)
	if _, err := os.Stat(filepath.Join(dir, "MLmodel")); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return dir
}

// fixture returns testdata/fixtures/<kind>/<name>.
func fixture(t testing.TB, kind, name string) string {
	t.Helper()
	return filepath.Join(flavortest.FixturesDir(t), kind, name)
}

// testOptions runs Python models with the Debian interpreter.
func testOptions(t *testing.T) Options {
	t.Helper()
	if _, err := os.Stat(testPython); err != nil {
		t.Fatalf("%s is required: %v", testPython, err)
	}
	return Options{Python: pyworker.Config{
		Python: testPython, CacheDir: t.TempDir(),
		RequestTimeout: 20 * time.Second, StartTimeout: 60 * time.Second,
	}}
}

// load loads dir and closes the model when the test ends.
func load(t *testing.T, dir string, opts Options) *Loaded {
	t.Helper()
	l, err := Load(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	t.Cleanup(func() { l.Model.Close() })
	return l
}

// copyDir copies a fixture directory into a temporary one a test may
// change.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// writeFile writes content to dir/name, creating directories.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// output returns the named output tensor.
func output(t *testing.T, outs []flavor.Tensor, name string) flavor.Tensor {
	t.Helper()
	for _, o := range outs {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no output %q in %d outputs", name, len(outs))
	return flavor.Tensor{}
}

// replaceInFile replaces old, which must occur, with new in dir/name.
func replaceInFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(s, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }
