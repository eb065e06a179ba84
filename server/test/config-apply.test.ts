import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startMock, stopMock } from './helpers/mock-services.js';
import { applyYaml } from './helpers/config-apply.js';
import type { ConfigChange } from '@api-manager/contracts';

// A file with many schedules (the WatchMe jobs before pipelines); the example's own test is pipeline-watchme.test.ts.
const WATCHME = readFileSync(new URL('./fixtures/watchme-staggered.jobs.yaml', import.meta.url), 'utf8');
/** The fields of a job in jobs.yaml that a test below edits. */
interface EditableJob {
  title?: string;
  executor: Record<string, unknown>;
  schedules: { cron?: string; timezone?: string }[];
  params: { type?: string }[];
  onSuccess: { job?: string }[];
}

const JOB_COUNT = 10;
const SCHEDULE_COUNT = 9;

const yamlFor = (mockUrl: string) => WATCHME.replaceAll('http://127.0.0.1:8090', mockUrl);

/** Everything apply may write, with versions and timestamps: equal fingerprints = nothing written. */
async function fingerprint(app: TestApp): Promise<string> {
  const rows = await Promise.all([
    query(app.db.url, 'SELECT id, name, version, updated_at, executor, params FROM jobs ORDER BY name'),
    query(app.db.url, 'SELECT id, name, version, updated_at, next_run_at FROM schedules ORDER BY id'),
    query(app.db.url, 'SELECT id, repository, secret, updated_at FROM webhook_sources ORDER BY id'),
  ]);
  return JSON.stringify(rows);
}

const count = async (app: TestApp, table: string) =>
  Number((await query<{ n: string }>(app.db.url, `SELECT count(*) AS n FROM ${table}`))[0]!.n);

describe('config as code: POST /api/v1/config/apply, GET /api/v1/config/export', () => {
  let app: TestApp;
  let mock: Awaited<ReturnType<typeof startMock>>;
  let text: string;

  beforeAll(async () => {
    mock = await startMock();
    text = yamlFor(mock.url);
    // No workers, no ticker: the tables change only through apply.
    app = await startTestApp({ WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' });
  });
  afterAll(async () => {
    delete process.env.CFG_TEST_HOOK_SECRET;
    delete process.env.CFG_TEST_TOKEN;
    await app?.close();
    await stopMock(mock?.proc);
  });

  it('a dry run of the WatchMe example plans every object as create and writes nothing', async () => {
    const res = await applyYaml(app, text, '?dryRun=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, applied: false });
    expect(res.body.summary).toEqual({ create: JOB_COUNT + SCHEDULE_COUNT, update: 0, unchanged: 0, delete: 0 });
    expect(res.body.changes).toContainEqual({
      kind: 'schedule',
      name: 'transcriber/hourly',
      action: 'create',
      path: 'jobs[0].schedules[0]',
    });
    expect(await count(app, 'jobs')).toBe(0);
    expect(await count(app, 'schedules')).toBe(0);
  });

  it('applies the WatchMe example: jobs, chains and Asia/Tokyo schedules are created; audited', async () => {
    const res = await applyYaml(app, text);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(true);
    expect(res.body.summary.create).toBe(JOB_COUNT + SCHEDULE_COUNT);
    expect(await count(app, 'jobs')).toBe(JOB_COUNT);

    const prompt = await app.api('GET', '/api/v1/jobs/timeblock-prompt');
    expect(prompt.body.onSuccess[0].job).toBe('timeblock-analysis');
    expect(prompt.body.executor.url).toBe(`${mock.url}/generate-timeblock-prompt`);
    const schedules = await app.api('GET', '/api/v1/schedules?job=dashboard-summary');
    expect(schedules.body.items).toHaveLength(1);
    expect(schedules.body.items[0]).toMatchObject({ name: 'every-3h', cron: '30 */3 * * *', timezone: 'Asia/Tokyo' });
    expect(schedules.body.items[0].nextRunAt).not.toBeNull();
    // The templates render (fan-out over the device ids).
    const render = await app.api('POST', '/api/v1/jobs/transcriber/render', {});
    expect(render.status).toBe(200);
    expect(render.body.fanOut.items).toEqual(['d-0001', 'd-0002', 'd-0003']);
    expect(render.body.params.time_block).toMatch(/^\d{2}-00$/);

    const audit = await app.api('GET', '/api/v1/audit?action=config.apply');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].after.summary.create).toBe(JOB_COUNT + SCHEDULE_COUNT);
  });

  it('applying the same file again changes nothing', async () => {
    const before = await fingerprint(app);
    const res = await applyYaml(app, text);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    expect(res.body.summary).toEqual({ create: 0, update: 0, unchanged: JOB_COUNT + SCHEDULE_COUNT, delete: 0 });
    expect(await fingerprint(app)).toBe(before);
  });

  it('a dry run of an edited file names the changed fields and writes nothing; apply then writes them', async () => {
    const edited = text
      .replace("title: '[音声] 文字起こし'", 'title: Transcriber v2')
      .replace(
        "{ name: hourly, cron: '40 * * * *', timezone: Asia/Tokyo }",
        "{ name: hourly, cron: '42 * * * *', timezone: Asia/Tokyo }",
      );
    const before = await fingerprint(app);
    const dry = await applyYaml(app, edited, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.summary).toEqual({ create: 0, update: 2, unchanged: JOB_COUNT + SCHEDULE_COUNT - 2, delete: 0 });
    expect(dry.body.changes).toContainEqual({
      kind: 'job',
      name: 'transcriber',
      action: 'update',
      fields: ['title'],
      path: 'jobs[0]',
    });
    expect(dry.body.changes).toContainEqual(
      expect.objectContaining({ kind: 'schedule', name: 'vibe-scorer/hourly', action: 'update', fields: ['cron'] }),
    );
    expect(await fingerprint(app)).toBe(before);

    expect((await applyYaml(app, edited)).body.applied).toBe(true);
    expect((await app.api('GET', '/api/v1/jobs/transcriber')).body.title).toBe('Transcriber v2');
    const s = await app.api('GET', '/api/v1/schedules?job=vibe-scorer');
    expect(s.body.items[0].cron).toBe('42 * * * *');
    // Back to the original.
    expect((await applyYaml(app, text)).body.summary.update).toBe(2);
  });

  it('prune deletes the jobs and schedules the file no longer has (only with ?prune=true)', async () => {
    const doc = parse(text) as { jobs: { name: string; schedules?: unknown[] }[] };
    doc.jobs = doc.jobs.filter((j) => j.name !== 'dashboard-summary');
    delete doc.jobs.find((j) => j.name === 'emotion-aggregator')!.schedules;
    const smaller = JSON.stringify(doc); // JSON is YAML too

    const without = await applyYaml(app, smaller);
    expect(without.body.summary).toEqual({
      create: 0,
      update: 0,
      unchanged: JOB_COUNT - 1 + SCHEDULE_COUNT - 2,
      delete: 0,
    });
    expect(await count(app, 'jobs')).toBe(JOB_COUNT);

    const before = await fingerprint(app);
    const dry = await applyYaml(app, smaller, '?dryRun=true&prune=true');
    expect(dry.body.summary.delete).toBe(3);
    expect(
      dry.body.changes
        .filter((c: ConfigChange) => c.action === 'delete')
        .map((c: ConfigChange) => c.name)
        .sort(),
    ).toEqual(['dashboard-summary', 'dashboard-summary/every-3h', 'emotion-aggregator/hourly']);
    expect(await fingerprint(app)).toBe(before);

    const pruned = await applyYaml(app, smaller, '?prune=true');
    expect(pruned.body.applied).toBe(true);
    expect(await count(app, 'jobs')).toBe(JOB_COUNT - 1);
    expect(await count(app, 'schedules')).toBe(SCHEDULE_COUNT - 2);
    expect((await app.api('GET', '/api/v1/jobs/dashboard-summary')).status).toBe(404);

    expect((await applyYaml(app, text)).body.summary.create).toBe(3);
  });

  it('reports every invalid field with its file path (400) and writes nothing', async () => {
    const doc = parse(text) as { jobs: EditableJob[] };
    doc.jobs[3].schedules[0].cron = '61 * * * *';
    doc.jobs[1].executor.timeoutMs = -5;
    doc.jobs[1].schedules[0].timezone = 'Mars/Olympus'; // in an invalid job: still reported
    doc.jobs[8].params[1].type = 'datum'; // (jobs[8] has params of its own, not a YAML alias)
    doc.jobs[4].executor.colour = 'red';
    doc.jobs[7].onSuccess[0].job = 'no-such-job';
    doc.jobs[0].title = 'Changed, but the file is invalid';
    const before = await fingerprint(app);
    const res = await applyYaml(app, JSON.stringify(doc));
    expect(res.status).toBe(400);
    const messages: string[] = res.body.message;
    const expectOne = (re: RegExp) => expect(messages.filter((m) => re.test(m))).toHaveLength(1);
    expectOne(/^jobs\[3\]\.schedules\[0\]\.cron: invalid cron "61 \* \* \* \*": .*minute/);
    expectOne(/^jobs\[1\]\.executor\.timeoutMs must not be less than 1$/);
    expectOne(/^jobs\[8\]\.params\[1\]\.type must be one of the following values/);
    expectOne(/^jobs\[4\]\.executor\.colour: property colour should not exist$/);
    expectOne(/^jobs\[7\]\.onSuccess\[0\]\.job: job no-such-job does not exist$/);
    expectOne(/^jobs\[1\]\.schedules\[0\]\.timezone must be an IANA time zone/);
    expect(messages).toHaveLength(6);
    expect(await fingerprint(app)).toBe(before);

    const syntax = await applyYaml(app, 'jobs:\n  - name: a\n   bad: [');
    expect(syntax.status).toBe(400);
    expect(syntax.body.message[0]).toMatch(/^YAML line \d+, column \d+/);
    const twice = await applyYaml(app, text.replace('- name: emotion-features', '- name: behavior-features'));
    expect(twice.body.message).toEqual(['jobs[2].name behavior-features is declared twice (also jobs[1])']);
    const job = (name: string, next: string) =>
      `  - { name: ${name}, executor: { kind: http, url: 'http://127.0.0.1:9/' }, onSuccess: [{ job: ${next} }] }\n`;
    const cycle = await applyYaml(app, 'jobs:\n' + job('ca', 'cb') + job('cb', 'ca'));
    expect(cycle.body.message).toEqual(['jobs[0]: onSuccess/onFailure would form a cycle: ca -> cb -> ca']);
    const top = await applyYaml(app, 'jobz: []\n');
    expect(top.body.message[0]).toMatch(/^jobz: property jobz should not exist/);
  });

  it('expands ${ENV} references at apply time; a missing or reserved variable is a 400 naming the path', async () => {
    const file = (extra = '') => `
jobs:
  - name: env-job
    executor:
      kind: http
      url: ${mock.url}/health
      headers:
        Authorization: { secret: true, value: "Bearer \${CFG_TEST_TOKEN}" }
        X-Literal: "cost $\${5}"
sources:
  - provider: github
    repository: org/watchme
    secret: \${CFG_TEST_HOOK_SECRET}${extra}
`;
    delete process.env.CFG_TEST_HOOK_SECRET;
    delete process.env.CFG_TEST_TOKEN;
    const missing = await applyYaml(app, file());
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual([
      'jobs[0].executor.headers.Authorization.value: environment variable CFG_TEST_TOKEN is not set on the server',
      'sources[0].secret: environment variable CFG_TEST_HOOK_SECRET is not set on the server',
    ]);
    process.env.CFG_TEST_HOOK_SECRET = 'hook-secret-1';
    process.env.CFG_TEST_TOKEN = 'token-1';
    const reserved = await applyYaml(app, file('\n    description: ${APP_SECRET}'));
    expect(reserved.status).toBe(400);
    expect(reserved.body.message).toEqual([
      'sources[0].description: ${APP_SECRET}: APP_SECRET is a server setting and cannot be referenced',
    ]);

    const ok = await applyYaml(app, file());
    expect(ok.status).toBe(200);
    expect(ok.body.summary.create).toBe(2);
    const [src] = await query<{ secret: string }>(app.db.url, `SELECT secret FROM webhook_sources`);
    expect(src!.secret).toMatch(/^enc:/);
    expect(src!.secret).not.toContain('hook-secret-1');
    const job = await app.api('POST', '/api/v1/jobs/env-job/render', {});
    expect(job.body.request.headers['X-Literal']).toBe('cost ${5}');
    const [row] = await query<{ executor: unknown }>(app.db.url, `SELECT executor FROM jobs WHERE name = 'env-job'`);
    expect(JSON.stringify(row!.executor)).not.toContain('token-1');

    // Same values: unchanged (secrets are compared by their plain text). A new value: update of `secret`.
    expect((await applyYaml(app, file())).body.applied).toBe(false);
    process.env.CFG_TEST_HOOK_SECRET = 'hook-secret-2';
    const rotated = await applyYaml(app, file(), '?dryRun=true');
    expect(rotated.body.changes).toContainEqual({
      kind: 'source',
      name: 'github:org/watchme',
      action: 'update',
      fields: ['secret'],
      path: 'sources[0]',
    });
  });

  it('export never contains secrets, and applying the export changes nothing', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    const exported = await res.text();
    expect(exported).not.toContain('token-1');
    expect(exported).not.toContain('hook-secret');
    expect(exported).not.toContain('enc:');
    expect(exported).toContain('secret: true');
    expect(exported).toContain('cost $${5}');
    const doc = parse(exported) as { jobs: { name: string }[] };
    expect(doc.jobs.map((j) => j.name)).toContain('timeblock-analysis');

    const before = await fingerprint(app);
    const again = await applyYaml(app, exported);
    expect(again.status).toBe(200);
    expect(again.body.summary).toEqual({
      create: 0,
      update: 0,
      unchanged: JOB_COUNT + 1 + SCHEDULE_COUNT + 1,
      delete: 0,
    });
    expect(await fingerprint(app)).toBe(before);
    // With prune as well: the export is the whole state.
    expect((await applyYaml(app, exported, '?prune=true&dryRun=true')).body.summary.delete).toBe(0);
  });

  it('viewers may export but not apply; operators may apply jobs but not change webhook sources', async () => {
    const viewer = await app.as('viewer');
    expect((await applyYaml(app, text, '', viewer)).status).toBe(403);
    expect((await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: viewer })).status).toBe(200);
    const readToken = await app.as('operator', ['read']);
    expect((await applyYaml(app, text, '', readToken)).status).toBe(403);
    expect((await applyYaml(app, text, '', {})).status).toBe(401);

    const operator = await app.as('operator');
    const jobsOnly = await applyYaml(app, text.replace("title: '[行動] 特徴量抽出'", 'title: Behavior'), '', operator);
    expect(jobsOnly.status).toBe(200);
    expect(jobsOnly.body.applied).toBe(true);
    const source = `sources:\n  - { provider: gitea, repository: org/other, insecure: true }\n`;
    const before = await fingerprint(app);
    const denied = await applyYaml(app, source, '', operator);
    expect(denied.status).toBe(403);
    expect(await fingerprint(app)).toBe(before);
    expect((await applyYaml(app, source, '?dryRun=true', operator)).status).toBe(200);
  });

  it('the ToyCI example applies: webhook triggers, a chain, a schedule and a source with its secret from the env', async () => {
    const toyci = readFileSync(new URL('../../examples/toyci.jobs.yaml', import.meta.url), 'utf8');
    delete process.env.TOYCI_WEBHOOK_SECRET;
    const missing = await applyYaml(app, toyci, '?dryRun=true');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual([
      'sources[0].secret: environment variable TOYCI_WEBHOOK_SECRET is not set on the server',
    ]);
    process.env.TOYCI_WEBHOOK_SECRET = 'toyci-secret';
    try {
      const res = await applyYaml(app, toyci);
      expect(res.status).toBe(200);
      expect(res.body.summary).toMatchObject({ create: 6, update: 0, delete: 0 });
      const job = await app.api('GET', '/api/v1/jobs/toy-app-test');
      expect(job.body.triggers.github[0].watchFiles).toContain('src/**');
      expect((await applyYaml(app, toyci)).body.applied).toBe(false);
    } finally {
      delete process.env.TOYCI_WEBHOOK_SECRET;
    }
  });

  it('answers 415 for a body that is not YAML text', async () => {
    const res = await app.api('POST', '/api/v1/config/apply', { yaml: 'jobs: []' });
    expect(res.status).toBe(415);
    expect(res.body.message).toMatch(/application\/yaml/);
  });
});
