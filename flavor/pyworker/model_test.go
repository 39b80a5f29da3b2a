package pyworker

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
)

// linearModel computes y = x·w + b with weights read from the model
// directory. The weights and inputs are small dyadic fractions, so every
// product and sum is exact and the test can demand equal values.
const linearModel = `
import os
import numpy as np

SIGNATURE = {
    "task": "regression",
    "inputs": [{"name": "x", "dtype": "float64", "shape": [-1, 3]}],
    "outputs": [{"name": "y", "dtype": "float64", "shape": [-1]}],
}

class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def predict(self, inputs):
        x = inputs["x"]
        y = x @ self.w + self.b
        return {
            "y": y,
            "positive": y > 0,
            "row": np.arange(len(x), dtype=np.int32),
            "half": (y / 2).astype(np.float32),
            "label": np.array(["row%d" % i for i in range(len(x))]),
        }

def load(path):
    w = np.loadtxt(os.path.join(path, "weights.txt"))
    return Linear(w[:-1], w[-1])
`

func TestPredictRoundTrip(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"paddock_model.py": linearModel,
		"weights.txt":      "0.5\n-1.25\n2\n0.75\n",
	})
	m := loadModel(t, dir, cfg)

	sig := m.Signature()
	if sig.Task != flavor.TaskRegression || len(sig.Inputs) != 1 || sig.Inputs[0].Name != "x" {
		t.Fatalf("signature from the model = %+v", sig)
	}
	x := []float64{1, 2, 3, -4, 0.5, 0.25, 0, 0, 0}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("ignored", []int{3, 3}, x...)})
	if err != nil {
		t.Fatal(err)
	}
	w, b := []float64{0.5, -1.25, 2}, 0.75
	y := output(t, outs, "y")
	if y.DType != flavor.Float64 || !slices.Equal(y.Shape, []int{3}) {
		t.Fatalf("y: %s %v", y.DType, y.Shape)
	}
	for i := range 3 {
		want := x[3*i]*w[0] + x[3*i+1]*w[1] + x[3*i+2]*w[2] + b
		if y.F64[i] != want {
			t.Errorf("y[%d] = %v, want %v", i, y.F64[i], want)
		}
		if got := output(t, outs, "positive").Bool[i]; got != (want > 0) {
			t.Errorf("positive[%d] = %v", i, got)
		}
		if got := output(t, outs, "half").F32[i]; got != float32(want/2) {
			t.Errorf("half[%d] = %v, want %v", i, got, want/2)
		}
		if got := output(t, outs, "row").I64[i]; got != int64(i) {
			t.Errorf("row[%d] = %v", i, got)
		}
		if got := output(t, outs, "label").Str[i]; got != "row"+strconv.Itoa(i) {
			t.Errorf("label[%d] = %q", i, got)
		}
	}
	if d := output(t, outs, "half").DType; d != flavor.Float32 {
		t.Errorf("half dtype %s", d)
	}
	if d := output(t, outs, "row").DType; d != flavor.Int64 {
		t.Errorf("row dtype %s (numpy int32 should widen)", d)
	}
}

// echoModel returns its inputs unchanged; it declares no signature.
const echoModel = `
class Echo:
    def predict(self, inputs):
        return dict(inputs)

def load(path):
    return Echo()
`

func TestValuesSurviveTheWire(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": echoModel}), cfg)
	in := []flavor.Tensor{
		f64("f64", []int{2, 4}, math.NaN(), math.Inf(1), math.Inf(-1), 1e-300,
			math.MaxFloat64, -0.1, math.SmallestNonzeroFloat64, 123456789.123456789),
		{Name: "f32", DType: flavor.Float32, Shape: []int{3}, F32: []float32{0.1, float32(math.NaN()), math.MaxFloat32}},
		{Name: "i64", DType: flavor.Int64, Shape: []int{3}, I64: []int64{math.MinInt64, math.MaxInt64, 1<<53 + 1}},
		{Name: "str", DType: flavor.String, Shape: []int{4}, Str: []string{"", `quote " back \ slash`, "line\nbreak", "日本語 ✓"}},
		{Name: "bool", DType: flavor.Bool, Shape: []int{1, 2}, Bool: []bool{true, false}},
		{Name: "empty", DType: flavor.Float64, Shape: []int{0, 3}},
	}
	outs, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(in) {
		t.Fatalf("%d outputs, want %d", len(outs), len(in))
	}
	for i, want := range in {
		got := outs[i]
		if got.Name != want.Name || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
			t.Errorf("output %d: %s %s %v, want %s %s %v", i, got.Name, got.DType, got.Shape, want.Name, want.DType, want.Shape)
		}
		sameBits := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
		for j := range want.F64 {
			if !sameBits(got.F64[j], want.F64[j]) {
				t.Errorf("%s[%d] = %v, want %v", want.Name, j, got.F64[j], want.F64[j])
			}
		}
		for j := range want.F32 {
			if !sameBits(float64(got.F32[j]), float64(want.F32[j])) {
				t.Errorf("%s[%d] = %v, want %v", want.Name, j, got.F32[j], want.F32[j])
			}
		}
		if !slices.Equal(got.I64, want.I64) || !slices.Equal(got.Str, want.Str) || !slices.Equal(got.Bool, want.Bool) {
			t.Errorf("%s: got %v %q %v", want.Name, got.I64, got.Str, got.Bool)
		}
	}
}

func TestInputsCheckedAgainstSignature(t *testing.T) {
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"paddock_model.py": linearModel,
		"weights.txt":      "1\n1\n1\n0\n",
	})
	m := loadModel(t, dir, cfg)
	tests := map[string][]flavor.Tensor{
		"no inputs":       nil,
		"two inputs":      {f64("a", []int{1, 3}, 1, 2, 3), f64("b", []int{1, 3}, 1, 2, 3)},
		"wrong width":     {f64("x", []int{1, 2}, 1, 2)},
		"wrong rank":      {f64("x", []int{3}, 1, 2, 3)},
		"wrong dtype":     {{Name: "x", DType: flavor.Float32, Shape: []int{1, 3}, F32: []float32{1, 2, 3}}},
		"short data":      {f64("x", []int{2, 3}, 1, 2, 3)},
		"negative dim":    {f64("x", []int{-1, 3}, 1, 2, 3)},
		"unknown dtype":   {{Name: "x", DType: "complex", Shape: []int{1, 3}}},
		"overflow shape":  {f64("x", []int{1 << 30, 1 << 30, 3})},
		"data of no kind": {{Name: "x", DType: flavor.Float64, Shape: []int{1, 3}, I64: []int64{1, 2, 3}}},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := m.Predict(context.Background(), in)
			if !errors.Is(err, flavor.ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
		})
	}
}

// raisingModel raises in predict when the first input is negative.
const raisingModel = `
import numpy as np

class M:
    def predict(self, inputs):
        x = inputs["x"]
        if x.flat[0] < 0:
            raise ValueError("negative input %r not allowed" % float(x.flat[0]))
        return x * 2

def load(path):
    return M()
`

func TestPythonExceptionInPredictKeepsWorker(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": raisingModel}), cfg)
	pid := m.Workers()[0].PID
	_, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, -3)})
	var pyErr *PythonError
	if !errors.As(err, &pyErr) || pyErr.Type != "ValueError" || !strings.Contains(pyErr.Message, "negative input -3.0 not allowed") {
		t.Fatalf("err = %v, want the Python ValueError", err)
	}
	if !strings.Contains(pyErr.Traceback, "raise ValueError") {
		t.Errorf("traceback lacks the raising line:\n%s", pyErr.Traceback)
	}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 4)})
	if err != nil || outs[0].Name != flavor.OutputPredictions || outs[0].F64[0] != 8 {
		t.Fatalf("after exception: %v %+v", err, outs)
	}
	if got := m.Workers()[0]; got.PID != pid || got.Restarts != 0 {
		t.Errorf("worker replaced after a model exception: %+v (pid was %d)", got, pid)
	}
}

// rendezvousModel proves concurrency: each predict records itself and
// waits until as many requests as workers are in flight at once. With
// requests served one at a time, the first would give up and raise.
const rendezvousModel = `
import os, time
import numpy as np

class M:
    def __init__(self, path):
        self.dir = os.environ["RENDEZVOUS_DIR"]

    def predict(self, inputs):
        me = os.path.join(self.dir, "%d-%d" % (os.getpid(), time.monotonic_ns()))
        open(me, "w").close()
        deadline = time.monotonic() + 15
        while len(os.listdir(self.dir)) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("alone: requests are not concurrent")
            time.sleep(0.01)
        return {"pid": np.array([os.getpid()])}

def load(path):
    return M(path)
`

func TestWorkersServeConcurrently(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	rendezvous := t.TempDir()
	cfg.Workers = 2
	cfg.Env = []string{"RENDEZVOUS_DIR=" + rendezvous}
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": rendezvousModel}), cfg)
	if len(m.Workers()) != 2 {
		t.Fatalf("workers = %+v", m.Workers())
	}
	var wg sync.WaitGroup
	got := make([]int64, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 1)})
			if errs[i] = err; err == nil {
				got[i] = outs[0].I64[0]
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0] == got[1] || !slices.Contains(pids(m), int(got[0])) || !slices.Contains(pids(m), int(got[1])) {
		t.Fatalf("answers from pids %v, workers %v", got, pids(m))
	}
}

// sleepyModel sleeps in predict for as many seconds as its first input
// says, after writing its pid to $MARK_DIR/started.
const sleepyModel = `
import os, time
import numpy as np

class M:
    def predict(self, inputs):
        x = inputs["x"]
        with open(os.path.join(os.environ["MARK_DIR"], "started"), "w") as f:
            f.write(str(os.getpid()))
        time.sleep(float(x.flat[0]))
        return {"pid": np.array([os.getpid()])}

def load(path):
    return M()
`

func TestTimeoutKillsAndRestartsWorker(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	cfg.RequestTimeout = 2 * time.Second
	cfg.Env = []string{"MARK_DIR=" + t.TempDir()}
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": sleepyModel}), cfg)
	old := m.Workers()[0].PID

	start := time.Now()
	_, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 60)})
	t.Logf("timeout: %v", err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a DeadlineExceeded", err)
	}
	if took := time.Since(start); took < cfg.RequestTimeout || took > cfg.RequestTimeout+5*time.Second {
		t.Errorf("timed out after %s, RequestTimeout is %s", took, cfg.RequestTimeout)
	}
	waitGone(t, old)
	w := waitRestarted(t, m, 0, 1)
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 0)})
	if err != nil {
		t.Fatalf("after timeout: %v", err)
	}
	if pid := int(outs[0].I64[0]); pid == old || pid != w.PID {
		t.Errorf("answered by pid %d; old %d, current %d", pid, old, w.PID)
	}
}

func TestKilledWorkerGivesErrorAndIsRestarted(t *testing.T) {
	checkNoLeaks(t)
	cfg, rec := testConfig(t)
	marks := t.TempDir()
	cfg.Env = []string{"MARK_DIR=" + marks}
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": sleepyModel}), cfg)

	go func() {
		pid, _ := strconv.Atoi(waitFile(t, filepath.Join(marks, "started")))
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}()
	start := time.Now()
	_, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 60)})
	t.Logf("killed worker: %v", err)
	if !errors.Is(err, ErrWorkerDied) || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("err = %v, want ErrWorkerDied naming the signal", err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the dead worker was noticed only after %s", took)
	}
	w := waitRestarted(t, m, 0, 1)
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 0)})
	if err != nil || int(outs[0].I64[0]) != w.PID {
		t.Fatalf("after restart: %v, %+v, worker %+v", err, outs, w)
	}
	if _, ok := rec.find("python worker ready", "worker=0", "pid="+strconv.Itoa(w.PID)); !ok {
		t.Errorf("restart not logged: %q", rec.lines)
	}
}

func TestLoadErrorCarriesPythonException(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	cfg.Workers = 2
	dir := writeFiles(t, map[string]string{"paddock_model.py": `
def load(path):
    raise ValueError("weights file is truncated at byte 17")
`})
	_, err := Load(context.Background(), dir, cfg)
	t.Logf("load error: %v", err)
	var pyErr *PythonError
	if !errors.As(err, &pyErr) || pyErr.Op != "load" || pyErr.Type != "ValueError" {
		t.Fatalf("err = %v, want the Python ValueError", err)
	}
	if !strings.Contains(err.Error(), "weights file is truncated at byte 17") {
		t.Errorf("message lost: %v", err)
	}
	if !errors.Is(err, flavor.ErrCorrupt) {
		t.Errorf("a model whose load raises should wrap ErrCorrupt: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  error
		text  string
	}{
		{"missing dependency", map[string]string{"paddock_model.py": "import no_such_module_xyz\n"},
			flavor.ErrUnsupported, "no_such_module_xyz"},
		{"no load function", map[string]string{"paddock_model.py": "x = 1\n"},
			flavor.ErrUnsupported, "no load(path)"},
		{"no predict method", map[string]string{"paddock_model.py": "def load(path):\n    return 42\n"},
			flavor.ErrUnsupported, "no predict()"},
		{"empty dir", map[string]string{"README": "hi"}, flavor.ErrUnsupported, "neither"},
		{"bad signature file", map[string]string{"paddock_model.py": echoModel, "signature.json": `{"inputs": [{"name": "x", "dtype": "complex"}]}`},
			flavor.ErrCorrupt, "complex"},
		{"bad reported signature", map[string]string{"paddock_model.py": "SIGNATURE = {'inputs': 3}\n" + echoModel},
			flavor.ErrCorrupt, "signature"},
		{"syntax error", map[string]string{"paddock_model.py": "def load(path)\n"},
			flavor.ErrCorrupt, "SyntaxError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			cfg, _ := testConfig(t)
			_, err := Load(context.Background(), writeFiles(t, tt.files), cfg)
			t.Logf("%v", err)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.want, tt.text)
			}
		})
	}
}

func TestLoadFailsOnMissingInterpreter(t *testing.T) {
	cfg, _ := testConfig(t)
	cfg.Python = filepath.Join(t.TempDir(), "no-python")
	_, err := Load(context.Background(), writeFiles(t, map[string]string{"paddock_model.py": echoModel}), cfg)
	if err == nil || !strings.Contains(err.Error(), "no-python") {
		t.Fatalf("err = %v", err)
	}
}

// chattyModel prints from Python, writes to fd 1 directly and from a
// child process: none of it may reach the protocol stream.
const chattyModel = `
import os, subprocess, sys
import numpy as np

class M:
    def predict(self, inputs):
        print("hello from predict")
        os.write(1, b"raw write to fd 1\n")
        subprocess.run(["echo", "child process output"])
        sys.stdout.flush()
        return inputs["x"] + 1

def load(path):
    print("loading the chatty model")
    return M()
`

func TestModelOutputGoesToLog(t *testing.T) {
	checkNoLeaks(t)
	cfg, rec := testConfig(t)
	cfg.Name = "chatty"
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": chattyModel}), cfg)
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 1)})
	if err != nil || outs[0].F64[0] != 2 {
		t.Fatalf("predict: %v %+v", err, outs)
	}
	for _, line := range []string{"loading the chatty model", "hello from predict", "raw write to fd 1", "child process output"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, ok := rec.find("python stderr", "model=chatty", "worker=0", line); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stderr line %q not logged with model and worker; log: %q", line, rec.lines)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestFrameLimits(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	cfg.MaxFrame = 64 << 10
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": `
import numpy as np

class M:
    def predict(self, inputs):
        return np.zeros(int(inputs["n"].flat[0]))

def load(path):
    return M()
`}), cfg)
	n := func(v float64) []flavor.Tensor { return []flavor.Tensor{f64("n", []int{1}, v)} }

	_, err := m.Predict(context.Background(), n(1e6))
	var pyErr *PythonError
	if !errors.As(err, &pyErr) || pyErr.Type != "ResponseTooLarge" {
		t.Fatalf("oversized reply: err = %v, want ResponseTooLarge", err)
	}
	big := make([]float64, 50000)
	_, err = m.Predict(context.Background(), []flavor.Tensor{f64("n", []int{len(big)}, big...)})
	if !errors.Is(err, ErrFrameTooLarge) || !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("oversized request: err = %v, want ErrFrameTooLarge and ErrInput", err)
	}
	outs, err := m.Predict(context.Background(), n(3))
	if err != nil || len(outs[0].F64) != 3 {
		t.Fatalf("after rejected frames: %v %+v", err, outs)
	}
	if m.Workers()[0].Restarts != 0 {
		t.Errorf("a rejected frame should not cost a restart: %+v", m.Workers())
	}
}

// spawningModel starts a long sleep child in load and records its pid:
// Close must take it down with the worker's process group.
const spawningModel = `
import os, subprocess

class M:
    def predict(self, inputs):
        return inputs["x"]

def load(path):
    child = subprocess.Popen(["sleep", "300"])
    with open(os.path.join(os.environ["MARK_DIR"], "child-%d" % os.getpid()), "w") as f:
        f.write(str(child.pid))
    return M()
`

func TestCloseLeavesNoProcesses(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	marks := t.TempDir()
	cfg.Workers = 2
	cfg.Env = []string{"MARK_DIR=" + marks}
	m, err := Load(context.Background(), writeFiles(t, map[string]string{"paddock_model.py": spawningModel}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	all := pids(m)
	for _, pid := range pids(m) {
		child, err := strconv.Atoi(waitFile(t, filepath.Join(marks, "child-"+strconv.Itoa(pid))))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, child)
	}
	for _, pid := range all {
		if processGone(pid) {
			t.Fatalf("process %d not running before Close", pid)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// The workers are reaped before Close returns; the SIGKILL sent to
	// their children takes effect a moment later.
	for _, pid := range all[:2] {
		if !processGone(pid) {
			t.Errorf("worker %d survived Close", pid)
		}
	}
	waitGone(t, all...)
	if _, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 1)}); !errors.Is(err, ErrClosed) {
		t.Errorf("predict after close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestCloseInterruptsInflightRequest(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	marks := t.TempDir()
	cfg.Env = []string{"MARK_DIR=" + marks}
	cfg.ShutdownTimeout = 500 * time.Millisecond
	m, err := Load(context.Background(), writeFiles(t, map[string]string{"paddock_model.py": sleepyModel}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pid := m.Workers()[0].PID
	done := make(chan error, 1)
	go func() {
		_, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 60)})
		done <- err
	}()
	waitFile(t, filepath.Join(marks, "started"))
	start := time.Now()
	m.Close()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %s with a busy worker", took)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("in-flight predict: %v, want ErrClosed", err)
	}
	waitGone(t, pid)
}

func TestCallerCancelAbandonsWithoutKilling(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	cfg.Env = []string{"MARK_DIR=" + t.TempDir()}
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": sleepyModel}), cfg)
	pid := m.Workers()[0].PID
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := m.Predict(ctx, []flavor.Tensor{f64("x", []int{1}, 1)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	// The worker finishes the abandoned request and serves the next one.
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 0)})
	if err != nil || int(outs[0].I64[0]) != pid {
		t.Fatalf("next predict: %v %+v (pid %d)", err, outs, pid)
	}
	if w := m.Workers()[0]; w.Restarts != 0 {
		t.Errorf("caller cancellation restarted the worker: %+v", w)
	}
}

// stoppingModel freezes its own process (SIGSTOP) shortly after a
// predict, so that the worker is alive but answers nothing while idle.
const stoppingModel = `
import os, signal, threading
import numpy as np

class M:
    def predict(self, inputs):
        if inputs["x"].flat[0] < 0:
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGSTOP)).start()
        return {"pid": np.array([os.getpid()])}

def load(path):
    return M()
`

func TestHealthCheckReplacesHungWorker(t *testing.T) {
	checkNoLeaks(t)
	cfg, rec := testConfig(t)
	cfg.HealthInterval = 300 * time.Millisecond
	cfg.HealthTimeout = 500 * time.Millisecond
	m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": stoppingModel}), cfg)
	old := m.Workers()[0].PID
	if _, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, -1)}); err != nil {
		t.Fatal(err)
	}
	w := waitRestarted(t, m, 0, 1)
	waitGone(t, old)
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 1)})
	if err != nil || int(outs[0].I64[0]) != w.PID {
		t.Fatalf("after health restart: %v %+v", err, outs)
	}
	if _, ok := rec.find("health check", "pid="+strconv.Itoa(old)); !ok {
		t.Errorf("failed health check not logged: %q", rec.lines)
	}
}

func TestSignatureFileWins(t *testing.T) {
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"paddock_model.py": echoModel,
		"signature.json": `{"task": "classification", "classes": ["a", "b"],
			"inputs": [{"name": "features", "dtype": "int64", "shape": [-1, 2]}]}`,
	})
	m := loadModel(t, dir, cfg)
	sig := m.Signature()
	if sig.Task != flavor.TaskClassification || !slices.Equal(sig.Classes, []string{"a", "b"}) || sig.Inputs[0].Name != "features" {
		t.Fatalf("signature = %+v", sig)
	}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{{Name: "whatever", DType: flavor.Int64, Shape: []int{1, 2}, I64: []int64{7, 8}}})
	if err != nil || outs[0].Name != "features" || !slices.Equal(outs[0].I64, []int64{7, 8}) {
		t.Fatalf("predict: %v %+v (the tensor should travel under the signature's name)", err, outs)
	}
}
