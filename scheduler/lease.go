package scheduler

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// leaseName is the one lease scheduling takes.
const leaseName = "training"

// acquireLease takes or renews the lease: it is ours when we hold it
// already or when it has expired. The UPDATE's WHERE makes the take-over
// atomic on SQLite (one writer) and PostgreSQL (row lock) alike.
func (st store) acquireLease(ctx context.Context, now time.Time, ttl time.Duration) (bool, error) {
	if _, err := st.exec(ctx, `INSERT INTO scheduler_leases (name, holder, expires_us) VALUES (?, '', 0)
		ON CONFLICT (name) DO NOTHING`, leaseName); err != nil {
		return false, err
	}
	n, err := st.exec(ctx, `UPDATE scheduler_leases SET holder = ?, expires_us = ?
		WHERE name = ? AND (holder = ? OR expires_us < ?)`,
		st.s.holder, now.Add(ttl).UnixMicro(), leaseName, st.s.holder, now.UnixMicro())
	return n == 1, err
}

// releaseLease lets another process take over at once.
func (st store) releaseLease(ctx context.Context) error {
	_, err := st.exec(ctx, `UPDATE scheduler_leases SET expires_us = 0 WHERE name = ? AND holder = ?`, leaseName, st.s.holder)
	return err
}

// leaseHolder names the current holder and when its lease ends.
func (st store) leaseHolder(ctx context.Context) (string, time.Time, error) {
	var holder string
	var exp int64
	err := st.s.db.Read.QueryRowContext(ctx, st.s.db.Rebind(`SELECT holder, expires_us FROM scheduler_leases WHERE name = ?`),
		leaseName).Scan(&holder, &exp)
	return holder, time.UnixMicro(exp), err
}

// takeFromDeadSelf takes the lease at once from a holder on this host
// whose process is gone (Paddock killed and restarted), instead of
// waiting for its lease to expire.
func (s *Scheduler) takeFromDeadSelf(ctx context.Context, now time.Time, ttl time.Duration) (bool, error) {
	holder, _, err := s.st.leaseHolder(ctx)
	if err != nil {
		return false, err
	}
	host, pid, start, ok := parseHolder(holder)
	if !ok || host != s.host || processAlive(pid, start) {
		return false, nil
	}
	n, err := s.st.exec(ctx, `UPDATE scheduler_leases SET holder = ?, expires_us = ? WHERE name = ? AND holder = ?`,
		s.holder, now.Add(ttl).UnixMicro(), leaseName, holder)
	return n == 1, err
}

// parseHolder reads "host/pid/start/random".
func parseHolder(h string) (host string, pid int, start uint64, ok bool) {
	parts := strings.Split(h, "/")
	if len(parts) < 4 {
		return "", 0, 0, false
	}
	n := len(parts)
	pid, err1 := strconv.Atoi(parts[n-3])
	start, err2 := strconv.ParseUint(parts[n-2], 10, 64)
	return strings.Join(parts[:n-3], "/"), pid, start, err1 == nil && err2 == nil && pid > 0
}

// processAlive reports whether pid still names the process that started
// at start (0: unknown, any process with the pid counts).
func processAlive(pid int, start uint64) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	if start == 0 {
		return true
	}
	got, _, err := processStart(pid)
	return err != nil || got == start
}
