package artifact_test

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

func TestValidateKey(t *testing.T) {
	t.Parallel()
	valid := []string{
		"a",
		"runs/42/model.json",
		"a/b/c/d",
		".hidden/x",
		"a/..b/c..",
		"a/.../b",
		"@data",
		"名前/モデル.onnx",
		"with space/and:colon",
		strings.Repeat("x", artifact.MaxSegmentLen),
		strings.Repeat("abcdefg/", 127) + "abcdefg", // 1023 bytes
	}
	for _, key := range valid {
		if err := artifact.ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	invalid := []string{
		"",
		".",
		"..",
		"../x",
		"a/../b",
		"a/..",
		"a/./b",
		"./a",
		"/abs",
		"/",
		"a/",
		"a//b",
		"a\\b",
		"..\\x",
		"a\x00b",
		"a\nb",
		"a\x7fb",
		"a\u0085b", // C1 control
		"\xff\xfe",
		strings.Repeat("x", artifact.MaxSegmentLen+1),
		strings.Repeat("abcdefg/", 128) + "a", // 1025 bytes
	}
	for _, key := range invalid {
		err := artifact.ValidateKey(key)
		if !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func FuzzValidateKey(f *testing.F) {
	for _, seed := range []string{"a", "runs/1/model.json", "../x", "a/../b", "/abs", "a\x00b", "", "a//b", "a/.", "C:/x", "a\\b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if artifact.ValidateKey(key) != nil {
			return
		}
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q with segment %q", key, seg)
			}
		}
		if strings.ContainsAny(key, "\\\x00") || len(key) > artifact.MaxKeyLen {
			t.Fatalf("accepted %q", key)
		}
		if !filepath.IsLocal(key) || path.Clean(key) != key {
			t.Fatalf("accepted %q, which is not a clean local path", key)
		}
		const root = "/srv/paddock/objects"
		if joined := filepath.Join(root, key); !strings.HasPrefix(joined, root+string(filepath.Separator)) {
			t.Fatalf("accepted %q, which escapes the root: %q", key, joined)
		}
	})
}
