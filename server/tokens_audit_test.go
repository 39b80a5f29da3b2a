package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
)

// Creating and revoking a token over the API leaves audit events naming
// the admin who did it, and the secret appears in none of them.
func TestTokenChangesAreAudited(t *testing.T) {
	e := newUIEnv(t)
	call := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Admin])
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.s.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	status, body := call("POST", "/api/tokens", `{"name":"ci","role":"editor"}`)
	if status != http.StatusCreated {
		t.Fatalf("create token: %d %s", status, body)
	}
	var created struct {
		Token string     `json:"token"`
		Info  auth.Token `json:"info"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if status, body := call("DELETE", "/api/tokens/"+created.Info.ID, ""); status != http.StatusNoContent {
		t.Fatalf("revoke token: %d %s", status, body)
	}
	page, err := e.s.deps.Audit.List(context.Background(), audit.Query{ResourceKind: "token", ResourceID: created.Info.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range page.Events {
		actions = append(actions, ev.Action)
		if ev.Actor != "token:admin-user" {
			t.Errorf("%s by %q, want token:admin-user", ev.Action, ev.Actor)
		}
		if strings.Contains(string(ev.After)+string(ev.Before), created.Token) {
			t.Errorf("%s carries the token's secret", ev.Action)
		}
	}
	if strings.Join(actions, ",") != "auth.token.revoke,auth.token.create" {
		t.Errorf("audit events %v, want the revoke then the create (newest first)", actions)
	}
}
