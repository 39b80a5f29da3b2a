package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is a real Paddock process-in-a-goroutine, started by run.
type instance struct {
	t       *testing.T
	URL     string
	Admin   string
	DataDir string
	Stdout  *syncBuffer
	Stderr  *syncBuffer
	cancel  context.CancelFunc
	done    chan error
	stopped sync.Once
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// start boots `paddock serve` on 127.0.0.1:0 in a fresh data dir with the
// given extra environment, and waits until it listens.
func start(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	return startAt(t, t.TempDir(), env, args...)
}

// startAt is start on a given data directory, to restart on the same data.
func startAt(t *testing.T, dir string, env map[string]string, args ...string) *instance {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["PADDOCK_ADMIN_TOKEN"]; !ok {
		env["PADDOCK_ADMIN_TOKEN"] = "test-admin-token-0123456789"
	}
	if _, ok := env["PADDOCK_DEMO"]; !ok {
		env["PADDOCK_DEMO"] = "false" // tests start from an empty store; demo_test.go turns it on
	}
	env["PADDOCK_LOG_LEVEL"] = "warn"
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{t: t, DataDir: dir, Admin: env["PADDOCK_ADMIN_TOKEN"], Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	argv := append([]string{"paddock", "serve", "--data-dir", dir, "--addr", "127.0.0.1:0"}, args...)
	go func() { in.done <- run(ctx, argv, getenv, in.Stdout, in.Stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(in.Stdout.String()); m != nil {
			in.URL = m[1]
			t.Cleanup(in.stop)
			return in
		}
		select {
		case err := <-in.done:
			t.Fatalf("paddock exited during start: %v\nstderr: %s", err, in.Stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("paddock did not start; stdout: %s stderr: %s", in.Stdout, in.Stderr)
	return nil
}

// stop cancels the context (as SIGTERM does) and waits for a clean exit.
// Calling it again does nothing.
func (in *instance) stop() { in.stopped.Do(in.shutdown) }

func (in *instance) shutdown() {
	in.cancel()
	select {
	case err := <-in.done:
		if err != nil {
			in.t.Errorf("paddock exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		in.t.Error("paddock did not shut down within 20s")
	}
}

// call sends a request and returns the status and body.
func (in *instance) call(method, path, token string, body io.Reader, hdr ...string) (int, []byte, http.Header) {
	in.t.Helper()
	req, err := http.NewRequest(method, in.URL+path, body)
	if err != nil {
		in.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// wantError checks an API error response: status and the JSON error code.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var e struct {
		Error struct {
			Code, Message, RequestID string
		} `json:"error"`
	}
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != wantCode || e.Error.Message == "" {
		t.Fatalf("error body %s: want code %q with a message (%v)", body, wantCode, err)
	}
}

func TestServeAnswersProbesAndMetrics(t *testing.T) {
	in := start(t, nil)
	status, body, _ := in.call("GET", "/healthz", "", nil)
	if status != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("/healthz: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/readyz", "", nil)
	if status != 200 || !strings.Contains(string(body), `"database":"ok"`) || !strings.Contains(string(body), `"artifacts":"ok"`) {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/metrics", "", nil)
	text := string(body)
	for _, want := range []string{
		`paddock_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`paddock_http_request_duration_seconds_bucket{method="GET",route="/readyz"`,
		"go_goroutines",
	} {
		if status != 200 || !strings.Contains(text, want) {
			t.Fatalf("/metrics lacks %q:\n%s", want, text)
		}
	}
	status, body, _ = in.call("GET", "/", "", nil)
	if status != 200 || !strings.Contains(string(body), `data-testid="checks"`) {
		t.Fatalf("status page: %d %s", status, body)
	}
	if _, err := os.Stat(filepath.Join(in.DataDir, "paddock.db")); err != nil {
		t.Fatalf("no database in the data dir: %v", err)
	}
}

func TestRequestIDsAreEchoedOrMade(t *testing.T) {
	in := start(t, nil)
	_, _, h := in.call("GET", "/healthz", "", nil, "X-Request-Id", "abc-123")
	if got := h.Get("X-Request-Id"); got != "abc-123" {
		t.Fatalf("echoed id %q", got)
	}
	_, _, h = in.call("GET", "/healthz", "", nil, "X-Request-Id", "bad id\twith spaces")
	if got := h.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("generated id %q", got)
	}
}

func TestAuthRoles(t *testing.T) {
	in := start(t, nil)
	// No token: reads and writes are refused with 401.
	status, body, h := in.call("GET", "/api/artifacts", "", nil)
	wantError(t, status, body, 401, "unauthenticated")
	if h.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	status, body, _ = in.call("PUT", "/api/artifacts/a.txt", "", strings.NewReader("x"))
	wantError(t, status, body, 401, "unauthenticated")
	status, body, _ = in.call("GET", "/api/artifacts", "not-a-token", nil)
	wantError(t, status, body, 401, "unauthenticated")
	status, body, _ = in.call("GET", "/api/artifacts", "", nil, "Authorization", "Basic abc")
	wantError(t, status, body, 401, "unauthenticated")

	viewer := createToken(t, in, "viewer")
	editor := createToken(t, in, "editor")
	status, body, _ = in.call("GET", "/api/artifacts", viewer, nil)
	if status != 200 {
		t.Fatalf("viewer read: %d %s", status, body)
	}
	status, body, _ = in.call("PUT", "/api/artifacts/a.txt", viewer, strings.NewReader("x"))
	wantError(t, status, body, 403, "permission_denied")
	status, body, _ = in.call("PUT", "/api/artifacts/a.txt", editor, strings.NewReader("x"))
	if status != 201 {
		t.Fatalf("editor write: %d %s", status, body)
	}
	status, body, _ = in.call("POST", "/api/tokens", editor, strings.NewReader(`{"name":"x","role":"admin"}`))
	wantError(t, status, body, 403, "permission_denied")
	status, body, _ = in.call("GET", "/api/whoami", editor, nil)
	if status != 200 || !strings.Contains(string(body), `"role":"editor"`) {
		t.Fatalf("whoami: %d %s", status, body)
	}
}

func TestAnonymousReadsCanBeOpenedButNotWrites(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_AUTH_ANONYMOUS_ROLE": "viewer"})
	status, body, _ := in.call("GET", "/api/artifacts", "", nil)
	if status != 200 {
		t.Fatalf("anonymous read with reads open: %d %s", status, body)
	}
	status, body, _ = in.call("PUT", "/api/artifacts/a.txt", "", strings.NewReader("x"))
	wantError(t, status, body, 401, "unauthenticated")
}

func createToken(t *testing.T, in *instance, role string) string {
	t.Helper()
	status, body, _ := in.call("POST", "/api/tokens", in.Admin, strings.NewReader(`{"name":"`+role+`-token","role":"`+role+`"}`))
	if status != 201 {
		t.Fatalf("create %s token: %d %s", role, status, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		t.Fatalf("create token body %s", body)
	}
	return out.Token
}

func TestTokenLifecycleOverHTTP(t *testing.T) {
	in := start(t, nil)
	tok := createToken(t, in, "viewer")
	status, body, _ := in.call("GET", "/api/tokens", in.Admin, nil)
	var list struct {
		Tokens []struct{ ID, Name, Role string }
	}
	if status != 200 || json.Unmarshal(body, &list) != nil || len(list.Tokens) != 2 {
		t.Fatalf("list tokens: %d %s", status, body)
	}
	var id string
	for _, tk := range list.Tokens {
		if tk.Name == "viewer-token" {
			id = tk.ID
		}
	}
	if status, body, _ := in.call("DELETE", "/api/tokens/"+id, in.Admin, nil); status != 204 {
		t.Fatalf("revoke: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/api/whoami", tok, nil)
	wantError(t, status, body, 401, "unauthenticated")
	status, body, _ = in.call("DELETE", "/api/tokens/"+id, in.Admin, nil)
	wantError(t, status, body, 404, "not_found")
}

func TestBadInputGetsClear4xx(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVER_BODY_LIMIT": "4KiB"})
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed json", "POST", "/api/tokens", `{"name": "x", "role": `, 400, "invalid_argument"},
		{"not an object", "POST", "/api/tokens", `[1,2]`, 400, "invalid_argument"},
		{"unknown field", "POST", "/api/tokens", `{"name":"x","role":"viewer","admin":true}`, 400, "invalid_argument"},
		{"wrong type", "POST", "/api/tokens", `{"name":5,"role":"viewer"}`, 400, "invalid_argument"},
		{"trailing data", "POST", "/api/tokens", `{"name":"x","role":"viewer"} {}`, 400, "invalid_argument"},
		{"empty body", "POST", "/api/tokens", ``, 400, "invalid_argument"},
		{"unknown role", "POST", "/api/tokens", `{"name":"x","role":"root"}`, 400, "invalid_argument"},
		{"empty name", "POST", "/api/tokens", `{"name":"","role":"viewer"}`, 400, "invalid_argument"},
		{"too large", "POST", "/api/tokens", `{"name":"` + strings.Repeat("a", 5000) + `","role":"viewer"}`, 413, "payload_too_large"},
		{"dot-dot key", "PUT", "/api/artifacts/..%2Fsecret", "x", 400, "invalid_argument"},
		{"encoded dot-dot segment", "PUT", "/api/artifacts/a/%2E%2E/b", "x", 400, "invalid_argument"},
		{"nul in key", "PUT", "/api/artifacts/a%00b", "x", 400, "invalid_argument"},
		{"missing artifact", "GET", "/api/artifacts/nope.bin", "", 404, "not_found"},
		{"unknown route", "GET", "/api/nothing-here", "", 404, "not_found"},
		{"unknown token id", "DELETE", "/api/tokens/tok_nope", "", 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			status, resp, _ := in.call(tc.method, tc.path, in.Admin, body)
			wantError(t, status, resp, tc.status, tc.code)
		})
	}
	// A literal "/../" is collapsed by the router before it sees the key,
	// so it can never reach the store as a "..": it lands elsewhere.
	status, _, _ := in.call("PUT", "/api/artifacts/a/../../../etc/passwd", in.Admin, strings.NewReader("x"))
	if status == 201 {
		t.Fatal("a path with .. was stored")
	}
	if _, err := os.Stat(filepath.Join(in.DataDir, "..", "etc")); err == nil {
		t.Fatal("a file escaped the data dir")
	}
}

func TestChunkedBodyOverLimitIs413(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVER_BODY_LIMIT": "4KiB"})
	// An io.Reader of unknown length makes net/http send it chunked.
	big := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("a", 8000)), strings.NewReader(`","role":"viewer"}`))
	status, body, _ := in.call("POST", "/api/tokens", in.Admin, io.NopCloser(big))
	wantError(t, status, body, 413, "payload_too_large")
}

func TestArtifactRoundTripOverHTTP(t *testing.T) {
	in := start(t, nil)
	payload := bytes.Repeat([]byte("paddock!"), 300_000) // 2.4 MB, more than the JSON body limit path
	status, body, _ := in.call("PUT", "/api/artifacts/runs/1/model.bin", in.Admin, bytes.NewReader(payload))
	if status != 201 || !strings.Contains(string(body), `"digest":"sha256:`) {
		t.Fatalf("put: %d %s", status, body)
	}
	status, got, h := in.call("GET", "/api/artifacts/runs/1/model.bin", in.Admin, nil)
	if status != 200 || !bytes.Equal(got, payload) || !strings.HasPrefix(h.Get("X-Paddock-Digest"), "sha256:") {
		t.Fatalf("get: %d, %d bytes, digest %q", status, len(got), h.Get("X-Paddock-Digest"))
	}
	status, body, _ = in.call("GET", "/api/artifacts?prefix=runs/1", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"key":"runs/1/model.bin"`) {
		t.Fatalf("list: %d %s", status, body)
	}
	if status, _, _ := in.call("DELETE", "/api/artifacts/runs/1/model.bin", in.Admin, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	status, body, _ = in.call("GET", "/api/artifacts/runs/1/model.bin", in.Admin, nil)
	wantError(t, status, body, 404, "not_found")
}

func TestUploadLimit(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVER_BODY_LIMIT": "4KiB", "PADDOCK_SERVER_UPLOAD_LIMIT": "64KiB"})
	status, body, _ := in.call("PUT", "/api/artifacts/big.bin", in.Admin, bytes.NewReader(make([]byte, 100<<10)))
	wantError(t, status, body, 413, "payload_too_large")
	chunked := io.NopCloser(io.MultiReader(bytes.NewReader(make([]byte, 50<<10)), bytes.NewReader(make([]byte, 50<<10))))
	status, body, _ = in.call("PUT", "/api/artifacts/big.bin", in.Admin, chunked)
	wantError(t, status, body, 413, "payload_too_large")
	status, body, _ = in.call("GET", "/api/artifacts/big.bin", in.Admin, nil)
	wantError(t, status, body, 404, "not_found") // nothing half-stored
}

func TestBrokenConfigNamesLineAndStartsNothing(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "paddock.yaml")
	if err := os.WriteFile(cfgPath, []byte("server:\n  addr: 127.0.0.1:0\n  body_limitt: 1MiB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"paddock", "serve", "--config", cfgPath, "--data-dir", filepath.Join(dir, "data")},
		func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), cfgPath+":3: server.body_limitt: unknown key") {
		t.Fatalf("err = %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(statErr) {
		t.Fatal("data dir created although the config was refused")
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Fatal("server started on a broken config")
	}
}

func TestConfigFromEnvironmentVariable(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(cfgPath, []byte("log:\n  level: shouting\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PADDOCK_CONFIG": cfgPath}
	err := run(context.Background(), []string{"paddock", "serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), cfgPath+":2: log.level") {
		t.Fatalf("PADDOCK_CONFIG not read: %v", err)
	}
}

func TestCLIUsageAndVersion(t *testing.T) {
	var out, errOut syncBuffer
	noenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"paddock", "version"}, noenv, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "paddock ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	for _, argv := range [][]string{{"paddock"}, {"paddock", "frobnicate"}, {"paddock", "serve", "--no-such-flag"}, {"paddock", "token"}, {"paddock", "token", "create", "--data-dir", t.TempDir()}} {
		if err := run(context.Background(), argv, noenv, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Fatalf("%v: err %v, want a usage error", argv, err)
		}
	}
}

func TestTokenCommandAndMigrate(t *testing.T) {
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	var out syncBuffer
	if err := run(context.Background(), []string{"paddock", "migrate", "--data-dir", dir}, noenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0001 auth") {
		t.Fatalf("migrate output: %s", out.String())
	}
	var tok syncBuffer
	if err := run(context.Background(), []string{"paddock", "token", "create", "--role", "editor", "--name", "ci", "--data-dir", dir}, noenv, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(tok.String())
	// The token made offline works against a server on the same data dir.
	env := map[string]string{"PADDOCK_ADMIN_TOKEN": "test-admin-token-0123456789", "PADDOCK_DEMO": "false"}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"paddock", "serve", "--data-dir", dir, "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, io.Discard)
	}()
	in := &instance{t: t, cancel: cancel, done: done}
	for i := 0; i < 1000 && in.URL == ""; i++ {
		if m := listenRE.FindStringSubmatch(stdout.String()); m != nil {
			in.URL = m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer in.stop()
	status, body, _ := in.call("GET", "/api/whoami", secret, nil)
	if status != 200 || !strings.Contains(string(body), `"name":"ci"`) {
		t.Fatalf("offline token: %d %s", status, body)
	}
}

func TestFirstStartPrintsGeneratedAdminTokenOnce(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_ADMIN_TOKEN": ""})
	m := regexp.MustCompile(`\n    (pdk_\S+)\n`).FindStringSubmatch(in.Stdout.String())
	if m == nil {
		t.Fatalf("no admin token printed: %s", in.Stdout)
	}
	status, body, _ := in.call("GET", "/api/tokens", m[1], nil)
	if status != 200 {
		t.Fatalf("generated admin token: %d %s", status, body)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	in := start(t, nil)
	// A slow upload is in flight when shutdown begins; it must complete.
	pr, pw := io.Pipe()
	result := make(chan int, 1)
	go func() {
		status, _, _ := in.call("PUT", "/api/artifacts/slow.bin", in.Admin, pr)
		result <- status
	}()
	if _, err := pw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	in.cancel() // as SIGTERM does
	time.Sleep(100 * time.Millisecond)
	if _, err := pw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if status := <-result; status != 201 {
		t.Fatalf("in-flight upload during shutdown: %d", status)
	}
	if err := <-in.done; err != nil {
		t.Fatalf("run: %v", err)
	}
	in.done <- nil // let the cleanup's stop() see a clean exit
}

// A tampered artifact never reaches a client complete: the digest is
// checked while streaming and the last byte is held back until it matched.
func TestTamperedArtifactIsNotServedComplete(t *testing.T) {
	in := start(t, nil)
	payload := bytes.Repeat([]byte("weights "), 50_000)
	if status, body, _ := in.call("PUT", "/api/artifacts/m/model.bin", in.Admin, bytes.NewReader(payload)); status != 201 {
		t.Fatalf("put: %d %s", status, body)
	}
	var files []string
	filepath.Walk(filepath.Join(in.DataDir, "artifacts"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && info.Size() >= int64(len(payload)) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("expected one stored file, found %v", files)
	}
	f, err := os.OpenFile(files[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("X"), 1000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	req, _ := http.NewRequest("GET", in.URL+"/api/artifacts/m/model.bin", nil)
	req.Header.Set("Authorization", "Bearer "+in.Admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return // refused outright: fine
	}
	defer resp.Body.Close()
	got, readErr := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && readErr == nil && len(got) == len(payload) {
		t.Fatal("a tampered artifact was served complete and without error")
	}
}

// Clients keep idle connections open (HTTP keep-alive); shutdown must not
// wait for them to go away.
func TestShutdownWithIdleKeepAliveConnections(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVER_SHUTDOWN_TIMEOUT": "3s"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for i := range 6 {
		var resp *http.Response
		var err error
		if i%2 == 0 {
			resp, err = client.Get(in.URL + "/healthz")
		} else {
			req, _ := http.NewRequest("POST", in.URL+"/api/2.0/mlflow/runs/search", strings.NewReader(`{"experiment_ids":["0"]}`))
			req.Header.Set("Authorization", "Bearer "+in.Admin)
			resp, err = client.Do(req)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	began := time.Now()
	in.cancel()
	select {
	case err := <-in.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("paddock did not exit within 10s with an idle keep-alive connection open")
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("shutdown took %v with only idle connections", took)
	}
	in.done <- nil
}
