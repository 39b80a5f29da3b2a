package launch

import (
	"os/exec"
	"strings"
)

// sourceTags records where the run's code came from: the command, and the
// git commit and whether the working tree had uncommitted changes (a
// dirty run cannot be reproduced from its commit alone).
func sourceTags(o Options) map[string]string {
	tags := map[string]string{
		"mlflow.source.type": "LOCAL",
		"mlflow.source.name": o.Command[0],
		"paddock.command":    strings.Join(o.Command, " "),
	}
	if commit := git(o.Dir, "rev-parse", "HEAD"); commit != "" {
		tags["mlflow.source.git.commit"] = commit
		dirty := "false"
		if git(o.Dir, "status", "--porcelain") != "" {
			dirty = "true"
		}
		tags["paddock.git.dirty"] = dirty
		if branch := git(o.Dir, "rev-parse", "--abbrev-ref", "HEAD"); branch != "" && branch != "HEAD" {
			tags["mlflow.source.git.branch"] = branch
		}
		if remote := git(o.Dir, "config", "--get", "remote.origin.url"); remote != "" {
			tags["mlflow.source.git.repoURL"] = remote
		}
	}
	return tags
}

func git(dir string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
