package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// wrkPath is Debian's wrk, the load generator.
const wrkPath = "/usr/bin/wrk"

// load is one wrk run's settings and its target request.
type load struct {
	URL         string
	Body        []byte
	Headers     map[string]string
	Threads     int
	Connections int
	Duration    time.Duration
}

// wrkResult is what one wrk run reports. Non2xx is wrk's "Non-2xx or 3xx
// responses" count (wrk counts statuses above 399); SocketErrors adds up
// connect, read, write and timeout errors.
type wrkResult struct {
	Requests     int64
	RPS          float64
	P50, P99     time.Duration
	Non2xx       int64
	SocketErrors int64
}

// runWrk writes the request script into dir and runs wrk with --latency.
func runWrk(ctx context.Context, dir string, l load) (wrkResult, error) {
	script, err := luaScript(l.Body, l.Headers)
	if err != nil {
		return wrkResult{}, err
	}
	f, err := os.CreateTemp(dir, "wrk-*.lua")
	if err != nil {
		return wrkResult{}, err
	}
	path := f.Name()
	defer os.Remove(path)
	if _, err := f.WriteString(script); err != nil {
		f.Close()
		return wrkResult{}, err
	}
	if err := f.Close(); err != nil {
		return wrkResult{}, err
	}
	// The timeout is well above any latency the slowest server shows, so
	// a slow answer counts in the percentiles rather than as an error.
	cmd := exec.CommandContext(ctx, wrkPath,
		"-t", strconv.Itoa(l.Threads), "-c", strconv.Itoa(l.Connections),
		"-d", durationArg(l.Duration), "--timeout", "30s", "--latency",
		"-s", filepath.Clean(path), l.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w: %s", l.URL, err, out)
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w\n%s", l.URL, err, out)
	}
	return r, nil
}

// durationArg writes d in whole seconds (at least 1), the unit wrk reads.
func durationArg(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))) + "s"
}

// luaScript is the wrk script that makes every request a POST of body
// with the given headers. The body goes in a Lua long bracket string, so
// it needs no escaping as long as it does not contain the closing
// bracket.
func luaScript(body []byte, headers map[string]string) (string, error) {
	const open, closing = "[==[", "]==]"
	if strings.Contains(string(body), closing) {
		return "", fmt.Errorf("request body contains %q, which the wrk script cannot quote", closing)
	}
	var b strings.Builder
	b.WriteString("wrk.method = \"POST\"\n")
	fmt.Fprintf(&b, "wrk.body = %s%s%s\n", open, body, closing)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaString(k), luaString(headers[k]))
	}
	return b.String(), nil
}

// luaString quotes a header name or value as a Lua string literal;
// Go's %q escapes (\", \\, \n, \t, \xNN) are all valid Lua escapes for
// the printable ASCII a header holds.
func luaString(s string) string {
	return strconv.QuoteToASCII(s)
}

// parseWrk reads the figures out of wrk's --latency report.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var seen struct{ rps, p50, p99, requests bool }
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var err error
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.RPS, err = strconv.ParseFloat(f[1], 64)
			seen.rps = true
		case len(f) == 2 && f[0] == "50%":
			r.P50, err = parseWrkDuration(f[1])
			seen.p50 = true
		case len(f) == 2 && f[0] == "99%":
			r.P99, err = parseWrkDuration(f[1])
			seen.p99 = true
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.Requests, err = strconv.ParseInt(f[0], 10, 64)
			seen.requests = true
		case len(f) == 5 && strings.Join(f[:4], " ") == "Non-2xx or 3xx responses:":
			r.Non2xx, err = strconv.ParseInt(f[4], 10, 64)
		case len(f) >= 3 && f[0] == "Socket" && f[1] == "errors:":
			r.SocketErrors, err = parseSocketErrors(f[2:])
		}
		if err != nil {
			return wrkResult{}, fmt.Errorf("line %q: %w", sc.Text(), err)
		}
	}
	if !seen.rps || !seen.p50 || !seen.p99 || !seen.requests {
		return wrkResult{}, fmt.Errorf("wrk output lacks Requests/sec, the request count or the 50%%/99%% latencies (was --latency given?)")
	}
	return r, nil
}

// parseSocketErrors adds up "connect 0, read 0, write 0, timeout 0".
func parseSocketErrors(f []string) (int64, error) {
	if len(f)%2 != 0 {
		return 0, fmt.Errorf("socket errors: want name/count pairs")
	}
	var total int64
	for i := 1; i < len(f); i += 2 {
		n, err := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("socket errors: %w", err)
		}
		total += n
	}
	return total, nil
}

// wrkUnits are the suffixes wrk prints latencies with, ordered so that
// "us" and "ms" are tried before "s".
var wrkUnits = []struct {
	suffix string
	unit   time.Duration
}{
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
}

// parseWrkDuration reads a latency such as "250.00us", "1.23ms" or "2.00s".
func parseWrkDuration(s string) (time.Duration, error) {
	for _, u := range wrkUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("latency %q: not a non-negative number of %s", s, u.suffix)
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("latency %q: unknown unit", s)
}
