package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/artifact/s3store"
	"github.com/paddockml/paddock/errs"
)

// A version's files round-trip through the local store, and tampering
// is caught on download.
func TestArchiveOnLocalStore(t *testing.T) {
	e := newEnv(t, nil)
	testArchive(t, e, func(key string) {
		path := filepath.Join(e.root, "objects", filepath.FromSlash(artifact.ObjectName(key)))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[0] ^= 0xff // the content changes, the recorded digest does not
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	})
}

// The same on a real MinIO (scripts/minio.sh provides it).
func TestArchiveOnMinIO(t *testing.T) {
	cfg, client := minioStore(t)
	store, err := s3store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvOn(t, store, nil)
	testArchive(t, e, func(key string) {
		ctx := context.Background()
		name := "objects/" + artifact.ObjectName(key)
		obj, err := client.GetObject(ctx, cfg.Bucket, name, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := obj.Stat()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		b[0] ^= 0xff
		meta := map[string]string{}
		for k, v := range st.UserMetadata {
			meta[k] = v
		}
		if _, err := client.PutObject(ctx, cfg.Bucket, name, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{UserMetadata: meta}); err != nil {
			t.Fatal(err)
		}
	})
}

// minioStore returns the configuration of a fresh bucket on the test
// MinIO and a raw client to tamper with it; the bucket goes at the end.
func minioStore(t *testing.T) (s3store.Config, *minio.Client) {
	t.Helper()
	if os.Getenv("PADDOCK_TEST_NO_S3") == "1" {
		t.Skip("PADDOCK_TEST_NO_S3=1: S3 tests turned off on request")
	}
	endpoint, key, secret := os.Getenv("PADDOCK_TEST_S3_ENDPOINT"), os.Getenv("PADDOCK_TEST_S3_ACCESS_KEY"), os.Getenv("PADDOCK_TEST_S3_SECRET_KEY")
	if endpoint == "" || key == "" || secret == "" {
		t.Fatal(`PADDOCK_TEST_S3_* not set: this test needs a real MinIO. Start one with eval "$(scripts/minio.sh start)" or set PADDOCK_TEST_NO_S3=1`)
	}
	cfg := s3store.Config{Endpoint: endpoint, AccessKey: key, SecretKey: secret,
		Bucket: "paddock-registry-" + strings.ToLower(rand.Text()[:16]), Timeout: 10 * time.Second}
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(key, secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = client.RemoveBucketWithOptions(ctx, cfg.Bucket, minio.RemoveBucketOptions{ForceDelete: true})
	})
	return cfg, client
}

// testArchive registers a run's model, downloads it as tar and compares
// every file and digest; then damages a file behind the store's back
// (tamper) and replaces another through the store, and checks that both
// are caught.
func testArchive(t *testing.T, e *env, tamper func(key string)) {
	ctx := context.Background()
	e.model("churn")
	tr := e.trainRun()
	v := e.register("churn", tr)

	a, err := e.reg.OpenArchive(ctx, "churn", v.Version)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Write(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	got := readTar(t, buf.Bytes(), a.Files)
	if len(got) != len(tr.Files) {
		t.Fatalf("archive holds %d files, want %d", len(got), len(tr.Files))
	}
	for name, want := range tr.Files {
		if !bytes.Equal(got[name], want) {
			t.Errorf("%s: %d bytes in the archive, want %d", name, len(got[name]), len(want))
		}
	}

	// Damaged content with its record intact: caught while streaming, and
	// the damaged entry never arrives whole.
	tamper(v.prefix + "/model.json")
	a, err = e.reg.OpenArchive(ctx, "churn", v.Version)
	if err != nil {
		t.Fatalf("open after tampering (the records still match): %v", err)
	}
	buf.Reset()
	err = a.Write(ctx, &buf)
	if !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("streaming a tampered file: %v, want ErrDigestMismatch", err)
	}
	tr2 := tar.NewReader(&buf)
	for {
		hdr, err := tr2.Next()
		if err != nil {
			t.Fatalf("the tampered entry is missing from the stream: %v", err)
		}
		if hdr.Name != "model.json" {
			continue
		}
		if body, err := io.ReadAll(tr2); err == nil || len(body) >= len(tr.Files["model.json"]) {
			t.Fatalf("tampered entry came through whole: %d bytes, %v", len(body), err)
		}
		break
	}

	// A file replaced through the store has a valid record of its own, but
	// not the one registered: refused before anything is sent.
	if _, err := e.store.Put(ctx, v.prefix+"/MLmodel", strings.NewReader("flavors: {}\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.OpenArchive(ctx, "churn", v.Version); !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("open after replacement: %v, want ErrDigestMismatch", err)
	}
	if _, err := e.reg.OpenArchive(ctx, "churn", 42); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing version: %v", err)
	}
}

// readTar reads a whole archive, checking each entry's PAX digest against
// the manifest.
func readTar(t *testing.T, b []byte, manifest []File) map[string][]byte {
	t.Helper()
	digests := map[string]string{}
	for _, f := range manifest {
		digests[f.Path] = f.Digest
	}
	out := map[string][]byte{}
	r := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.PAXRecords["PADDOCK.sha256"] != digests[hdr.Name] || digests[hdr.Name] == "" {
			t.Errorf("%s: PAX digest %q, manifest %q", hdr.Name, hdr.PAXRecords["PADDOCK.sha256"], digests[hdr.Name])
		}
		out[hdr.Name] = body
	}
}
