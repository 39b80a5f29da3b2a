package ui

// AuditView is the audit log page: a filter form whose values live in
// the query string, one page of events newest first, and the links to
// the next (older) page and back to the newest.
type AuditView struct {
	Filter AuditFilter
	Events []AuditEventRow
	// OlderURL continues to the next page with the same filters; "" on
	// the last page.
	OlderURL string
	// NewestURL goes back to the first page; "" on the first page.
	NewestURL string
	// Problem explains a filter the log refused (shown above the form).
	Problem string
	// Off says the node keeps no audit log.
	Off bool
	// Kinds suggests resource kinds for the filter.
	Kinds []string
}

// AuditFilter is the filter form's values, as typed (times as
// datetime-local values, read as UTC).
type AuditFilter struct {
	Actor, Action, ResourceKind, ResourceID, Since, Until string
}

// AuditEventRow is one event with its detail preformatted: Before and
// After are indented JSON ("" when absent), cut at a display limit.
type AuditEventRow struct {
	ID                       int64
	At                       string
	Actor, Action            string
	ResourceKind, ResourceID string
	Reason, RequestID        string
	Before, After            string
	// Truncated says a snapshot was longer than the page shows.
	Truncated bool
}

// HasDetail reports whether the event has more to show than its row.
func (r AuditEventRow) HasDetail() bool {
	return r.Before != "" || r.After != "" || r.Reason != "" || r.RequestID != ""
}

// SettingsView is the settings page: the effective configuration with
// secrets masked, the API routes with their roles and, for admins, the
// API tokens.
type SettingsView struct {
	Config []SettingRow
	Routes []RouteRow
	// ShowTokens shows the token section (admins with a session only).
	ShowTokens bool
	Tokens     []TokenRow
	// NewToken is the token just created, whose secret is shown this
	// once; nil otherwise.
	NewToken *NewToken
	// Roles are the roles a new token may get.
	Roles []string
	CSRF  string
	// Problems are sections that failed to load.
	Problems []string
}

// SettingRow is one configuration key and its displayed value.
type SettingRow struct {
	Key, Value string
	// Masked says Value hides all or part of a secret.
	Masked bool
}

// RouteRow is one registered endpoint and who may call it.
type RouteRow struct {
	Method, Path string
	// Role is the least role needed, or "public".
	Role string
}

// TokenRow is one API token's public record; the secret is never kept.
type TokenRow struct {
	ID, Name, Role     string
	Created, CreatedBy string
	// LastUsed and Revoked are preformatted; "" for never.
	LastUsed, Revoked string
}

// NewToken is a just-created token with its secret.
type NewToken struct {
	Name, Role, Secret string
}
