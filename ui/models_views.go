package ui

import (
	"fmt"
	"math"
	"strconv"
)

// ModelListView is the registry's list of models.
type ModelListView struct {
	// Query is the name search as typed.
	Query  string
	Models []ModelRow
	// NextHref links the next page, "" on the last one.
	NextHref string
	// RegistryOff says the registry is not enabled on this node.
	RegistryOff bool
}

// ModelRow is one registered model in the list.
type ModelRow struct {
	Name        string
	Href        string
	Description string
	// Latest is the highest version ("" for none), LatestHref its page.
	Latest     string
	LatestHref string
	Aliases    []AliasVersion
	Updated    string
}

// ModelView is a model's page.
type ModelView struct {
	Name        string
	Href        string
	Description string
	Tags        []KeyValue
	// MetricKeys are the metric columns of the versions table; each row's
	// Metrics holds the values in the same order ("" when not logged).
	MetricKeys []string
	Versions   []VersionRow
	// NextHref links the next page of versions, "" on the last one.
	NextHref string
	Lineage  LineageGraph
	// Guarded lists the aliases an approval policy guards.
	Guarded   []string
	Approvals []ApprovalRow
	// Notice reports the outcome of the last alias move (NoticePending
	// when it opened an approval request).
	Notice        string
	NoticePending bool
	// Move is the alias move form; nil when the caller may not move.
	Move *AliasMoveForm
	// CanApprove shows approve and reject buttons (admins with a session).
	CanApprove bool
	CSRF       string
	Problems   []string
}

// KeyValue is a tag or a param.
type KeyValue struct{ Key, Value string }

// VersionRow is one version in a model's versions table.
type VersionRow struct {
	Version int64
	Href    string
	Semver  string
	Aliases []string
	Status  string
	Metrics []string
	RunID   string
	RunHref string
	Created string
}

// AliasMoveForm is the first step of an alias move: pick the alias and
// the version, then confirm on the next page.
type AliasMoveForm struct {
	Action string
	// Aliases are the model's current aliases, offered as suggestions.
	Aliases []string
	// Versions are the versions that may carry an alias (READY ones).
	Versions []int64
}

// AliasConfirmView is the confirmation step of an alias move.
type AliasConfirmView struct {
	Model     string
	ModelHref string
	Action    string
	Alias     string
	Version   int64
	// From is where the alias points now ("v3", or "unset").
	From string
	// Guarded says the move will open an approval request instead of
	// moving the alias.
	Guarded bool
	// Unchanged says the alias already points there.
	Unchanged bool
	CSRF      string
}

// VersionView is a model version's page.
type VersionView struct {
	Model         string
	ModelHref     string
	Version       int64
	Semver        string
	Status        string
	StatusMessage string
	Flavor        string
	Source        string
	Description   string
	Aliases       []string
	Created       string
	RegisteredBy  string
	RunID         string
	RunName       string
	RunHref       string
	Digest        string
	Signature     []SignatureSection
	// MetricsFrom says where Metrics come from: the run as it is now, or
	// the copy taken at registration.
	MetricsFrom string
	Metrics     []KeyValue
	Confusion   *ConfusionView
	// ConfusionNote says why there is no matrix when one was looked for
	// and could not be used ("" when none was logged).
	ConfusionNote string
	PerClass      []ClassMetrics
	// PerClassFrom names the source of PerClass: "confusion matrix" or
	// "logged metrics".
	PerClassFrom string
	Files        []FileRow
	DownloadHref string
	Problems     []string
}

// SignatureSection is the inputs, outputs or params of a signature.
type SignatureSection struct {
	Title  string
	Fields []SignatureField
	// Raw is the schema as text when it could not be read as a table.
	Raw string
}

// SignatureField is one column or tensor of a signature.
type SignatureField struct {
	Name     string
	Type     string
	Shape    string
	Required string
}

// FileRow is one file of a version.
type FileRow struct {
	Path   string
	Href   string
	Size   string
	Digest string
}

// ClassMetrics are one class's precision, recall and F1, preformatted
// ("" when undefined, e.g. no prediction of the class).
type ClassMetrics struct {
	Label                 string
	Precision, Recall, F1 string
	Support               string
}

// ConfusionView is a confusion matrix: Counts[i][j] is how many examples
// of true class Labels[i] were predicted as Labels[j].
type ConfusionView struct {
	Labels   []string
	Counts   [][]int64
	Total    int64
	Accuracy string
}

// Heatmap geometry, in SVG user units.
const (
	heatCell       = 56
	heatLabelChars = 16
	heatCharWidth  = 7
)

// heatLabel shortens a label for an axis; the cell titles and the table
// keep it whole.
func heatLabel(s string) string {
	r := []rune(s)
	if len(r) <= heatLabelChars {
		return s
	}
	return string(r[:heatLabelChars-1]) + "…"
}

// heatMargin is the room the row labels need on the left and the
// (rotated) column labels need on top.
func (c ConfusionView) heatMargin() int {
	longest := 1
	for _, l := range c.Labels {
		longest = max(longest, len([]rune(heatLabel(l))))
	}
	return 28 + longest*heatCharWidth
}

func (c ConfusionView) heatWidth() int  { return c.heatMargin() + len(c.Labels)*heatCell + 8 }
func (c ConfusionView) heatHeight() int { return c.heatMargin() + len(c.Labels)*heatCell + 8 }

func (c ConfusionView) viewBox() string {
	return fmt.Sprintf("0 0 %d %d", c.heatWidth(), c.heatHeight())
}

// maxCount is the largest cell, the top of the colour scale.
func (c ConfusionView) maxCount() int64 {
	var m int64
	for _, row := range c.Counts {
		for _, n := range row {
			m = max(m, n)
		}
	}
	return m
}

// heatShade is a cell's share of the largest count, 0 to 1, on a square
// root scale so that small off-diagonal counts stay visible next to a
// large diagonal.
func heatShade(n, top int64) float64 {
	if top <= 0 || n <= 0 {
		return 0
	}
	return math.Sqrt(float64(n) / float64(top))
}

// heatFill is a cell's colour: from near white to the accent blue.
func heatFill(n, top int64) string {
	s := heatShade(n, top)
	mix := func(from, to float64) int { return int(math.Round(from + (to-from)*s)) }
	return fmt.Sprintf("rgb(%d,%d,%d)", mix(246, 31), mix(248, 95), mix(252, 191))
}

// heatInk keeps a count readable on its cell.
func heatInk(n, top int64) string {
	if heatShade(n, top) > 0.55 {
		return "#fff"
	}
	return "#1d2330"
}

func heatItoa(n int) string { return strconv.Itoa(n) }

// cellX and cellY place cell (i, j) of the heatmap.
func (c ConfusionView) cellX(j int) string { return heatItoa(c.heatMargin() + j*heatCell) }
func (c ConfusionView) cellY(i int) string { return heatItoa(c.heatMargin() + i*heatCell) }

// cellMid is the middle of cell k along an axis.
func (c ConfusionView) cellMid(k int) string {
	return heatItoa(c.heatMargin() + k*heatCell + heatCell/2)
}

// rowLabelX is where the row labels end, right-aligned before the grid.
func (c ConfusionView) rowLabelX() string { return heatItoa(c.heatMargin() - 6) }

// colLabelTransform rotates a column label so long names fit above
// their column.
func (c ConfusionView) colLabelTransform(j int) string {
	x, y := c.heatMargin()+j*heatCell+heatCell/2, c.heatMargin()-6
	return fmt.Sprintf("translate(%d %d) rotate(-45)", x, y)
}

func cellTitle(trueLabel, predLabel string, n int64) string {
	return fmt.Sprintf("true %s, predicted %s: %d", trueLabel, predLabel, n)
}

func heatCount(n int64) string { return strconv.FormatInt(n, 10) }

// LineageGraph is the provenance of a model's versions: version → run →
// source commit and datasets, as columns of nodes joined by edges.
type LineageGraph struct {
	Nodes []LineageNode
	Edges []LineageEdge
	// Rows say the same as text, one per version, for screen readers and
	// narrow screens.
	Rows []LineageRow
	// Omitted counts versions left out of the graph to keep it legible.
	Omitted int
}

// LineageRow is one version's lineage as text.
type LineageRow struct {
	Version, Run, Commit, Datasets string
}

// Lineage node kinds, one column each (commits and datasets share the
// last).
const (
	NodeVersion = "version"
	NodeRun     = "run"
	NodeCommit  = "commit"
	NodeDataset = "dataset"
)

// LineageNode is one box of the lineage graph.
type LineageNode struct {
	ID    string
	Kind  string
	Label string
	// Detail is a second, smaller line ("" for none).
	Detail string
	// Title is the full text for the tooltip and screen readers.
	Title string
	Href  string
}

// LineageEdge joins two nodes by their IDs.
type LineageEdge struct{ From, To string }

// Lineage graph geometry, in SVG user units.
const (
	graphNodeW  = 210
	graphNodeH  = 40
	graphColGap = 70
	graphRowGap = 14
	graphPad    = 4
)

// graphColumn is the column of a node kind.
func graphColumn(kind string) int {
	switch kind {
	case NodeVersion:
		return 0
	case NodeRun:
		return 1
	}
	return 2
}

// lineagePlaced is a node with its top-left corner.
type lineagePlaced struct {
	LineageNode
	X, Y int
}

// layout stacks each column's nodes top to bottom in the order given.
func (g LineageGraph) layout() (nodes []lineagePlaced, width, height int) {
	var rows [3]int
	for _, n := range g.Nodes {
		col := graphColumn(n.Kind)
		x := graphPad + col*(graphNodeW+graphColGap)
		y := graphPad + rows[col]*(graphNodeH+graphRowGap)
		rows[col]++
		nodes = append(nodes, lineagePlaced{LineageNode: n, X: x, Y: y})
	}
	tallest := max(rows[0], rows[1], rows[2], 1)
	return nodes, 2*graphPad + 3*graphNodeW + 2*graphColGap, 2*graphPad + tallest*(graphNodeH+graphRowGap) - graphRowGap
}

// lineagePath is an edge as an SVG path from the right side of one node
// to the left side of the other.
type lineagePath struct {
	From, To string
	D        string
}

// paths draws the edges whose ends are both in the graph.
func (g LineageGraph) paths(nodes []lineagePlaced) []lineagePath {
	at := make(map[string]lineagePlaced, len(nodes))
	for _, n := range nodes {
		at[n.ID] = n
	}
	var out []lineagePath
	for _, e := range g.Edges {
		a, okA := at[e.From]
		b, okB := at[e.To]
		if !okA || !okB {
			continue
		}
		x1, y1 := a.X+graphNodeW, a.Y+graphNodeH/2
		x2, y2 := b.X, b.Y+graphNodeH/2
		mid := (x1 + x2) / 2
		out = append(out, lineagePath{From: e.From, To: e.To,
			D: fmt.Sprintf("M%d %d C%d %d, %d %d, %d %d", x1, y1, mid, y1, mid, y2, x2, y2)})
	}
	return out
}
