package s3store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	valid := Config{Endpoint: "127.0.0.1:9000", Bucket: "paddock"}
	got, err := valid.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.Region != "us-east-1" || got.PartSize != 16<<20 || got.Timeout != 10*time.Second {
		t.Errorf("defaults = %+v", got)
	}
	for _, tt := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint is required"},
		{"scheme", func(c *Config) { c.Endpoint = "http://minio:9000" }, "without a scheme"},
		{"bucket", func(c *Config) { c.Bucket = "Bad_Bucket" }, `bucket "Bad_Bucket"`},
		{"part size", func(c *Config) { c.PartSize = 1 << 20 }, "below the S3 minimum"},
		{"prefix", func(c *Config) { c.Prefix = "../up" }, `prefix "../up"`},
		{"timeout", func(c *Config) { c.Timeout = -time.Second }, "negative"},
	} {
		cfg := valid
		tt.change(&cfg)
		if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Open error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestObjectNameLength(t *testing.T) {
	t.Parallel()
	s, err := Open(Config{Endpoint: "127.0.0.1:9", Bucket: "bkt", Prefix: "some/prefix/"})
	if err != nil {
		t.Fatal(err)
	}
	name, err := s.objectName("runs/1/model.json")
	if err != nil || name != "some/prefix/objects/runs/1/model.json/@data" {
		t.Errorf("objectName = %q, %v", name, err)
	}
	long := strings.Repeat("k/", 500) + "end" // a valid key of 1003 bytes
	if _, err := s.objectName(long); !errors.Is(err, artifact.ErrInvalidKey) {
		t.Errorf("objectName of a key too long once prefixed: %v, want ErrInvalidKey", err)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	s, err := Open(Config{Endpoint: "127.0.0.1:9", Bucket: "bkt"})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		ctx  context.Context
		err  error
		want error
	}{
		{context.Background(), minio.ErrorResponse{Code: minio.NoSuchKey, StatusCode: 404}, artifact.ErrNotFound},
		{context.Background(), minio.ErrorResponse{Code: minio.NoSuchBucket, StatusCode: 404}, artifact.ErrUnavailable},
		{context.Background(), minio.ErrorResponse{Code: "XMinioServerNotInitialized", StatusCode: 503}, artifact.ErrUnavailable},
		{context.Background(), minio.ErrorResponse{Code: "InternalError", StatusCode: 502}, artifact.ErrUnavailable},
		{context.Background(), fmt.Errorf("read: %w", errors.New("connection refused")), artifact.ErrUnavailable},
		{canceled, errors.New("anything"), context.Canceled},
	} {
		if got := s.classify(tt.ctx, tt.err); !errors.Is(got, tt.want) {
			t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	// Errors it does not know keep their text but not minio-go's types.
	denied := minio.ErrorResponse{Code: "AccessDenied", Message: "Access Denied.", StatusCode: 403}
	got := s.classify(context.Background(), denied)
	var resp minio.ErrorResponse
	if errors.As(got, &resp) || got.Error() != denied.Error() {
		t.Errorf("classify(AccessDenied) = %#v, want its text without its type", got)
	}
	for _, want := range []error{artifact.ErrNotFound, artifact.ErrUnavailable} {
		if errors.Is(got, want) {
			t.Errorf("classify(AccessDenied) is %v", want)
		}
	}
}
