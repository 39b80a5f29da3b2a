// Command startup measures how long `paddock serve` takes, on an empty data
// dir with no config, from exec to the first 200 from /healthz. It builds
// the binary the way `make build` does and starts it several times.
//
//	go run ./bench/startup [-n 10]
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

func main() {
	n := flag.Int("n", 10, "number of cold starts")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "paddock-startup-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "paddock")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	check(build.Run())

	var times []time.Duration
	for i := range *n {
		times = append(times, coldStart(bin, filepath.Join(tmp, fmt.Sprintf("data-%d", i))))
	}
	slices.Sort(times)
	fmt.Printf("paddock serve, empty data dir, no config: %d cold starts to first /healthz 200\n", *n)
	fmt.Printf("  min %v  median %v  max %v\n", times[0], times[len(times)/2], times[len(times)-1])
}

func coldStart(bin, dataDir string) time.Duration {
	port := freePort()
	cmd := exec.Command(bin, "serve", "--no-demo", "--data-dir", dataDir, "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Env = append(os.Environ(), "PADDOCK_LOG_LEVEL=warn")
	start := time.Now()
	check(cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 10*time.Second {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(start)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "paddock did not answer within 10s")
	os.Exit(1)
	return 0
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
