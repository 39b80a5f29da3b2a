package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// AssetLinks are the hashed URLs of the static files; an empty one means
// the build does not carry that file and the page does without it.
type AssetLinks struct {
	CSS      string
	HTMX     string
	UPlotJS  string
	UPlotCSS string
	// ChartsJS draws the pages' charts with uPlot.
	ChartsJS string
	// LogTail follows training runs' output streams.
	LogTail string
}

// Page is what the layout shows around every dashboard page.
type Page struct {
	Title string
	// Section names the active nav entry ("overview").
	Section string
	User    string
	Role    string
	// CSRF is the session's form token; "" for a caller without a session,
	// who then gets no forms.
	CSRF   string
	Assets AssetLinks
}

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token
// on every request it issues.
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// LoginView is the sign-in form.
type LoginView struct {
	// Next is where to go after signing in (a /ui/ path).
	Next  string
	CSRF  string
	Error string
	CSS   string
}

// OverviewView is the dashboard's landing page.
type OverviewView struct {
	Served      []ServedModel
	ServingOff  bool
	Live        []LiveExperiment
	LiveOff     bool
	Jobs        []JobRow
	TrainingOff bool
	Approvals   []ApprovalRow
	RegistryOff bool
	Audit       []AuditRow
	AuditOff    bool
	// CanApprove shows approve and reject buttons (admins with a session).
	CanApprove bool
	CSRF       string
	// Problems are sections that failed to load, shown instead of data.
	Problems []string
}

// ServedModel is a model with a serving endpoint.
type ServedModel struct {
	Name       string
	Aliases    []AliasVersion
	Loaded     []int64
	Configured bool
}

// AliasVersion is an alias and the version it points to.
type AliasVersion struct {
	Alias   string
	Version int64
}

// LiveExperiment is a production-versus-alpha experiment.
type LiveExperiment struct {
	Name, Model, Mode, Production, Alpha, State string
}

// JobRow is a training job.
type JobRow struct {
	Name, Model string
	Running     int
	Queued      int
	// NextFire is preformatted ("" without a schedule).
	NextFire string
}

// ApprovalRow is an open approval request.
type ApprovalRow struct {
	ID          int64
	Model       string
	Alias       string
	From, To    string
	RequestedBy string
	Reason      string
	Created     string
}

// AuditRow is one recent audit event.
type AuditRow struct {
	At, Actor, Action, Resource string
}

// statusText names an HTTP status for the error page.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + t
	}
	return strconv.Itoa(status)
}

// versionList shows versions as "v3, v4".
func versionList(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "v" + strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ", ")
}

// htmxConfig makes htmx swap error answers (4xx and 5xx) as it swaps
// successes: the dashboard's error pages say why a form was refused, and
// htmx 2 would otherwise drop them silently.
const htmxConfig = `{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true},{"code":"...","swap":false}]}`
