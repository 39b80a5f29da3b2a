package s3store

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact/artifacttest"
)

// The S3 tests need a real MinIO. scripts/minio.sh starts one and prints
// these variables; PADDOCK_TEST_NO_S3=1 skips the tests instead.
const (
	envEndpoint  = "PADDOCK_TEST_S3_ENDPOINT"
	envAccessKey = "PADDOCK_TEST_S3_ACCESS_KEY"
	envSecretKey = "PADDOCK_TEST_S3_SECRET_KEY"
	envMinioBin  = "PADDOCK_TEST_MINIO_BIN"
	envNoS3      = "PADDOCK_TEST_NO_S3"
)

// testEnv returns the named variables, failing the test when one is unset
// (or skipping it when the S3 tests were turned off on purpose).
func testEnv(t *testing.T, names ...string) []string {
	t.Helper()
	if os.Getenv(envNoS3) == "1" {
		t.Skip(envNoS3 + "=1: S3 tests turned off on request")
	}
	values := make([]string, len(names))
	var missing []string
	for i, name := range names {
		if values[i] = os.Getenv(name); values[i] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s not set: these tests need a real MinIO. Start one with\n"+
			"\teval \"$(scripts/minio.sh start)\"   (stop it with scripts/minio.sh stop)\n"+
			"or set %s=1 to skip the S3 tests.", strings.Join(missing, ", "), envNoS3)
	}
	return values
}

// testConfig returns a Config for the test MinIO with a fresh bucket name.
func testConfig(t *testing.T) Config {
	t.Helper()
	env := testEnv(t, envEndpoint, envAccessKey, envSecretKey)
	return Config{
		Endpoint:  env[0],
		AccessKey: env[1],
		SecretKey: env[2],
		Bucket:    "paddock-test-" + strings.ToLower(rand.Text()[:20]),
		Timeout:   5 * time.Second,
	}
}

// openStore opens a store for cfg and, when the test ends, closes it and
// deletes its bucket.
func openStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := s.client.RemoveBucketWithOptions(ctx, cfg.Bucket, minio.RemoveBucketOptions{ForceDelete: true})
		if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchBucket {
			t.Logf("removing bucket %s: %v", cfg.Bucket, err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	testEnv(t, envEndpoint, envAccessKey, envSecretKey) // one failure, not one per subtest
	for _, prefix := range []string{"", "tenants/paddock"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			artifacttest.Run(t, func(t *testing.T) artifacttest.Harness {
				cfg := testConfig(t)
				cfg.Prefix = prefix
				s := openStore(t, cfg)
				return artifacttest.Harness{
					Store:     s,
					Tamper:    func(t *testing.T, key string) { tamper(t, s, key) },
					PutMemory: s.cfg.PartSize + 2*directPutMax,
				}
			})
		})
	}
}

// tamper rewrites the object under key with its first byte flipped and its
// recorded digest kept, as a stray writer with bucket access could.
func tamper(t *testing.T, s *Store, key string) {
	t.Helper()
	ctx := context.Background()
	name, err := s.objectName(key)
	if err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: s.client}
	body, obj, _, err := core.GetObject(ctx, s.cfg.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	content, err := io.ReadAll(body)
	body.Close()
	if err != nil || len(content) == 0 {
		t.Fatalf("reading %q to tamper with it: %d bytes, %v", key, len(content), err)
	}
	content[0] ^= 0xff
	_, err = s.client.PutObject(ctx, s.cfg.Bucket, name, bytes.NewReader(content), int64(len(content)),
		minio.PutObjectOptions{UserMetadata: map[string]string{metaDigest: obj.UserMetadata[metaDigest]}})
	if err != nil {
		t.Fatal(err)
	}
}
