package server

import (
	"testing"
	"time"
)

// A session lasts sessionTTL and no longer; dropping it ends it at once;
// a full store makes room instead of growing.
func TestSessionStoreExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := newSessionStore(func() time.Time { return now })
	a := st.create("tok-a")
	if a.id == "" || a.csrf == "" || a.id == a.csrf {
		t.Fatalf("session %+v: want distinct random id and csrf", a)
	}
	now = now.Add(sessionTTL - time.Second)
	if got, ok := st.get(a.id); !ok || got.token != "tok-a" {
		t.Fatalf("session gone before its TTL: %v", ok)
	}
	now = now.Add(time.Second)
	if _, ok := st.get(a.id); ok {
		t.Fatal("session outlived its TTL")
	}
	b := st.create("tok-b")
	st.drop(b.id)
	if _, ok := st.get(b.id); ok {
		t.Fatal("dropped session still found")
	}
	if _, ok := st.get(""); ok {
		t.Fatal("the empty id found a session")
	}
	for i := 0; i < maxSessions+5; i++ {
		st.create("t")
	}
	if n := len(st.m); n > maxSessions {
		t.Errorf("store holds %d sessions, more than %d", n, maxSessions)
	}
}

// The post-sign-in redirect stays inside the dashboard.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ui/":                 "/ui/",
		"/ui/?page=2":          "/ui/?page=2",
		"":                     "/ui/",
		"https://evil.example": "/ui/",
		"//evil.example/ui/":   "/ui/",
		"/ui//evil.example":    "/ui/",
		"/ui/\\evil":           "/ui/",
		"/api/tokens":          "/ui/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
