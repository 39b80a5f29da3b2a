package server

// registerOpsPages registers the serving, live experiment and training pages.
func (d *dashboard) registerOpsPages() {}
