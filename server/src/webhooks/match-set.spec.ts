import type { WebhookJobMatch } from '@api-manager/contracts';
import { isPacked, matchSetOf, noMatchReason, packMatches, unpackMatches } from './match-set.js';

const trigger = (reason: string, extra: Partial<WebhookJobMatch['triggers'][number]> = {}) => ({
  trigger: 0,
  matched: false,
  reason,
  matchedFiles: [],
  matchedFileCount: 0,
  excludedFiles: [],
  ...extra,
});
const plain = (jobId: string, jobName: string, reason: string): WebhookJobMatch => ({
  jobId,
  jobName,
  matched: false,
  reason,
  triggers: [trigger(reason)],
});

describe('packed delivery explanations', () => {
  const set = matchSetOf([
    ['a', 'job-a', '["a/**"]'],
    ['b', 'job-b', '["b/**","!**/*.md"]'],
    ['c', 'job-c', '["c/**"]'],
    ['d', 'job-d', null],
    ['e', 'job-e', '["e/**"]'],
  ]);
  const matches: WebhookJobMatch[] = [
    plain('a', 'job-a', noMatchReason(7, '["a/**"]')),
    {
      jobId: 'b',
      jobName: 'job-b',
      matched: true,
      reason: '1 of 7 changed files match watchFiles',
      triggers: [
        trigger('1 of 7 changed files match watchFiles', {
          matched: true,
          matchedFiles: [{ file: 'b/x', pattern: 'b/**' }],
          matchedFileCount: 1,
        }),
      ],
      error: 'params: x is required',
    },
    plain('c', 'job-c', 'branch dev matches none of branches ["main"]'),
    plain('d', 'job-d', 'branch dev matches none of branches ["main"]'),
    plain('e', 'job-e', 'repository org/x is not org/e'),
  ];

  it('restores exactly the list it packed, storing job-dependent text once per set', () => {
    const packed = packMatches(matches, set, 7);
    expect(isPacked(packed)).toBe(true);
    if (!isPacked(packed)) return;
    expect(packed.plain).toEqual([0, null, 1, 1, 2]);
    expect(packed.reasons).toEqual(['branch dev matches none of branches ["main"]', 'repository org/x is not org/e']);
    expect(JSON.stringify(packed)).not.toContain('"a/**"');
    expect(unpackMatches(JSON.parse(JSON.stringify(packed)), set.jobs)).toEqual(matches);
  });

  it('keeps in full what the set does not describe (another job at that place, a different file count)', () => {
    const other = matchSetOf([['x', 'job-x', '["a/**"]']]);
    const packed = packMatches([matches[0]], other, 7);
    expect(isPacked(packed) && packed.plain).toEqual([null]);
    expect(unpackMatches(packed, other.jobs)).toEqual([matches[0]]);
    const moreFiles = packMatches([plain('a', 'job-a', noMatchReason(8, '["a/**"]'))], set, 7);
    expect(isPacked(moreFiles) && moreFiles.plain).toEqual([1]);
  });

  it('reads rows written before as the plain list, and the same set id for the same jobs', () => {
    const old = packMatches(matches, null, 7);
    expect(Array.isArray(old)).toBe(true);
    expect(unpackMatches(old, null)).toEqual(matches);
    expect(matchSetOf(set.jobs.map((j) => [...j] as typeof j)).id).toBe(set.id);
    expect(matchSetOf(set.jobs.slice(1)).id).not.toBe(set.id);
  });
});
