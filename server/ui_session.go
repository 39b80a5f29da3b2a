package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

const (
	sessionCookie = "paddock_session"
	// loginCookie carries the sign-in form's CSRF token (double submit):
	// there is no session yet to hold it.
	loginCookie = "paddock_login"
	// sessionTTL is how long a dashboard session lasts from sign-in.
	sessionTTL = 12 * time.Hour
	// maxSessions bounds the store's memory; signing in past it drops the
	// sessions closest to expiry.
	maxSessions = 10000
)

// session is a signed-in dashboard user. The cookie holds only the
// opaque id; the token stays in memory on the server so every request
// re-checks it (a revoked token ends its sessions).
type session struct {
	id      string
	token   string
	csrf    string
	expires time.Time
}

// sessionStore keeps dashboard sessions in memory: a restart signs
// everyone out, which a single binary can afford.
type sessionStore struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]session
}

func newSessionStore(now func() time.Time) *sessionStore {
	return &sessionStore{now: now, m: map[string]session{}}
}

// randomToken returns 32 random bytes, URL-safe encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// create opens a session for token.
func (st *sessionStore) create(token string) session {
	ss := session{id: randomToken(), token: token, csrf: randomToken(), expires: st.now().Add(sessionTTL)}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.m) >= maxSessions {
		st.evictLocked()
	}
	st.m[ss.id] = ss
	return ss
}

// evictLocked drops expired sessions, and if the store is still full,
// the one closest to expiry.
func (st *sessionStore) evictLocked() {
	now := st.now()
	var oldest string
	for id, ss := range st.m {
		if !now.Before(ss.expires) {
			delete(st.m, id)
		} else if oldest == "" || ss.expires.Before(st.m[oldest].expires) {
			oldest = id
		}
	}
	if len(st.m) >= maxSessions && oldest != "" {
		delete(st.m, oldest)
	}
}

// get returns the live session with id.
func (st *sessionStore) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ss, ok := st.m[id]
	if ok && !st.now().Before(ss.expires) {
		delete(st.m, id)
		return session{}, false
	}
	return ss, ok
}

// drop ends the session with id.
func (st *sessionStore) drop(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.m, id)
}

// sameSecret compares two secrets in constant time; empty never matches.
func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
