package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// page is one dashboard URL to time and what a good answer holds: at
// least want elements marked with mark.
type page struct {
	name, path string
	mark       string
	want       int
	// before runs ahead of each request, untimed.
	before func()
}

type result struct {
	p50, p95, max float64
	// cpu is the server's CPU time per timed request (user and system,
	// all threads), from /proc.
	cpu float64
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the form as a browser does and returns a
// client that carries the session cookie.
func signIn(base string) *http.Client {
	jar, err := cookiejar.New(nil)
	check(err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(base + "/login")
	check(err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		check(fmt.Errorf("no CSRF token in the sign-in form"))
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "token": {token}, "next": {"/ui/"}})
	check(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		check(fmt.Errorf("sign-in: %d", resp.StatusCode))
	}
	return c
}

// measure requests p three times to warm up (checking the answer), then
// n times, and returns the percentiles of the client's wall time.
func measure(c *http.Client, srv *server, p page, n int) result {
	base := srv.URL
	times := make([]float64, 0, n)
	var cpu float64
	for i := range n + 3 {
		if p.before != nil {
			p.before()
		}
		cpu0 := processCPU(srv.Cmd.Process.Pid)
		start := time.Now()
		resp, err := c.Get(base + p.path)
		check(err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ms := float64(time.Since(start).Microseconds()) / 1000
		check(err)
		if resp.StatusCode != http.StatusOK {
			check(fmt.Errorf("%s: %d %.500s", p.path, resp.StatusCode, body))
		}
		if i >= 3 {
			cpu += processCPU(srv.Cmd.Process.Pid) - cpu0
		}
		if i < 3 {
			if got := strings.Count(string(body), p.mark); got < p.want {
				check(fmt.Errorf("%s: %d of %s, want %d or more", p.path, got, p.mark, p.want))
			}
			continue
		}
		times = append(times, ms)
	}
	slices.Sort(times)
	return result{p50: times[len(times)/2], p95: times[len(times)*95/100], max: times[len(times)-1], cpu: cpu / float64(n)}
}

// processCPU is a process's user and system CPU time in milliseconds,
// from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms).
func processCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) * 10
}

var nextRE = regexp.MustCompile(`data-testid="next-page"><a href="([^"]+)"`)

// walk follows the table's "next page" links from path to the last page
// and returns the percentiles of the pages' times and how many runs the
// pages held in all.
func walk(c *http.Client, base, path string) (result, int) {
	var times []float64
	runs := 0
	for path != "" {
		start := time.Now()
		resp, err := c.Get(base + path)
		check(err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		check(err)
		if resp.StatusCode != http.StatusOK {
			check(fmt.Errorf("%s: %d %.500s", path, resp.StatusCode, body))
		}
		runs += strings.Count(string(body), `data-testid="run"`)
		path = ""
		if m := nextRE.FindSubmatch(body); m != nil {
			path = html.UnescapeString(string(m[1]))
		}
	}
	slices.Sort(times)
	return result{p50: times[len(times)/2], p95: times[len(times)*95/100], max: times[len(times)-1]}, runs
}

// appender logs the next 1000 points of a run's loss through the MLflow
// REST API, as a training run being watched does.
func appender(base, runID string) func() {
	next := lastStep(base, runID, "loss") + 1
	return func() {
		var b strings.Builder
		fmt.Fprintf(&b, `{"run_id":%q,"metrics":[`, runID)
		for i := range 1000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"key":"loss","value":%g,"timestamp":%d,"step":%d}`, 0.05+0.01/float64(next+1), 1_800_000_000_000+next, next)
			next++
		}
		b.WriteString("]}")
		mlflow(base, "POST", "/runs/log-batch", b.String())
	}
}

// lastStep is the step of a run's latest point of a metric.
func lastStep(base, runID, key string) int {
	var got struct {
		Run struct {
			Data struct {
				Metrics []struct {
					Key  string
					Step int
				}
			}
		}
	}
	check(json.Unmarshal(mlflow(base, "GET", "/runs/get?run_id="+runID, ""), &got))
	for _, m := range got.Run.Data.Metrics {
		if m.Key == key {
			return m.Step
		}
	}
	check(fmt.Errorf("run %s has no metric %s", runID, key))
	return 0
}

// mlflow calls the MLflow REST API as the admin and returns the body.
func mlflow(base, method, path, body string) []byte {
	req, err := http.NewRequest(method, base+"/api/2.0/mlflow"+path, strings.NewReader(body))
	check(err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	check(err)
	if resp.StatusCode != http.StatusOK {
		check(fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out))
	}
	return out
}
