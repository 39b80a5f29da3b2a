package live

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paddockml/paddock/serving/predlog"
)

// Example is one labelled prediction: what the model was asked, what it
// answered, and the label feedback gave it. Retraining jobs export these
// as a dataset.
type Example struct {
	RequestID string          `json:"request_id"`
	Time      time.Time       `json:"time"`
	Version   int64           `json:"version"`
	Arm       string          `json:"arm,omitempty"`
	Inputs    json.RawMessage `json:"inputs,omitempty"`
	Outputs   json.RawMessage `json:"outputs,omitempty"`
	Label     json.RawMessage `json:"label"`
}

// ExportFeedback streams the model's labelled predictions since t, in
// time order. Inputs are present when the prediction log keeps them
// (serving.prediction_log.keep_inputs). Shadow answers are left out: the
// example is what the user was given.
func (m *Manager) ExportFeedback(ctx context.Context, model string, since time.Time, fn func(Example) error) error {
	labels, err := m.rawLabelsSince(ctx, since)
	if err != nil || len(labels) == 0 {
		return err
	}
	return m.preds.Scan(ctx, predlog.Filter{Model: model, Since: since}, func(e *predlog.Entry) error {
		l, ok := labels[e.RequestID]
		if !ok || e.Arm == predlog.ArmShadow || e.Error != "" {
			return nil
		}
		return fn(Example{RequestID: e.RequestID, Time: e.Time.UTC(), Version: e.Version, Arm: e.Arm,
			Inputs: e.Inputs, Outputs: e.Outputs, Label: json.RawMessage(l)})
	})
}

// rawLabelsSince returns each request's newest label (as JSON) given
// since t.
func (m *Manager) rawLabelsSince(ctx context.Context, t time.Time) (map[string]string, error) {
	rows, err := m.db.Read.QueryContext(ctx, `SELECT request_id, label FROM feedback WHERE time_us >= ? ORDER BY feedback_id`, t.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, label string
		if err := rows.Scan(&id, &label); err != nil {
			return nil, err
		}
		out[id] = label
	}
	return out, rows.Err()
}
