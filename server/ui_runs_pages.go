package server

// registerRunPages registers the experiments, runs and compare pages.
func (d *dashboard) registerRunPages() {}
