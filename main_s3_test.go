package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/internal/miniotest"
)

// minioBin returns the MinIO binary scripts/minio.sh installed; without it
// the test fails (a missing server is never a silent skip).
func minioBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("PADDOCK_TEST_MINIO_BIN")
	if bin == "" {
		if os.Getenv("PADDOCK_TEST_NO_S3") == "1" {
			t.Skip("PADDOCK_TEST_NO_S3=1: S3 tests skipped on request")
		}
		t.Fatal(`PADDOCK_TEST_MINIO_BIN is not set: run the tests with make test, or eval "$(scripts/minio.sh start)" first`)
	}
	return bin
}

// With the S3 backend on a real MinIO: artifacts round-trip; when MinIO
// stops, /readyz says so and artifact calls answer 503 quickly; when it
// comes back, everything works again without restarting Paddock.
func TestS3BackendOutageAndRecovery(t *testing.T) {
	m := miniotest.Start(t, minioBin(t))
	in := start(t, map[string]string{
		"PADDOCK_ARTIFACTS_BACKEND":       "s3",
		"PADDOCK_ARTIFACTS_S3_ENDPOINT":   m.Addr,
		"PADDOCK_ARTIFACTS_S3_ACCESS_KEY": m.User,
		"PADDOCK_ARTIFACTS_S3_SECRET_KEY": m.Password,
		"PADDOCK_ARTIFACTS_S3_BUCKET":     "paddock-e2e",
	})
	payload := bytes.Repeat([]byte("model-bytes "), 200_000) // 2.4 MB: the multipart path
	if status, body, _ := in.call("PUT", "/api/artifacts/models/churn/1/model.json", in.Admin, bytes.NewReader(payload)); status != 201 {
		t.Fatalf("put: %d %s", status, body)
	}
	if status, got, _ := in.call("GET", "/api/artifacts/models/churn/1/model.json", in.Admin, nil); status != 200 || !bytes.Equal(got, payload) {
		t.Fatalf("get: %d, %d bytes", status, len(got))
	}

	m.Kill()
	started := time.Now()
	status, body, _ := in.call("GET", "/readyz", "", nil)
	if status != 503 || !strings.Contains(string(body), `"database":"ok"`) || strings.Contains(string(body), `"artifacts":"ok"`) {
		t.Fatalf("/readyz with MinIO down: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/api/artifacts/models/churn/1/model.json", in.Admin, nil)
	wantError(t, status, body, 503, "unavailable")
	status, body, _ = in.call("PUT", "/api/artifacts/models/churn/2/model.json", in.Admin, strings.NewReader("x"))
	wantError(t, status, body, 503, "unavailable")
	status, body, _ = in.call("GET", "/api/artifacts?prefix=models", in.Admin, nil)
	wantError(t, status, body, 503, "unavailable")
	if took := time.Since(started); took > 30*time.Second {
		t.Fatalf("outage answers took %v: calls must fail fast, not hang", took)
	}
	if status, _, _ := in.call("GET", "/healthz", "", nil); status != 200 {
		t.Fatal("/healthz must stay 200 while a dependency is down")
	}

	m.Restart(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body, _ = in.call("GET", "/readyz", "", nil)
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not recover: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, got, _ := in.call("GET", "/api/artifacts/models/churn/1/model.json", in.Admin, nil); status != 200 || !bytes.Equal(got, payload) {
		t.Fatalf("get after recovery: %d, %d bytes", status, len(got))
	}
	if status, body, _ := in.call("PUT", "/api/artifacts/models/churn/2/model.json", in.Admin, strings.NewReader("v2")); status != 201 {
		t.Fatalf("put after recovery: %d %s", status, body)
	}
}
