import {
  ACTIVE_STATUSES,
  DASHBOARD_FAILED_STATUSES,
  EXECUTION_STATUSES,
  FAILURE_STATUSES,
  FINAL_STATUSES,
  NOTIFIED_STATUSES,
  isExecutionStatus,
  sqlStatusList,
  statusIn,
} from '../../../libs/contracts/src/statuses.js';

describe('execution statuses (the one list)', () => {
  it('has the nine statuses of the executions_status_check constraint, each once', () => {
    expect([...EXECUTION_STATUSES].sort()).toEqual([
      'cancelled',
      'failed',
      'lost',
      'partial',
      'queued',
      'running',
      'skipped',
      'succeeded',
      'timed_out',
    ]);
    expect(new Set(EXECUTION_STATUSES).size).toBe(EXECUTION_STATUSES.length);
  });

  it('splits every status into exactly one of active and final', () => {
    for (const s of EXECUTION_STATUSES) {
      expect(statusIn(s, ACTIVE_STATUSES) !== statusIn(s, FINAL_STATUSES)).toBe(true);
    }
    expect(ACTIVE_STATUSES.length + FINAL_STATUSES.length).toBe(EXECUTION_STATUSES.length);
  });

  it('counts failures among final statuses, and cancelled or skipped is not a failure', () => {
    for (const s of FAILURE_STATUSES) expect(statusIn(s, FINAL_STATUSES)).toBe(true);
    expect(statusIn('cancelled', FAILURE_STATUSES)).toBe(false);
    expect(statusIn('skipped', FAILURE_STATUSES)).toBe(false);
    expect([...NOTIFIED_STATUSES].sort()).toEqual([...FAILURE_STATUSES, 'succeeded'].sort());
    for (const s of DASHBOARD_FAILED_STATUSES) expect(statusIn(s, FAILURE_STATUSES)).toBe(true);
    expect(statusIn('partial', DASHBOARD_FAILED_STATUSES)).toBe(false);
  });

  it('checks unknown values and writes SQL lists', () => {
    expect(isExecutionStatus('lost')).toBe(true);
    expect(isExecutionStatus('done')).toBe(false);
    expect(isExecutionStatus(3)).toBe(false);
    expect(statusIn(null, FINAL_STATUSES)).toBe(false);
    expect(sqlStatusList(ACTIVE_STATUSES)).toBe(`('queued','running')`);
  });
});
