package serving

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/codec"
	"github.com/paddockml/paddock/serving/predlog"
)

// maxShadowBatch is the most queued shadow requests one worker predicts
// in one model call.
const maxShadowBatch = 16

// runBatch predicts the shadow jobs of one experiment in one model call:
// under load the queue holds many, and one call for all of them costs
// alpha (and so production, which shares the CPU) far less than one call
// each. Each request is still bound, logged and counted on its own.
func (p *shadowPool) runBatch(jobs []*shadowJob) {
	first := jobs[0]
	ep, exp := first.ep, first.exp
	ctx, cancel := context.WithTimeout(ep.svc.ctx, p.timeout)
	defer cancel()
	c, m := exp.Counters, ep.svc.metrics
	h, alias, err := ep.acquireTarget(ctx, exp.Alpha)
	if err != nil {
		c.ShadowFailed.Add(int64(len(jobs)))
		m.shadowFailed.WithLabelValues(exp.ID).Add(float64(len(jobs)))
		return
	}
	defer h.release()
	ser := ep.seriesOf(h, alias)
	started := time.Now()
	bound := make([][]flavor.Tensor, 0, len(jobs))
	kept := make([]*shadowJob, 0, len(jobs))
	rows := make([]int, 0, len(jobs))
	digests := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ser.requests.Inc()
		ts, err := codec.Bind(j.input, h.sig)
		if err != nil {
			ser.errors.Inc()
			ep.logShadow(j, h, alias, nil, time.Since(started), inputMessage(err), "")
			continue
		}
		bound, kept, rows = append(bound, ts), append(kept, j), append(rows, j.input.Rows())
		if ep.svc.opts.Log != nil {
			d := codec.Digest(ts)
			digests = append(digests, hex.EncodeToString(d[:]))
		} else {
			digests = append(digests, "")
		}
	}
	c.Shadowed.Add(int64(len(jobs)))
	m.shadowRun.WithLabelValues(exp.ID).Add(float64(len(jobs)))
	if failed := len(jobs) - len(kept); failed > 0 {
		c.ShadowFailed.Add(int64(failed))
		m.shadowFailed.WithLabelValues(exp.ID).Add(float64(failed))
	}
	if len(kept) == 0 {
		return
	}
	outs, err := predictJoined(ctx, h, bound, rows)
	latency := time.Since(started)
	for i, j := range kept {
		if err != nil {
			ser.errors.Inc()
			ep.logShadow(j, h, alias, nil, latency, err.Error(), digests[i])
			continue
		}
		ser.latency.Observe(latency.Seconds())
		ep.logShadow(j, h, alias, outs[i], latency, "", digests[i])
	}
	if err != nil {
		c.ShadowFailed.Add(int64(len(kept)))
		m.shadowFailed.WithLabelValues(exp.ID).Add(float64(len(kept)))
	}
}

// predictJoined predicts several bound inputs in one call and splits the
// outputs back; inputs that cannot be joined are predicted one by one.
func predictJoined(ctx context.Context, h *handle, bound [][]flavor.Tensor, rows []int) ([][]flavor.Tensor, error) {
	out := make([][]flavor.Tensor, len(bound))
	joined, err := codec.ConcatRows(bound)
	if len(bound) == 1 || err != nil {
		for i, b := range bound {
			o, _, err := h.predict(ctx, b, rows[i])
			if err != nil {
				return nil, err
			}
			out[i] = o
		}
		return out, nil
	}
	total := 0
	for _, r := range rows {
		total += r
	}
	all, _, err := h.predict(ctx, joined, total)
	if err == nil {
		err = checkBatchOutputs(all, total)
	}
	if err != nil {
		return nil, err
	}
	return splitRows(all, rows), nil
}

// logShadow writes alpha's answer (or failure) for one shadowed request.
func (ep *endpoint) logShadow(j *shadowJob, h *handle, alias string, outs []flavor.Tensor, latency time.Duration, failure, digest string) {
	if ep.svc.opts.Log == nil {
		return
	}
	e := predlog.Entry{RequestID: j.req.RequestID, Model: ep.name, Version: h.version, Alias: alias,
		Arm: predlog.ArmShadow, ExperimentID: j.exp.ID, Error: failure, InputDigest: digest}
	if outs != nil {
		e.Outputs = encodeOutputs(outs)
	}
	ep.logEntry(&e, &Request{Input: j.input}, latency)
}
