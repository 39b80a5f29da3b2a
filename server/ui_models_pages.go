package server

// registerModelPages registers the registry's model and version pages.
func (d *dashboard) registerModelPages() {}
