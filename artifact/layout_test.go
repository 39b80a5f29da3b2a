package artifact_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

func TestObjectName(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, name string }{
		{"a", "a/@data"},
		{"runs/1/model.json", "runs/1/model.json/@data"},
		{"@data", "@@data/@data"},
		{"a/@x/@@y", "a/@@x/@@@y/@data"},
		{"a@/b@c", "a@/b@c/@data"},
	}
	for _, tt := range tests {
		if got := artifact.ObjectName(tt.key); got != tt.name {
			t.Errorf("ObjectName(%q) = %q, want %q", tt.key, got, tt.name)
		}
		if key, ok := artifact.KeyOfObjectName(tt.name); !ok || key != tt.key {
			t.Errorf("KeyOfObjectName(%q) = %q, %v; want %q", tt.name, key, ok, tt.key)
		}
	}
	for _, name := range []string{"a", "@data", "a/@data/x", "a/@x/@data", "a/b/notes.txt", "a//@data", "../@data", "a/@data/@data"} {
		if key, ok := artifact.KeyOfObjectName(name); ok {
			t.Errorf("KeyOfObjectName(%q) = %q, true; want false", name, key)
		}
	}
}

func FuzzObjectName(f *testing.F) {
	for _, seed := range []string{"a", "@data", "a/@@b/@", "x/y/z", "@"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if artifact.ValidateKey(key) != nil {
			return
		}
		name := artifact.ObjectName(key)
		if !filepath.IsLocal(name) {
			t.Fatalf("ObjectName(%q) = %q is not a local path", key, name)
		}
		// No object name may be a directory on the way to another.
		if strings.Contains(strings.TrimSuffix(name, "/@data"), "/@data/") || strings.HasPrefix(name, "@data/") {
			t.Fatalf("ObjectName(%q) = %q passes through an object", key, name)
		}
		if got, ok := artifact.KeyOfObjectName(name); !ok || got != key {
			t.Fatalf("KeyOfObjectName(ObjectName(%q)) = %q, %v", key, got, ok)
		}
	})
}
