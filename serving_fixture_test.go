package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// registerModelDir uploads every file of a local model directory through
// the proxied artifact API and registers it as the next version of
// model (created when missing). It returns the version number.
func registerModelDir(t *testing.T, in *instance, model, dir string) int {
	t.Helper()
	if status, body := api(t, in, "GET", "/api/models/"+model, in.Admin, nil); status == 404 {
		if status, body = api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": model}); status != 201 {
			t.Fatalf("create model %s: %d %s", model, status, body)
		}
	} else if status != 200 {
		t.Fatalf("get model %s: %d %s", model, status, body)
	}
	prefix := fmt.Sprintf("uploads/%s/%s", model, strings.ReplaceAll(filepath.Base(dir), " ", "_"))
	prefix += fmt.Sprintf("-%d", uploadSeq.next())
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		status, body, _ := in.call("PUT", "/api/2.0/mlflow-artifacts/artifacts/"+prefix+"/"+filepath.ToSlash(rel), in.Admin, bytes.NewReader(b))
		if status != 200 {
			return fmt.Errorf("upload %s: %d %s", rel, status, body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body := api(t, in, "POST", "/api/models/"+model+"/versions", in.Admin, map[string]any{"source": "mlflow-artifacts:/" + prefix})
	if status != 201 {
		t.Fatalf("register %s from %s: %d %s", model, dir, status, body)
	}
	var v struct{ Version string }
	decode(t, body, &v)
	var n int
	fmt.Sscan(v.Version, &n)
	return n
}

type counter struct{ n int }

func (c *counter) next() int { c.n++; return c.n }

var uploadSeq counter

// setAlias points alias of model at version.
func setAlias(t *testing.T, in *instance, model, alias string, version int) {
	t.Helper()
	status, body := api(t, in, "PUT", "/api/models/"+model+"/aliases/"+alias, in.Admin, map[string]any{"version": version})
	if status != 200 {
		t.Fatalf("set %s@%s to %d: %d %s", model, alias, version, status, body)
	}
}

// fixtureRows reads a fixture's inputs.json (rows, null for missing) and
// expected.json.
func fixtureRows(t *testing.T, dir string) (rows [][]any, expected []float64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "inputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	return rows, expected
}

// postJSON posts a raw body and returns status, body and headers.
func postJSON(t *testing.T, in *instance, path string, body any, hdr ...string) (int, []byte) {
	t.Helper()
	var r []byte
	switch b := body.(type) {
	case string:
		r = []byte(b)
	case []byte:
		r = b
	default:
		var err error
		if r, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	if len(hdr) == 0 {
		hdr = []string{"Content-Type", "application/json"}
	}
	status, out, _ := in.call("POST", path, in.Admin, bytes.NewReader(r), hdr...)
	return status, out
}

// floats flattens a JSON list of numbers (or of lists of numbers).
func floats(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var flat []float64
	if err := json.Unmarshal(raw, &flat); err == nil {
		return flat
	}
	var nested [][]float64
	if err := json.Unmarshal(raw, &nested); err != nil {
		t.Fatalf("not a list of numbers: %s", raw)
	}
	for _, r := range nested {
		flat = append(flat, r...)
	}
	return flat
}

// closeTo checks got against want within tol.
func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s: value %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// fixtureDir is a model fixture's directory.
func fixtureDir(kind, name string) string { return filepath.Join("testdata", "fixtures", kind, name) }

// modelOnly copies just the model file of a fixture into a temp dir, so
// the registered version holds the model and nothing else.
func modelOnly(t *testing.T, dir, file string) string {
	t.Helper()
	out := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, file), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// httpClient is for request loops that must survive transport errors.
var httpClient = &http.Client{Timeout: 30 * time.Second}

func newRequest(method, url string, body []byte, token string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

func bytesContains(b, sub []byte) bool { return bytes.Contains(b, sub) }
