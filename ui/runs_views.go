package ui

// The experiments, runs, run and compare pages' view models. Handlers
// build every URL and every formatted value; the templates only place
// them.

// ExperimentsView is the list of experiments.
type ExperimentsView struct {
	Experiments []ExperimentRow
	// NextURL is the next page of experiments; "" on the last page.
	NextURL string
	// SeveralURL is where the "runs of the checked experiments" form goes.
	SeveralURL string
}

// ExperimentRow is one experiment in the list.
type ExperimentRow struct {
	ID         string
	Name       string
	Runs       int
	LastUpdate string
	RunsURL    string
}

// RunsView is the runs table of one or more experiments.
type RunsView struct {
	Experiments []ExperimentRef
	// Action is this page's path, where the search and column forms go.
	Action string
	Filter string
	// FilterError is the parser's message for a filter or order it
	// refused; the table is then empty.
	FilterError string
	OrderBy     string
	// Hidden are the query parameters the search form carries along
	// (columns, order, page size), so a search keeps the view.
	Hidden []QueryParam
	// ChooserHidden are those the column chooser carries along.
	ChooserHidden []QueryParam
	// Columns are the table's sortable columns after the checkbox.
	Columns []RunColumn
	Runs    []RunRow
	// ParamChoices and MetricChoices fill the column chooser.
	ParamChoices  []Choice
	MetricChoices []Choice
	Page          int
	FirstURL      string // "" on the first page
	NextURL       string // "" on the last page
	CompareAction string
}

// ExperimentRef names an experiment.
type ExperimentRef struct {
	ID, Name string
	URL      string
}

// QueryParam is one hidden form field.
type QueryParam struct {
	Name, Value string
}

// RunColumn is a column header of the runs table.
type RunColumn struct {
	Label string
	// Kind is "attr", "param" or "metric" (for styling and tests).
	Kind    string
	SortURL string
	// Sort is "ascending", "descending" or "" (the aria-sort value).
	Sort string
}

// RunRow is one run of the table; Cells line up with RunsView.Columns
// after the name.
type RunRow struct {
	ID    string
	Name  string
	URL   string
	Cells []string
}

// Choice is one checkbox of a chooser, or one entry of a picker.
type Choice struct {
	Value   string
	Checked bool
	// URL is where a picker entry leads ("" for checkboxes).
	URL string
}

// RunView is a run's page.
type RunView struct {
	ID, Name, Status string
	Experiment       ExperimentRef
	User             string
	Started, Ended   string
	Duration         string
	ArtifactURI      string
	Params           []RunKV
	Metrics          []MetricRow
	Tags             []RunKV
	// MetricPicker lists the metrics whose curve can be shown.
	MetricPicker []Choice
	// Chart is the chosen metric's curve; nil without metrics.
	Chart     *ChartData
	ChartNote string
	Note      string
	// CanEdit shows the note form (the set-tag role, with a session).
	CanEdit    bool
	CSRF       string
	NoteAction string
	Artifacts  ArtifactsView
	// Log is the end of the output log a training job stored with the
	// run; nil when there is none.
	Log        *RunLog
	Commit     string
	SourceName string
	Datasets   []DatasetRow
	Versions   []VersionLink
	// VersionsOff says the registry is not running here.
	VersionsOff bool
	// Problems are sections that could not be read.
	Problems []string
}

// RunKV is a param or a tag of a run.
type RunKV struct {
	Key, Value string
}

// MetricRow is a metric's latest value.
type MetricRow struct {
	Key, Value string
	Step       string
	At         string
}

// ArtifactsView is one directory of a run's artifacts.
type ArtifactsView struct {
	// Crumbs lead from the root to the directory shown.
	Crumbs  []Crumb
	Entries []ArtifactEntry
	// Elsewhere is the artifact URI when Paddock does not hold the
	// run's artifacts (the client reads them from there).
	Elsewhere string
}

// Crumb is one step of a path.
type Crumb struct {
	Name, URL string
}

// ArtifactEntry is a file or a directory.
type ArtifactEntry struct {
	Name  string
	IsDir bool
	Size  string
	// URL opens a directory or downloads a file.
	URL string
}

// DatasetRow is a dataset the run used.
type DatasetRow struct {
	Name, Digest, Context, Source string
}

// VersionLink is a registered version made from the run.
type VersionLink struct {
	Label, Status, URL string
}

// CompareView shows 2 to 10 runs side by side.
type CompareView struct {
	Runs    []ExperimentRef
	Params  []CompareRow
	Metrics []CompareRow
	// MetricPicker chooses the overlaid curve.
	MetricPicker []Choice
	Chart        *ChartData
}

// CompareRow is one key across the runs; Values line up with Runs ("" for
// a run without it).
type CompareRow struct {
	Key     string
	Values  []string
	Differs bool
}

// RunLog is the end of a run's output log.
type RunLog struct {
	Text string
	// Cut says the log is longer than Text: Text is its end.
	Cut bool
	// TooLong says the log is too long to read for the page: only the
	// download is offered.
	TooLong bool
	Size    string
	// URL downloads the whole log.
	URL string
}
