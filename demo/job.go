package demo

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/paddockml/paddock/config"
)

// JobName is the demo's training job, which retrains JobModel.
const JobName = "churn-retrain"

// JobModel is the registered model the demo's job retrains.
const JobModel = "churn"

// JobScripts are the files of examples/churn-xgboost the job runs.
var JobScripts = []string{"make_data.py", "train.py"}

// Python is the interpreter the job runs: Debian's, whose python3-xgboost
// package the scripts need.
const Python = "/usr/bin/python3"

// jobCommand runs the churn example as a training job would, with the
// interpreter python: a fresh extract (seeded by the day of the year, so
// each day's data differs), then train.py, which logs to the run Paddock
// made and uploads the model. Without that Python and XGBoost the run
// fails at once, and its log says why and what to install.
func jobCommand(python string) string {
	return `if ! ` + python + ` -c 'import numpy, xgboost' 2>/dev/null; then
  echo "demo job ` + JobName + `: this run needs ` + python + ` with numpy and xgboost (Debian: apt-get install python3-xgboost); it fails until they are installed" >&2
  exit 1
fi
` + python + ` make_data.py data --seed "$(date +%j)" --rows 5600 && exec ` + python + ` train.py`
}

// Job writes the churn example's scripts (JobScripts, read from
// scripts) into dir and returns the demo's training job, which runs them
// there every six hours. A run that passes its gate (AUC at least 0.8,
// no worse than production's, no class's recall down by more than 0.05)
// is registered and becomes churn's alpha, which the shadow experiment
// then compares with production.
func Job(dir string, scripts fs.FS) (config.TrainingJob, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return config.TrainingJob{}, fmt.Errorf("demo job: %w", err)
	}
	for _, name := range JobScripts {
		b, err := fs.ReadFile(scripts, name)
		if err != nil {
			return config.TrainingJob{}, fmt.Errorf("demo job: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return config.TrainingJob{}, fmt.Errorf("demo job: %w", err)
		}
	}
	j := config.DefaultTrainingJob()
	j.Model = JobModel
	j.Command = jobCommand(Python)
	j.Workdir = dir
	j.Params = map[string]string{"data": "data", "max_depth": "3", "rounds": "60", "eta": "0.15"}
	j.Schedule = "0 */6 * * *"
	j.Timeout = config.Duration(15 * time.Minute)
	j.Gate = config.GateConfig{
		Rules:    []string{"auc >= 0.8"},
		Compare:  config.CompareConfig{Metric: "auc", Direction: "max", Against: "production"},
		PerClass: config.PerClassConfig{Metrics: []string{"recall_*"}, MaxDrop: 0.05},
	}
	j.Experiment = JobName
	var problems []string
	config.ValidateTrainingJobs(map[string]config.TrainingJob{JobName: j}, "training.jobs", func(key, format string, args ...any) {
		problems = append(problems, key+": "+fmt.Sprintf(format, args...))
	})
	if len(problems) > 0 {
		return config.TrainingJob{}, fmt.Errorf("demo job is invalid: %v", problems)
	}
	return j, nil
}
