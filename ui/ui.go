// Package ui holds Paddock's browser dashboard: templ components that take
// view models and do no I/O. Handlers in package server build the view
// models and render these components as whole pages or htmx fragments.
package ui

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate

import "time"

// StatusView is what the status page shows.
type StatusView struct {
	Version   string
	Uptime    time.Duration
	Database  string
	Artifacts string
	Checks    []Check
}

// Check is one readiness check and its result.
type Check struct {
	Name string
	OK   bool
	Note string
}
