package config

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	// Schedules name IANA time zones; the container image has no zoneinfo.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"github.com/paddockml/paddock/registry/naming"
)

// TrainingConfig configures continuous training: jobs that retrain a
// model on a schedule or a trigger, gate the result against production
// and register it (package scheduler).
type TrainingConfig struct {
	// Lease is the right to fire jobs, held in the database so that one
	// Paddock process fires them when several share it.
	Lease LeaseConfig `yaml:"lease"`
	// CatchUp is what a schedule missed while no Paddock was running
	// does at start: "skip" (wait for the next fire) or "run_once" (one
	// run, however many fires were missed). Default "run_once".
	CatchUp string `yaml:"catch_up"`
	// LogTail is how many lines of a run's output the live tail keeps in
	// memory. Default 1000.
	LogTail int `yaml:"log_tail"`
	// MaxLog caps a run's output log (kept as the run artifact
	// paddock/output.log); output beyond it is dropped with a note.
	// Default 64MiB.
	MaxLog ByteSize `yaml:"max_log"`
	// KillGrace is how long a timed-out or cancelled command has between
	// SIGTERM and SIGKILL of its process group. Default 10s.
	KillGrace Duration `yaml:"kill_grace"`
	// Jobs by name (letters, digits, '-' and '_', at most 64).
	Jobs map[string]TrainingJob `yaml:"jobs"`
}

// LeaseConfig configures the scheduler's lease.
type LeaseConfig struct {
	// TTL is how long a lease lasts unless renewed (it is renewed every
	// third of it); another process takes over this long after the
	// holder dies. Default 30s.
	TTL Duration `yaml:"ttl"`
}

// TrainingJob is one retraining job.
type TrainingJob struct {
	// Enabled jobs fire; a disabled job keeps its history and can still
	// be run by hand. Default true.
	Enabled bool `yaml:"enabled"`
	// Model is the registered model the job produces. Required.
	Model string `yaml:"model"`
	// Command is the program: a list (argv, run as is) or a string (run
	// with /bin/sh -c). Required.
	Command any `yaml:"command"`
	// Workdir is the command's working directory. Default "" (Paddock's).
	Workdir string `yaml:"workdir"`
	// Env adds environment variables to Paddock's own.
	Env map[string]string `yaml:"env"`
	// Params are the run's parameters: logged on the run and given to the
	// command as PADDOCK_PARAM_<KEY> (upper case, '.' and '-' as '_').
	Params map[string]string `yaml:"params"`
	// Schedule is a cron expression (minute hour day-of-month month
	// day-of-week) or a descriptor (@daily, @weekly, @every 6h).
	// Default "" (no schedule: manual and data triggers only).
	Schedule string `yaml:"schedule"`
	// Timezone the schedule is read in, an IANA name. Default "UTC".
	Timezone string `yaml:"timezone"`
	// Timeout bounds one attempt; the command's process group is then
	// killed and the run marked FAILED. Default 2h.
	Timeout Duration `yaml:"timeout"`
	// Retries re-runs a failed attempt.
	Retries RetryConfig `yaml:"retries"`
	// Concurrency is what a fire does while the job is running: "skip"
	// it or "queue" it (at most 8 waiting). Default "skip".
	Concurrency string `yaml:"concurrency"`
	// Triggers fire the job besides its schedule and manual runs.
	Triggers TriggerConfig `yaml:"triggers"`
	// Gate judges a successful run before it is registered.
	Gate GateConfig `yaml:"gate"`
	// OnPass is what a run that passes the gate does: "alpha" (register
	// the version and move alias alpha to it), "request_production"
	// (register and move production, which files an approval request when
	// a policy guards it) or "none" (register only). Default "alpha".
	OnPass string `yaml:"on_pass"`
	// OnFail is what a run that fails the gate does: "reject" (register
	// the version tagged paddock.gate=rejected) or "skip_registration".
	// Default "reject".
	OnFail string `yaml:"on_fail"`
	// Experiment is the tracking experiment runs go to, created when
	// missing. Default "" (the job's name).
	Experiment string `yaml:"experiment"`
	// Notify lists webhooks told about the job's events.
	Notify []WebhookConfig `yaml:"notify"`
}

// RetryConfig configures retries of a failed attempt.
type RetryConfig struct {
	// Max is how many times a failed attempt is retried. Default 0.
	Max int `yaml:"max"`
	// Backoff is the wait before the first retry; it doubles for each
	// further one, up to 1h. Default 1m.
	Backoff Duration `yaml:"backoff"`
}

// TriggerConfig lists the data triggers of a job.
type TriggerConfig struct {
	// NewData fires when watched data changes.
	NewData NewDataTrigger `yaml:"new_data"`
	// Feedback fires when enough feedback has arrived.
	Feedback FeedbackTrigger `yaml:"feedback"`
}

// NewDataTrigger fires a job when the digest of watched data changes.
// Set Prefix or Path, not both; neither turns the trigger off.
type NewDataTrigger struct {
	// Prefix is an artifact-store prefix; its objects' keys and content
	// digests are watched. Default "".
	Prefix string `yaml:"prefix"`
	// Path is a local file or directory; the names, sizes and
	// modification times of its files are watched. Default "".
	Path string `yaml:"path"`
	// Poll is how often the data is looked at. Default 1m.
	Poll Duration `yaml:"poll"`
}

// FeedbackTrigger fires a job when MinRows feedback rows have arrived
// since its last run (all feedback: rows carry no model).
type FeedbackTrigger struct {
	// MinRows is the number of new rows that fires; 0 turns the trigger
	// off. Default 0.
	MinRows int `yaml:"min_rows"`
	// Poll is how often the rows are counted. Default 1m.
	Poll Duration `yaml:"poll"`
}

// GateConfig is the evaluation gate a successful run must pass.
type GateConfig struct {
	// Rules are conditions on the run's metrics that must all hold, each
	// "<metric> <op> <number>", e.g. "f1 >= 0.80". A metric the run did
	// not log fails its rule.
	Rules []string `yaml:"rules"`
	// Compare compares the run with the version production serves.
	Compare CompareConfig `yaml:"compare"`
	// PerClass compares per-class metrics with production's.
	PerClass PerClassConfig `yaml:"per_class"`
}

// CompareConfig compares one metric with the production version's. The
// baseline is the run's own metric "<against>.<metric>" when the command
// evaluated production on the same data (it is told the version in
// PADDOCK_BASELINE_VERSION), else the metric registered on the version.
type CompareConfig struct {
	// Metric is compared; "" turns the comparison off. Default "".
	Metric string `yaml:"metric"`
	// Direction is "max" (higher is better) or "min". Default "max".
	Direction string `yaml:"direction"`
	// Margin is how much the run must beat the baseline by. Default 0.
	Margin float64 `yaml:"margin"`
	// Against is the alias of the baseline version. Default "production".
	Against string `yaml:"against"`
}

// PerClassConfig compares per-class metrics (seed 000: an overall metric
// hides a collapsing class). Each metric of the baseline that matches a
// pattern must be logged by the run and must not be lower by more than
// MaxDrop (higher is better).
type PerClassConfig struct {
	// Metrics are glob patterns over metric names, e.g. ["recall_*"].
	// Default [] (off).
	Metrics []string `yaml:"metrics"`
	// MaxDrop is the largest drop allowed per class. Default 0.
	MaxDrop float64 `yaml:"max_drop"`
}

// WebhookConfig is a URL told about a job's events with a JSON POST.
type WebhookConfig struct {
	// URL is an http or https URL. Required.
	URL string `yaml:"url"`
	// Events are some of run_finished, gate_failed, promotion_requested
	// and promotion_done. Default [] (all of them).
	Events []string `yaml:"events"`
}

// WebhookEvents are the events a webhook may ask for.
var WebhookEvents = []string{"run_finished", "gate_failed", "promotion_requested", "promotion_done"}

func defaultTraining() TrainingConfig {
	return TrainingConfig{
		Lease: LeaseConfig{TTL: Duration(30 * time.Second)}, CatchUp: "run_once",
		LogTail: 1000, MaxLog: 64 << 20, KillGrace: Duration(10 * time.Second),
	}
}

// DefaultTrainingJob is where a job's settings start from.
func DefaultTrainingJob() TrainingJob {
	return TrainingJob{
		Enabled: true, Timezone: "UTC", Timeout: Duration(2 * time.Hour),
		Retries:     RetryConfig{Backoff: Duration(time.Minute)},
		Concurrency: "skip",
		Triggers: TriggerConfig{
			NewData:  NewDataTrigger{Poll: Duration(time.Minute)},
			Feedback: FeedbackTrigger{Poll: Duration(time.Minute)},
		},
		Gate:   GateConfig{Compare: CompareConfig{Direction: "max", Against: "production"}},
		OnPass: "alpha", OnFail: "reject",
	}
}

func (j *TrainingJob) setDefaults() { *j = DefaultTrainingJob() }

// ExperimentName is the tracking experiment of the job named name.
func (j TrainingJob) ExperimentName(name string) string {
	if j.Experiment != "" {
		return j.Experiment
	}
	return name
}

// Argv returns the command as an argument vector: a list as written, a
// string as /bin/sh -c <string>.
func (j TrainingJob) Argv() ([]string, error) {
	switch c := j.Command.(type) {
	case string:
		if strings.TrimSpace(c) == "" {
			return nil, fmt.Errorf("must not be empty")
		}
		return []string{"/bin/sh", "-c", c}, nil
	case []any:
		if len(c) == 0 {
			return nil, fmt.Errorf("must not be an empty list")
		}
		argv := make([]string, len(c))
		for i, a := range c {
			switch v := a.(type) {
			case string:
				argv[i] = v
			case int, int64, uint64, bool:
				argv[i] = fmt.Sprint(v)
			default:
				return nil, fmt.Errorf("item %d must be a string (quote it), found %v", i, a)
			}
		}
		if argv[0] == "" {
			return nil, fmt.Errorf("the program (item 0) must not be empty")
		}
		return argv, nil
	case nil:
		return nil, fmt.Errorf("required")
	}
	return nil, fmt.Errorf("must be a list of arguments or a shell command string")
}

// LoadTimezone loads a job's time zone, an IANA name ("Local" is
// refused: a schedule must not change with the host).
func LoadTimezone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as UTC or Europe/Paris)", name)
	}
	return loc, nil
}

// ParseSchedule parses a job's schedule. It refuses a schedule that would
// not fire within five years, and a time zone written into it (the job's
// timezone key says it).
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("give the time zone in the job's timezone key, not in the schedule")
	}
	s, err := parseCron(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron expression %q: %v", spec, err)
	}
	if s.Next(time.Now().In(loc)).IsZero() {
		return nil, fmt.Errorf("cron expression %q never fires", spec)
	}
	return s, nil
}

// parseCron guards against the parser panicking on odd input.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return cron.ParseStandard(spec)
}

var gateRuleRE = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-/]{1,250})\s*(>=|<=|==|!=|>|<)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$`)

// ParseGateRule parses a gate rule "<metric> <op> <number>", where the
// metric is any name a run may log (letters, digits, '_', '.', '-', '/').
func ParseGateRule(s string) (Condition, error) {
	m := gateRuleRE.FindStringSubmatch(s)
	if m == nil {
		return Condition{}, fmt.Errorf("%q is not a rule (want e.g. \"f1 >= 0.80\")", s)
	}
	v, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return Condition{}, fmt.Errorf("%q: bad number %q", s, m[3])
	}
	return Condition{Metric: m[1], Op: m[2], Value: v}, nil
}

var (
	envNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	paramKeyRE  = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,250}$`)
	metricKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.\-/]{1,250}$`)
)

// ParamEnvName is the variable a job's param reaches its command in.
func ParamEnvName(key string) string {
	return "PADDOCK_PARAM_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// reservedEnv are variables Paddock sets for the command itself.
var reservedEnv = []string{"MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_TRACKING_TOKEN"}

// validateTraining checks the training section.
func validateTraining(c TrainingConfig, bad func(key, format string, args ...any)) {
	if c.Lease.TTL < Duration(time.Second) {
		bad("training.lease.ttl", "must be at least 1s, got %s", c.Lease.TTL)
	}
	switch c.CatchUp {
	case "skip", "run_once":
	default:
		bad("training.catch_up", "unknown policy %q (want skip or run_once)", c.CatchUp)
	}
	if c.LogTail < 1 || c.LogTail > 1_000_000 {
		bad("training.log_tail", "must be between 1 and 1000000, got %d", c.LogTail)
	}
	if c.MaxLog < 1024 {
		bad("training.max_log", "must be at least 1KiB, got %s", c.MaxLog)
	}
	if c.KillGrace <= 0 {
		bad("training.kill_grace", "must be positive")
	}
	ValidateTrainingJobs(c.Jobs, "training.jobs", bad)
}

// ValidateTrainingJobs checks jobs at the key prefix. Whether each
// model exists is checked by the scheduler against the registry.
func ValidateTrainingJobs(jobs map[string]TrainingJob, prefix string, bad func(key, format string, args ...any)) {
	for _, name := range slices.Sorted(maps.Keys(jobs)) {
		key := prefix + "." + name
		if !experimentNameRE.MatchString(name) {
			bad(key, "invalid job name (letters, digits, '-' and '_', at most 64)")
		}
		validateTrainingJob(jobs[name], key, bad)
	}
}

func validateTrainingJob(j TrainingJob, key string, bad func(key, format string, args ...any)) {
	if j.Model == "" {
		bad(key+".model", "required")
	} else if err := naming.ValidateModelName(j.Model); err != nil {
		bad(key+".model", "%v", err)
	}
	if _, err := j.Argv(); err != nil {
		bad(key+".command", "%v", err)
	}
	validateJobEnv(j, key, bad)
	loc, err := LoadTimezone(j.Timezone)
	if err != nil {
		bad(key+".timezone", "%v", err)
		loc = time.UTC
	}
	if j.Schedule != "" {
		if _, err := ParseSchedule(j.Schedule, loc); err != nil {
			bad(key+".schedule", "%v", err)
		}
	}
	if j.Timeout < Duration(time.Second) {
		bad(key+".timeout", "must be at least 1s, got %s", j.Timeout)
	}
	if j.Retries.Max < 0 || j.Retries.Max > 100 {
		bad(key+".retries.max", "must be between 0 and 100, got %d", j.Retries.Max)
	}
	oneOf(bad, key+".concurrency", j.Concurrency, "skip", "queue")
	oneOf(bad, key+".on_pass", j.OnPass, "alpha", "request_production", "none")
	oneOf(bad, key+".on_fail", j.OnFail, "reject", "skip_registration")
	if len(j.Experiment) > 500 {
		bad(key+".experiment", "must be at most 500 characters")
	}
	validateTriggers(j.Triggers, key+".triggers", bad)
	validateGate(j.Gate, key+".gate", bad)
	for i, w := range j.Notify {
		validateWebhook(w, fmt.Sprintf("%s.notify[%d]", key, i), bad)
	}
}

func oneOf(bad func(key, format string, args ...any), key, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		bad(key, "unknown value %q (want %s)", v, strings.Join(allowed, ", "))
	}
}

func validateJobEnv(j TrainingJob, key string, bad func(key, format string, args ...any)) {
	for _, k := range slices.Sorted(maps.Keys(j.Env)) {
		switch {
		case !envNameRE.MatchString(k):
			bad(key+".env."+k, "invalid variable name")
		case slices.Contains(reservedEnv, k) || strings.HasPrefix(k, "PADDOCK_"):
			bad(key+".env."+k, "is set by Paddock for the run")
		}
	}
	if len(j.Params) > 100 {
		bad(key+".params", "at most 100 params (MLflow's batch limit), got %d", len(j.Params))
	}
	seen := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(j.Params)) {
		pk := key + ".params." + k
		if !paramKeyRE.MatchString(k) {
			bad(pk, "invalid param name (letters, digits, '_', '.' and '-', at most 250)")
			continue
		}
		if len(j.Params[k]) > 6000 {
			bad(pk, "value is longer than 6000 characters")
		}
		env := ParamEnvName(k)
		if other, dup := seen[env]; dup {
			bad(pk, "reaches the command as %s, like param %q", env, other)
		}
		seen[env] = k
	}
}

func validateTriggers(t TriggerConfig, key string, bad func(key, format string, args ...any)) {
	nd := t.NewData
	if nd.Prefix != "" && nd.Path != "" {
		bad(key+".new_data", "set prefix or path, not both")
	}
	if nd.Poll < Duration(time.Second) {
		bad(key+".new_data.poll", "must be at least 1s, got %s", nd.Poll)
	}
	if t.Feedback.MinRows < 0 {
		bad(key+".feedback.min_rows", "must not be negative, got %d", t.Feedback.MinRows)
	}
	if t.Feedback.Poll < Duration(time.Second) {
		bad(key+".feedback.poll", "must be at least 1s, got %s", t.Feedback.Poll)
	}
}

func validateGate(g GateConfig, key string, bad func(key, format string, args ...any)) {
	for i, r := range g.Rules {
		if _, err := ParseGateRule(r); err != nil {
			bad(fmt.Sprintf("%s.rules[%d]", key, i), "%v", err)
		}
	}
	c := g.Compare
	if c.Metric != "" && !metricKeyRE.MatchString(c.Metric) {
		bad(key+".compare.metric", "invalid metric name %q", c.Metric)
	}
	oneOf(bad, key+".compare.direction", c.Direction, "max", "min")
	if !(c.Margin >= 0) {
		bad(key+".compare.margin", "must not be negative, got %v", c.Margin)
	}
	if err := naming.ValidateAlias(c.Against); err != nil {
		bad(key+".compare.against", "%v", err)
	}
	for i, p := range g.PerClass.Metrics {
		if _, err := path.Match(p, ""); err != nil || p == "" || len(p) > 250 {
			bad(fmt.Sprintf("%s.per_class.metrics[%d]", key, i), "invalid pattern %q", p)
		}
	}
	if !(g.PerClass.MaxDrop >= 0) {
		bad(key+".per_class.max_drop", "must not be negative, got %v", g.PerClass.MaxDrop)
	}
}

func validateWebhook(w WebhookConfig, key string, bad func(key, format string, args ...any)) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(key+".url", "must be an http or https URL, got %q", w.URL)
	}
	for i, e := range w.Events {
		if !slices.Contains(WebhookEvents, e) {
			bad(fmt.Sprintf("%s.events[%d]", key, i), "unknown event %q (want %s)", e, strings.Join(WebhookEvents, ", "))
		}
	}
}
