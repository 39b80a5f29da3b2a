package artifacttest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

func testListByPrefix(t *testing.T, h Harness) {
	ctx := context.Background()
	// Byte order differs from a directory walk here: "a-b" < "a.b" < "a/b".
	keys := []string{"a/b", "a/b/c", "a/b/d/e", "a/bc", "a/bc/d", "a-b", "a.b", "ab", "b", "a/b0"}
	stored := map[string]artifact.Info{}
	for _, key := range keys {
		stored[key] = put(t, h.Store, key, []byte("content of "+key))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a-b", "a.b", "a/b", "a/b/c", "a/b/d/e", "a/b0", "a/bc", "a/bc/d", "ab", "b"}},
		{"a", []string{"a/b", "a/b/c", "a/b/d/e", "a/b0", "a/bc", "a/bc/d"}},
		{"a/", []string{"a/b", "a/b/c", "a/b/d/e", "a/b0", "a/bc", "a/bc/d"}},
		{"a/b", []string{"a/b", "a/b/c", "a/b/d/e"}},
		{"a/b/", []string{"a/b", "a/b/c", "a/b/d/e"}},
		{"a/bc", []string{"a/bc", "a/bc/d"}},
		{"a/b/c", []string{"a/b/c"}},
		{"a/b/d", []string{"a/b/d/e"}}, // a prefix that is not itself a key
		{"a/b/c/d", nil},
		{"zz", nil},
		{"a/b/d/e/f", nil},
	}
	for _, tt := range tests {
		infos, err := h.Store.List(ctx, tt.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tt.prefix, err)
		}
		if got := keysOf(infos); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
		for _, info := range infos {
			checkInfo(t, "List("+tt.prefix+") entry", info, stored[info.Key])
		}
	}
	for _, prefix := range []string{"/", "/a", "../a", "a/../b", "a//b", "a//", `a\b`, "a\x00"} {
		if _, err := h.Store.List(ctx, prefix); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("List(%q) error = %v, want ErrInvalidKey", prefix, err)
		}
	}
}
