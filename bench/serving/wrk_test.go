package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The testdata files are wrk 4.1 --latency reports captured on the
// reference machine: a clean run against the floor, the floor answering
// 404 to every request, and the Python peer timing out under a 1 s
// --timeout.
func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want wrkResult
	}{
		{"wrk_ok.txt", wrkResult{Requests: 91104, RPS: 43617.00, P50: 453 * time.Microsecond, P99: 51400 * time.Microsecond}},
		{"wrk_non2xx.txt", wrkResult{Requests: 84298, RPS: 40911.71, P50: 537 * time.Microsecond, P99: 41740 * time.Microsecond, Non2xx: 84298}},
		{"wrk_socket_errors.txt", wrkResult{Requests: 61, RPS: 19.88, P50: 846250 * time.Microsecond, P99: 949360 * time.Microsecond, SocketErrors: 54}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWrk(string(b))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parseWrk = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrkIncomplete(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "wrk_ok.txt"))
	if err != nil {
		t.Fatal(err)
	}
	full := string(b)
	for _, drop := range []string{"Requests/sec:", "50%", "99%", "requests in"} {
		var kept []string
		for _, line := range strings.Split(full, "\n") {
			if !strings.Contains(line, drop) {
				kept = append(kept, line)
			}
		}
		if _, err := parseWrk(strings.Join(kept, "\n")); err == nil {
			t.Errorf("output without %q parsed without error", drop)
		}
	}
	bad := strings.Replace(full, "453.00us", "453.00xs", 1)
	if _, err := parseWrk(bad); err == nil {
		t.Error("a latency with an unknown unit parsed without error")
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"250.00us", 250 * time.Microsecond},
		{"1.50ms", 1500 * time.Microsecond},
		{"2.00s", 2 * time.Second},
		{"1.00m", time.Minute},
		{"1.00h", time.Hour},
	}
	for _, tt := range tests {
		got, err := parseWrkDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "ms", "-1.00ms", "1.00", "abcus"} {
		if _, err := parseWrkDuration(in); err == nil {
			t.Errorf("parseWrkDuration(%q) succeeded", in)
		}
	}
}

func TestLuaScript(t *testing.T) {
	got, err := luaScript([]byte(`{"rows":[[1,2]]}`), map[string]string{
		"Content-Type":  "application/json",
		"Authorization": `Bearer a"b\c`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `wrk.method = "POST"
wrk.body = [==[{"rows":[[1,2]]}]==]
wrk.headers["Authorization"] = "Bearer a\"b\\c"
wrk.headers["Content-Type"] = "application/json"
`
	if got != want {
		t.Errorf("luaScript =\n%s\nwant\n%s", got, want)
	}
	if _, err := luaScript([]byte(`{"s":"]==]"}`), nil); err == nil {
		t.Error("a body holding the closing long bracket was accepted")
	}
}
