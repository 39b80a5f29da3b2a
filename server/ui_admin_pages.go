package server

// registerAdminPages registers the audit log and settings pages.
func (d *dashboard) registerAdminPages() {}
