package pyworker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// fakeWorker speaks the framing correctly for load and health, then
// misbehaves on predict as $FAKE_MODE says. It stands in for a worker
// whose model corrupted the protocol stream.
const fakeWorker = `
import json, os, struct, sys, time

mode = os.environ["FAKE_MODE"]
inp, out = sys.stdin.buffer, sys.stdout.buffer

def read():
    head = inp.read(4)
    if len(head) < 4:
        sys.exit(0)
    (n,) = struct.unpack(">I", head)
    return json.loads(inp.read(n))

def send(payload):
    out.write(struct.pack(">I", len(payload)) + payload)
    out.flush()

if mode == "text-at-start":
    out.write(b"hello, this is not a frame\n")
    out.flush()
    time.sleep(60)

while True:
    req = read()
    if req["op"] != "predict":
        send(json.dumps({"id": req["id"], "ok": True}).encode())
        if req["op"] == "shutdown":
            sys.exit(0)
        continue
    if mode == "huge":
        out.write(struct.pack(">I", 0xFFFFFFF0))
        out.flush()
        time.sleep(60)
    elif mode == "not-json":
        send(b"this is not json")
    elif mode == "not-object":
        send(b"[1, 2, 3]")
    elif mode == "wrong-id":
        send(json.dumps({"id": req["id"] + 1000, "ok": True, "outputs": []}).encode())
    elif mode == "truncated":
        out.write(struct.pack(">I", 100) + b'{"id"')
        out.flush()
        sys.exit(1)
    elif mode == "null-in-tensor":
        send(json.dumps({"id": req["id"], "ok": True, "outputs": [
            {"name": "y", "dtype": "float64", "shape": [2], "data": [1, None]}]}).encode())
    elif mode == "shape-mismatch":
        send(json.dumps({"id": req["id"], "ok": True, "outputs": [
            {"name": "y", "dtype": "int64", "shape": [1000000000, 1000000000], "data": [1]}]}).encode())
`

// fakeInterpreter returns a Config.Python that ignores the worker script
// and runs fakeWorker instead.
func fakeInterpreter(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "fake_worker.py")
	if err := os.WriteFile(script, []byte(fakeWorker), 0o644); err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(dir, "fake-python")
	wrapper := "#!/bin/sh\nexec " + testPython + " " + script + "\n"
	if err := os.WriteFile(python, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return python
}

func TestGarbageAtStartFailsLoad(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	cfg.Python = fakeInterpreter(t)
	cfg.Env = []string{"FAKE_MODE=text-at-start"}
	_, err := Load(context.Background(), writeFiles(t, map[string]string{"paddock_model.py": echoModel}), cfg)
	t.Log(err)
	if !errors.Is(err, ErrFrameTooLarge) || !strings.Contains(err.Error(), "68 65 6c 6c") {
		t.Fatalf("err = %v, want ErrFrameTooLarge quoting the bytes read", err)
	}
}

func TestGarbageRepliesGiveClearErrors(t *testing.T) {
	tests := []struct {
		mode    string
		want    error
		text    string
		restart bool // the stream is out of step: the worker must go
	}{
		{"huge", ErrFrameTooLarge, "4294967280 bytes declared", true},
		{"not-json", ErrProtocol, "not a JSON object", true},
		{"not-object", ErrProtocol, "not a JSON object", true},
		{"wrong-id", ErrProtocol, "answered request", true},
		{"truncated", ErrProtocol, "truncated frame: 5 of 100 bytes", true},
		{"null-in-tensor", ErrProtocol, `"null" is not a number`, false},
		{"shape-mismatch", ErrProtocol, "more values than the data", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			checkNoLeaks(t)
			cfg, _ := testConfig(t)
			cfg.Python = fakeInterpreter(t)
			cfg.Env = []string{"FAKE_MODE=" + tt.mode}
			m := loadModel(t, writeFiles(t, map[string]string{"paddock_model.py": echoModel}), cfg)
			old := m.Workers()[0].PID
			_, err := m.Predict(context.Background(), []flavor.Tensor{f64("x", []int{1}, 1)})
			t.Log(err)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.want, tt.text)
			}
			if tt.restart {
				waitGone(t, old)
				waitRestarted(t, m, 0, 1)
			} else if w := m.Workers()[0]; w.PID != old || w.Restarts != 0 {
				t.Errorf("worker replaced after a well-framed reply: %+v", w)
			}
		})
	}
}
