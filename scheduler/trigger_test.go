package scheduler

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/config"
)

// fakeData is an artifact-store listing that the test changes.
type fakeData struct {
	mu   sync.Mutex
	objs []artifact.Info
}

func (f *fakeData) List(_ context.Context, prefix string) ([]artifact.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]artifact.Info(nil), f.objs...), nil
}

func (f *fakeData) put(key, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objs = append(f.objs, artifact.Info{Key: key, Digest: digest, Size: 10})
}

// A job watching a prefix fires when the objects under it change, and
// only then; the run and the version carry the data digest.
func TestNewDataTriggerFiresOnChangedPrefix(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		data := &fakeData{}
		data.put("datasets/churn/2000-01.csv", "sha256:aa")
		j := testJob("m")
		j.Triggers.NewData = config.NewDataTrigger{Prefix: "datasets/churn", Poll: config.Duration(time.Minute)}
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(time.Second, 0)},
			func(o *Options) { o.Data = data })
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if n := len(runs(t, s, "j")); n != 0 {
			t.Fatalf("%d runs before the data changed", n)
		}
		data.put("datasets/churn/2000-02.csv", "sha256:bb")
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		rs := runs(t, s, "j")
		if len(rs) != 1 || rs[0].FiredBy != FiredByNewData || rs[0].Status != StatusFinished {
			t.Fatalf("runs %+v", rs)
		}
		digest := rs[0].FireDetail
		if tr := e.tracker.run(rs[0].TrackingRunID); tr.tags["paddock.data.digest"] != digest || len(digest) != len("sha256:")+64 {
			t.Fatalf("digest %q, tags %v", digest, tr.tags)
		}
		if reg := e.reg.registrations(); len(reg) != 1 || reg[0].Tags["paddock.data.digest"] != digest {
			t.Fatalf("registration %+v", reg)
		}
	})
}

// A local path is watched by its files' names, sizes and times; data
// that appears where there was none fires too.
func TestNewDataTriggerWatchesLocalPath(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		j := testJob("m")
		j.Triggers.NewData = config.NewDataTrigger{Path: filepath.Join(dir, "incoming"), Poll: config.Duration(time.Minute)}
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(time.Second, 0)})
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		if err := os.MkdirAll(filepath.Join(dir, "incoming"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "incoming", "a.csv"), []byte("x,y\n1,2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if rs := runs(t, s, "j"); len(rs) != 1 || rs[0].FiredBy != FiredByNewData {
			t.Fatalf("runs %+v", rs)
		}
	})
}

// A feedback trigger fires once min_rows feedback rows arrived since the
// job last started, and counts anew from there.
func TestFeedbackTriggerFiresOnVolume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		addFeedback := func(n int) {
			for range n {
				if _, err := e.db.Write.Exec(`INSERT INTO feedback (request_id, time_us, label) VALUES ('r', 1, '"spam"')`); err != nil {
					t.Fatal(err)
				}
			}
		}
		addFeedback(50) // before the job: not new
		j := testJob("m")
		j.Triggers.Feedback = config.FeedbackTrigger{MinRows: 3, Poll: config.Duration(time.Minute)}
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(time.Second, 0)})
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		addFeedback(2)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if n := len(runs(t, s, "j")); n != 0 {
			t.Fatalf("%d runs with 2 new rows of 3", n)
		}
		addFeedback(1)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		rs := runs(t, s, "j")
		if len(rs) != 1 || rs[0].FiredBy != FiredByFeedback || rs[0].FireDetail != "3 new feedback rows" {
			t.Fatalf("runs %+v", rs)
		}
		time.Sleep(5 * time.Minute) // counting restarted at the run
		synctest.Wait()
		if n := len(runs(t, s, "j")); n != 1 {
			t.Fatalf("%d runs without new feedback", n)
		}
	})
}
