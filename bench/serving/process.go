package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// server is a server process under test, listening on addr.
type server struct {
	name   string
	addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the process's exit error, once exited is closed
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on. The
// port is closed again before the server binds it; on a quiet machine
// nothing takes it in between.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// startServer starts cmd, which must listen on addr, and waits until addr
// accepts connections, the process exits, or a minute passes.
func startServer(name, addr string, cmd *exec.Cmd) (*server, error) {
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, addr: addr, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited before listening: %v", name, s.err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not listen on %s within a minute", name, addr)
}

// stop asks the process to finish (SIGTERM: gunicorn's master then stops
// its workers) and kills it if it has not within ten seconds.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// url is the server's address with path.
func (s *server) url(path string) string { return "http://" + s.addr + path }

// httpClient is for the set-up and check requests; the long timeout
// covers a Python peer still importing its libraries.
var httpClient = &http.Client{Timeout: time.Minute}

// call sends one request and returns the response body, failing unless
// the status is 2xx.
func call(ctx context.Context, method, url string, headers map[string]string, body []byte) ([]byte, error) {
	status, _, out, err := do(ctx, method, url, headers, body)
	if err != nil {
		return nil, err
	}
	if status/100 != 2 {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, url, status, out)
	}
	return out, nil
}

// do sends one request and returns the status, the response headers and
// up to 1 MiB of body.
func do(ctx context.Context, method, url string, headers map[string]string, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	return resp.StatusCode, resp.Header, out, nil
}

// firstPrediction digs the first number out of a response's
// "predictions" field, however deeply nested ([0.5] or [[0.5]]).
func firstPrediction(body []byte) (float64, error) {
	var resp struct {
		Predictions json.RawMessage `json:"predictions"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return 0, fmt.Errorf("response %s: %w", body, err)
	}
	var v any
	if err := json.Unmarshal(resp.Predictions, &v); err != nil {
		return 0, fmt.Errorf("response %s: no predictions field", body)
	}
	for {
		switch x := v.(type) {
		case float64:
			return x, nil
		case []any:
			if len(x) == 0 {
				return 0, fmt.Errorf("response %s: empty predictions", body)
			}
			v = x[0]
		default:
			return 0, errors.New("response " + string(body) + ": predictions hold no number")
		}
	}
}
