package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. A missing browser fails the
// test rather than skipping it: scripts/test.sh installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the dashboard's browser tests need Debian's chromium " +
		"(scripts/test.sh installs it; by hand: apt-get install chromium)")
	return ""
}

// browser starts a headless chromium for the test; the context ends it.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // root in a container: chromium's sandbox needs user namespaces
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first action starts the browser, under this long-lived context:
	// a step's timeout must not end the browser with the step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// within bounds each browser step, so a page that never shows what a
// step waits for fails the test instead of hanging it.
func within(ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_ = cancel // released when the timer fires
	return ctx
}

// pageHTML is the current page, for a failure message.
func pageHTML(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	html, err := chromedp.Run(within(ctx), chromedp.Evaluate[string](`document.location.href + "\n" + document.documentElement.outerHTML`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return html
}

// screenshotDir is where the browser tests leave their screenshots:
// $PADDOCK_SCREENSHOTS when set (CI keeps them as artifacts), else a
// temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("PADDOCK_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// A person signs in through the form with a token and lands on the
// overview, which lists the served model with its alias; in-page
// navigation goes through htmx and keeps the URL; the page still reads
// on a phone-sized screen.
func TestBrowserLoginShowsOverview(t *testing.T) {
	ctx := browser(t)
	in := start(t, nil)
	v := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	setAlias(t, in, "churn", "production", v)
	dir := screenshotDir(t)

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v\npage: %s\nserver stderr: %s", what, err, pageHTML(ctx), in.Stderr)
		}
	}
	const row = `[data-testid="served-model"][data-model="churn"]`
	step("sign in", chromedp.Do(within(ctx),
		chromedp.Navigate(in.URL+"/ui/"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`#token`, in.Admin),
		chromedp.Click(`[data-testid="login-submit"]`),
		chromedp.WaitVisible(row),
	))
	served, err := chromedp.Run(within(ctx), chromedp.Text(row))
	step("read the served model", err)
	htmx, err := chromedp.Run(within(ctx), chromedp.Evaluate[bool](`typeof htmx !== "undefined"`))
	step("look for htmx", err)
	wide, err := chromedp.Run(within(ctx), chromedp.FullScreenshot(100))
	step("screenshot", err)
	// In-page navigation: htmx swaps main (the marked old content goes)
	// and pushes the URL.
	_, err = chromedp.Run(within(ctx), chromedp.Evaluate[bool](`document.querySelector('[data-testid="served"]').setAttribute('data-before-swap', '1'), true`))
	step("mark the old content", err)
	step("navigate with htmx", chromedp.Do(within(ctx),
		chromedp.Click(`nav a[href="/ui/"]`),
		chromedp.WaitNotPresent(`[data-before-swap]`),
		chromedp.WaitVisible(row),
	))
	url, err := chromedp.Run(within(ctx), chromedp.Location())
	step("read the location", err)
	step("narrow screen", chromedp.Do(within(ctx), chromedp.EmulateViewport(390, 844)))
	narrow, err := chromedp.Run(within(ctx), chromedp.FullScreenshot(100))
	step("narrow screenshot", err)
	if !strings.Contains(served, "churn") || !strings.Contains(served, "production → v1") {
		t.Errorf("served model row reads %q, want churn with production → v1", served)
	}
	if !htmx {
		t.Error("htmx did not load: the build carries no vendored assets (run scripts/assets.sh; make build does)")
	}
	if url != in.URL+"/ui/" {
		t.Errorf("after in-page navigation the URL is %q", url)
	}
	for name, png := range map[string][]byte{"overview.png": wide, "overview-narrow.png": narrow} {
		if len(png) < 1000 {
			t.Errorf("%s: screenshot of %d bytes", name, len(png))
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// browserSteps returns a browser test's two helpers: step fails the test
// naming the step, with the page and the server's log, and shot saves a
// full-page screenshot under screenshotDir.
func browserSteps(t *testing.T, ctx context.Context, in *instance) (step func(string, error), shot func(string)) {
	dir := screenshotDir(t)
	t.Cleanup(func() { t.Logf("screenshots in %s", dir) })
	step = func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v\npage: %s\nserver stderr: %s", what, err, pageHTML(ctx), in.Stderr)
		}
	}
	shot = func(name string) {
		t.Helper()
		png, err := chromedp.Run(within(ctx), chromedp.FullScreenshot(100))
		step("screenshot "+name, err)
		if len(png) < 1000 {
			t.Errorf("%s: screenshot of %d bytes", name, len(png))
		}
		step("save "+name, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	}
	return step, shot
}

// signIn opens url, which sends a signed-out browser to the sign-in
// form, and signs in with token; the caller waits for the page it wants.
func signIn(url, token string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`#token`, token),
		chromedp.Click(`[data-testid="login-submit"]`),
	)
}
