package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/internal/miniotest"
)

// With the S3 backend on a real MinIO: a version registered from a run
// is copied, downloads with every digest checked, and tampering, through
// the API or behind Paddock's back in the bucket, is detected.
func TestRegistryArtifactsOnMinIO(t *testing.T) {
	m := miniotest.Start(t, minioBin(t))
	const bucket = "paddock-registry-e2e"
	in := start(t, map[string]string{
		"PADDOCK_ARTIFACTS_BACKEND":       "s3",
		"PADDOCK_ARTIFACTS_S3_ENDPOINT":   m.Addr,
		"PADDOCK_ARTIFACTS_S3_ACCESS_KEY": m.User,
		"PADDOCK_ARTIFACTS_S3_SECRET_KEY": m.Password,
		"PADDOCK_ARTIFACTS_S3_BUCKET":     bucket,
	})
	lr := logModelRun(t, in, "churn-training")
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn"})
	status, body := mlCall(t, in, in.Admin, "POST", "/model-versions/create", map[string]any{"name": "churn", "source": lr.ArtifactURI, "run_id": lr.ID})
	if status != 200 || !strings.Contains(string(body), `"status":"READY"`) {
		t.Fatalf("register: %d %s", status, body)
	}
	checkDownload(t, in, "churn", 1, lr.Files)

	// Flip a byte of model.json in the bucket, keeping its recorded digest.
	client, err := minio.New(m.Addr, &minio.Options{Creds: credentials.NewStaticV4(m.User, m.Password, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := "objects/" + artifact.ObjectName("mlartifacts/models/1/1/model.json")
	obj, err := client.GetObject(ctx, bucket, name, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := obj.Stat()
	if err != nil {
		t.Fatal(err)
	}
	content, err := io.ReadAll(obj)
	obj.Close()
	if err != nil {
		t.Fatal(err)
	}
	content[len(content)/2] ^= 0x20
	if _, err := client.PutObject(ctx, bucket, name, bytes.NewReader(content), int64(len(content)),
		minio.PutObjectOptions{UserMetadata: st.UserMetadata}); err != nil {
		t.Fatal(err)
	}
	resp := download(t, in, "churn", 1)
	got, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if readErr == nil {
		t.Fatal("a tampered object was streamed to the end without an error")
	}
	if entry := tarEntry(got, "model.json"); entry != nil && len(entry) == len(lr.Files["model.json"]) {
		t.Fatal("the tampered model.json arrived whole")
	}

	// Replaced through the API: refused before the first byte.
	if status, body, _ := in.call("PUT", "/api/artifacts/mlartifacts/models/1/1/MLmodel", in.Admin, strings.NewReader("flavors: {}\n")); status != 201 {
		t.Fatalf("replace: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/api/models/churn/versions/1/download", in.Admin, nil)
	wantError(t, status, body, 500, "data_corruption")
}
