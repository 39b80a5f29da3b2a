package sklearn

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// marker is the file the hostile pickles in testdata/hostile would create
// if anything executed them (see scripts/fixtures/sklearn_fixtures.py).
const marker = "/tmp/paddock-sklearn-pickle-executed"

// TestHostilePicklesRefused loads pickles that run a shell command when
// Python unpickles them. Each must be refused by the name of the global it
// tries to call, and the command must not have run.
func TestHostilePicklesRefused(t *testing.T) {
	if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	want := map[string]string{
		"os_system.pkl":             `refused global "posix.system"`,
		"os_system_protocol0.pkl":   `refused global "posix.system"`,
		"builtins_eval.pkl":         `refused global "builtins.eval"`,
		"subprocess_popen.pkl":      `refused global "subprocess.Popen"`,
		"pipeline_with_payload.pkl": `refused global "posix.system"`,
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.pkl"))
	if len(files) != len(want) {
		t.Fatalf("found %d hostile pickles, want %d", len(files), len(want))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		expectRefused(t, filepath.Base(path), data, want[filepath.Base(path)])
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("%s exists: a hostile pickle was executed", marker)
	}
}

// TestHandBuiltHostilePickles covers each way a pickle can name a global
// (GLOBAL, STACK_GLOBAL, INST) and globals hidden after allowed ones.
func TestHandBuiltHostilePickles(t *testing.T) {
	dir := t.TempDir()
	touched := filepath.Join(dir, "executed")
	cmd := "touch " + touched
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"GLOBAL os.system", []byte("cos\nsystem\n(S'" + cmd + "'\ntR."), `refused global "os.system"`},
		{"INST posix.system", []byte("(S'" + cmd + "'\niposix\nsystem\n."), `refused global "posix.system"`},
		{"STACK_GLOBAL builtins.exec", newPickle().str("builtins").str("exec").op("\x93").
			tuple(func(p *pk) { p.str("open('" + touched + "', 'w')") }).op("R").done(), `refused global "builtins.exec"`},
		{"nt.system", newPickle().global("nt", "system").tuple(func(p *pk) { p.str(cmd) }).op("R").done(), `refused global "nt.system"`},
		{"payload in coef_", newPickle().object("sklearn.linear_model._base", "LinearRegression",
			func(p *pk) {
				p.str("coef_").global("subprocess", "check_call").tuple(func(p *pk) { p.str(cmd) }).op("R")
			}).done(), `refused global "subprocess.check_call"`},
		{"copyreg", newPickle().global("copyreg", "_reconstructor").done(), `refused global "copyreg._reconstructor"`},
		{"numpy function", newPickle().global("numpy", "load").done(), `refused global "numpy.load"`},
		{"sklearn helper", newPickle().global("sklearn.utils", "_safe_indexing").done(), `refused global "sklearn.utils._safe_indexing"`},
	}
	for _, c := range cases {
		expectRefused(t, c.name, c.data, c.want)
	}
	if _, err := os.Stat(touched); !os.IsNotExist(err) {
		t.Fatal("a hostile pickle was executed")
	}
}

func expectRefused(t *testing.T, name string, data []byte, want string) {
	t.Helper()
	m, err := Parse(bytes.NewReader(data))
	if err == nil {
		t.Fatalf("%s: loaded %v, want refusal", name, m.Signature())
	}
	if !errors.Is(err, flavor.ErrUnsupported) {
		t.Errorf("%s: error %v does not wrap ErrUnsupported", name, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q, want it to contain %q", name, err, want)
	}
}

// TestUnsupportedEstimator refuses a real model the flavor does not
// implement, at load, naming its class.
func TestUnsupportedEstimator(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "unsupported", "svc.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	expectRefused(t, "svc", data, "unsupported estimator sklearn.svm._classes.SVC")
	// An allow-listed class that cannot serve as a model on its own.
	loss := newPickle().object("sklearn.ensemble._gb_losses", "BinomialDeviance", func(p *pk) { p.str("K").int(1) }).done()
	expectRefused(t, "loss", loss, "unsupported estimator sklearn.ensemble._gb_losses.BinomialDeviance")
}
