package s3store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// TestMultipartCopy lowers the single-copy limit so that a Put takes the
// path that objects over 5 GiB take in production: a copy in parts.
func TestMultipartCopy(t *testing.T) {
	s := openStore(t, testConfig(t))
	s.copyLimit = 1 << 20
	s.copyPartSize = minPartSize
	ctx := context.Background()
	content := strings.Repeat("0123456789abcdef", (15<<20)/16) // three copy parts of 5 MiB
	info, err := s.Put(ctx, "large/model.bin", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, s, "large/model.bin"); got != content {
		t.Fatal("content changed in a multipart copy")
	}
	name, _ := s.objectName("large/model.bin")
	obj, err := s.client.StatObject(ctx, s.cfg.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// S3 gives objects assembled from parts an ETag ending in "-<parts>".
	if !strings.HasSuffix(obj.ETag, "-3") {
		t.Errorf("ETag %q: the object was not copied in 3 parts", obj.ETag)
	}
	if obj.UserMetadata[metaDigest] != info.Digest {
		t.Errorf("recorded digest %q, want %q", obj.UserMetadata[metaDigest], info.Digest)
	}
}

func TestSweepTemps(t *testing.T) {
	s := openStore(t, testConfig(t))
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.PutObject(ctx, s.cfg.Bucket, s.temps+"LEFTOVER", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	s.sweepTemps(ctx, time.Now().Add(-time.Hour)) // nothing is that old yet
	if got := s.tempNames(t); !equal(got, []string{"@keep", "LEFTOVER"}) {
		t.Fatalf("before the cutoff, temporaries = %q", got)
	}
	s.sweepTemps(ctx, time.Now().Add(time.Hour)) // everything is
	if got := s.tempNames(t); !equal(got, []string{"@keep"}) {
		t.Errorf("after the cutoff, temporaries = %q, want only @keep", got)
	}
}

// tempNames lists the temporary objects.
func (s *Store) tempNames(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.temps, Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		names = append(names, strings.TrimPrefix(obj.Key, s.temps))
	}
	return names
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
