package pyworker

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsAndValidation(t *testing.T) {
	c, err := Config{}.withDefaults("/models/churn")
	if err != nil {
		t.Fatal(err)
	}
	if c.Python != DefaultPython || c.Workers != 1 || c.RequestTimeout != DefaultRequestTimeout ||
		c.MaxFrame != DefaultMaxFrame || c.Name != "churn" || c.CacheDir == "" || c.Logger == nil {
		t.Errorf("defaults = %+v", c)
	}
	tests := []struct {
		cfg  Config
		text string
	}{
		{Config{Workers: -1}, "workers -1"},
		{Config{Workers: maxWorkers + 1}, "workers 257"},
		{Config{RequestTimeout: -time.Second}, "request timeout -1s is negative"},
		{Config{MaxBackoff: -1}, "max backoff"},
		{Config{MaxFrame: 100}, "max frame 100"},
		{Config{MaxFrame: -5}, "max frame -5"},
		{Config{Env: []string{"NOEQUALS"}}, `"NOEQUALS" is not KEY=VALUE`},
		{Config{Env: []string{"=x"}}, "not KEY=VALUE"},
	}
	for _, tt := range tests {
		_, err := tt.cfg.withDefaults("/m")
		if err == nil || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%+v: err = %v, want %q", tt.cfg, err, tt.text)
		}
	}
}

func TestBackoffDoublesUpToCap(t *testing.T) {
	s := &slot{m: &Model{cfg: Config{RestartBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}}
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}
	for n, w := range want {
		if got := s.backoff(n); got != w {
			t.Errorf("backoff(%d) = %s, want %s", n, got, w)
		}
	}
	if got := s.backoff(1000); got != time.Second {
		t.Errorf("backoff(1000) = %s", got)
	}
}
