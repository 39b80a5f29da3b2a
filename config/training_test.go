package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A job starts from the job defaults; the command is a list or a string.
func TestTrainingJobsStartFromDefaults(t *testing.T) {
	yml := `
training:
  catch_up: skip
  jobs:
    churn-weekly:
      model: churn
      command: [/usr/bin/python3, train.py, --rounds, 20]
      params: {max_depth: "6", learning.rate: "0.1"}
      schedule: "0 3 * * 1"
      timezone: Europe/Paris
      gate:
        rules: ["f1 >= 0.80", "val/loss < 0.5"]
        compare: {metric: f1, margin: 0.01}
        per_class: {metrics: ["recall_*"], max_drop: 0.02}
    nightly:
      model: churn
      command: python3 train.py > /dev/null
      schedule: "@every 6h"
`
	l, err := Parse("paddock.yaml", []byte(yml), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tr := l.Training
	if tr.CatchUp != "skip" || tr.Lease.TTL.Std() != 30*time.Second || tr.LogTail != 1000 {
		t.Fatalf("training %+v", tr)
	}
	j := tr.Jobs["churn-weekly"]
	if !j.Enabled || j.Concurrency != "skip" || j.OnPass != "alpha" || j.OnFail != "reject" || j.Timeout.Std() != 2*time.Hour ||
		j.Retries.Backoff.Std() != time.Minute || j.Gate.Compare.Direction != "max" || j.Gate.Compare.Against != "production" ||
		j.Triggers.NewData.Poll.Std() != time.Minute {
		t.Fatalf("job defaults %+v", j)
	}
	argv, err := j.Argv()
	if err != nil || !slices.Equal(argv, []string{"/usr/bin/python3", "train.py", "--rounds", "20"}) {
		t.Fatalf("argv %q, %v", argv, err)
	}
	argv, err = tr.Jobs["nightly"].Argv()
	if err != nil || !slices.Equal(argv, []string{"/bin/sh", "-c", "python3 train.py > /dev/null"}) {
		t.Fatalf("shell argv %q, %v", argv, err)
	}
	if j.ExperimentName("churn-weekly") != "churn-weekly" || ParamEnvName("learning.rate") != "PADDOCK_PARAM_LEARNING_RATE" {
		t.Fatal("experiment name or param env name")
	}
	c, err := ParseGateRule(j.Gate.Rules[1])
	if err != nil || c.Metric != "val/loss" || c.Op != "<" || c.Value != 0.5 || !c.Holds(0.4) || c.Holds(0.5) {
		t.Fatalf("rule %+v %v", c, err)
	}
}

// Every training problem is refused at load with its key and line.
func TestTrainingConfigErrors(t *testing.T) {
	job := "training:\n  jobs:\n    j:\n      model: churn\n      command: [train]\n"
	cases := []struct{ yml, want string }{
		{job + "      schedule: \"61 * * * *\"\n", "paddock.yaml:6: training.jobs.j.schedule: invalid cron expression"},
		{job + "      schedule: \"0 0 30 2 *\"\n", "training.jobs.j.schedule: cron expression \"0 0 30 2 *\" never fires"},
		{job + "      schedule: \"TZ=UTC 0 3 * * *\"\n", "training.jobs.j.schedule: give the time zone in the job's timezone key"},
		{job + "      timezone: Mars/Olympus\n", "paddock.yaml:6: training.jobs.j.timezone: unknown time zone"},
		{job + "      gate:\n        rules: [\"f1 >= high\"]\n", "paddock.yaml:7: training.jobs.j.gate.rules[0]: \"f1 >= high\" is not a rule"},
		{job + "      gate:\n        compare: {metric: f1, direction: up}\n", "training.jobs.j.gate.compare.direction: unknown value \"up\""},
		{job + "      gate:\n        per_class: {metrics: [\"recall_[\"]}\n", "training.jobs.j.gate.per_class.metrics[0]: invalid pattern"},
		{job + "      gaet: {}\n", `training.jobs.j.gaet: unknown key (did you mean "gate"?)`},
		{job + "      concurrency: replace\n", "training.jobs.j.concurrency: unknown value \"replace\" (want skip, queue)"},
		{job + "      on_pass: production\n", "training.jobs.j.on_pass: unknown value"},
		{job + "      env: {MLFLOW_RUN_ID: x}\n", "training.jobs.j.env.MLFLOW_RUN_ID: is set by Paddock"},
		{job + "      params: {a.b: 1, a-b: 2}\n", "training.jobs.j.params.a.b: reaches the command as PADDOCK_PARAM_A_B"},
		{job + "      triggers:\n        new_data: {prefix: d, path: /d}\n", "training.jobs.j.triggers.new_data: set prefix or path, not both"},
		{job + "      notify: [{url: 'ftp://x'}]\n", "training.jobs.j.notify[0].url: must be an http or https URL"},
		{job + "      notify: [{url: 'http://x', events: [run_started]}]\n", "training.jobs.j.notify[0].events[0]: unknown event"},
		{job + "      retries: {max: -1}\n", "training.jobs.j.retries.max: must be between 0 and 100"},
		{"training:\n  jobs:\n    j:\n      command: [train]\n", "training.jobs.j.model: required"},
		{"training:\n  jobs:\n    j:\n      model: churn\n", "training.jobs.j.command: required"},
		{"training:\n  jobs:\n    j:\n      model: churn\n      command: [train, 1.5]\n", "training.jobs.j.command: item 1 must be a string (quote it)"},
		{"training:\n  jobs:\n    j:\n      model: churn\n      command: {a: b}\n", "training.jobs.j.command: must be a list of arguments or a shell command string"},
		{"training:\n  jobs:\n    'a b':\n      model: churn\n      command: x\n", "training.jobs.a b: invalid job name"},
		{"training:\n  catch_up: all\n", "paddock.yaml:2: training.catch_up: unknown policy \"all\""},
		{"training:\n  lease: {ttl: 0}\n", "training.lease.ttl: must be at least 1s"},
	}
	for _, tc := range cases {
		_, err := Parse("paddock.yaml", []byte(tc.yml), noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yml, err, tc.want)
		}
	}
}

func TestScheduleHonoursTimezone(t *testing.T) {
	loc, err := LoadTimezone("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule("0 3 * * *", loc)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	next := s.Next(from.In(loc)).UTC()
	if want := time.Date(2026, 1, 11, 8, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Fatalf("next %v, want %v (3am New York is 8am UTC in January)", next, want)
	}
	if _, err := LoadTimezone("Local"); err == nil {
		t.Fatal("Local accepted")
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 3 * * 1", "@daily", "@every 1h", "*/0 * * * *", "0-0/0 * * * *", "TZ= ", "@every -1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec, time.UTC)
		if err == nil && s.Next(time.Now()).IsZero() {
			t.Fatalf("%q accepted but never fires", spec)
		}
	})
}
