import { ERROR_CODES, ERROR_CODE_LIST } from '../../libs/contracts/src/error-codes.js';
import { startTestApp, type TestApp } from './helpers/app.js';

/** Issue 20: every error answer carries a stable `code` the admin translates; `message` stays English. */
describe('error codes', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'error', FANOUT_MAX: '3' });
    const job = await app.api('POST', '/api/v1/jobs', {
      name: 'coded',
      params: [{ name: 'device', type: 'string[]', fanOut: true, required: true }],
      executor: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/x' },
    });
    expect(job.status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('validation: VALIDATION_FAILED with one coded entry per field, messages as before', async () => {
    const res = await app.api('POST', '/api/v1/tokens', { name: 42, scopes: ['read'], colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(Array.isArray(res.body.message)).toBe(true);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'colour', code: 'FIELD_NOT_ALLOWED', params: { field: 'colour' } }),
        expect.objectContaining({ field: 'name', code: 'FIELD_WRONG_TYPE', params: { field: 'name', type: 'string' } }),
      ]),
    );
    expect(res.body.errors.map((e: { message: string }) => e.message)).toEqual(res.body.message);
  });

  it('not found: JOB_NOT_FOUND with the job, SCHEDULE_NOT_FOUND with the id', async () => {
    const job = await app.api('GET', '/api/v1/jobs/no-such-job');
    expect(job.status).toBe(404);
    expect(job.body).toMatchObject({ code: 'JOB_NOT_FOUND', params: { job: 'no-such-job' } });
    expect(job.body.message).toContain('not found');
    const id = '00000000-0000-4000-8000-000000000000';
    const schedule = await app.api('GET', `/api/v1/schedules/${id}`);
    expect(schedule.status).toBe(404);
    expect(schedule.body).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', params: { id } });
    const badId = await app.api('GET', '/api/v1/executions/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe('INVALID_ID');
  });

  it('conflict: JOB_NAME_TAKEN', async () => {
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'coded',
      executor: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/y' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'JOB_NAME_TAKEN', params: { name: 'coded' } });
  });

  it('cron: CRON_INVALID_FIELD names the field, the value and the range (save and preview)', async () => {
    const saved = await app.api('POST', '/api/v1/schedules', { job: 'coded', cron: '0 0 32 * *', params: {} });
    expect(saved.status).toBe(400);
    expect(saved.body).toMatchObject({
      code: 'CRON_INVALID_FIELD',
      params: { field: 'day-of-month', value: '32', range: '1-31' },
    });
    const preview = await app.api('GET', '/api/v1/schedules/preview?cron=' + encodeURIComponent('0 25 * * *'));
    expect(preview.status).toBe(400);
    expect(preview.body).toMatchObject({ code: 'CRON_INVALID_FIELD', params: { field: 'hour', value: '25' } });
    const zone = await app.api(
      'GET',
      '/api/v1/schedules/preview?cron=' + encodeURIComponent('0 1 * * *') + '&timezone=Mars/Base',
    );
    expect(zone.status).toBe(400);
    expect(['TIMEZONE_INVALID', 'VALIDATION_FAILED']).toContain(zone.body.code);
  });

  it('field messages of the services: VALIDATION_FAILED with FIELD_* codes and the field', async () => {
    const res = await app.api('POST', '/api/v1/jobs/coded/runs', { params: { device: ['a'], colour: 'red' } });
    expect(res.status).toBe(400);
    // One error with a specific code is that code (its entry stays in errors[] too).
    expect(res.body).toMatchObject({ code: 'PARAM_UNKNOWN', params: { param: 'colour', job: 'coded' } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ code: 'PARAM_UNKNOWN', params: { param: 'colour', job: 'coded' } }),
    ]);
    const missing = await app.api('POST', '/api/v1/jobs/coded/runs', { params: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'params.device', code: 'FIELD_REQUIRED', params: { field: 'params.device' } }],
    });
  });

  it('limits: FANOUT_TOO_LARGE with the param, the count and the cap', async () => {
    const res = await app.api('POST', '/api/v1/jobs/coded/runs', { params: { device: ['a', 'b', 'c', 'd'] } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'FANOUT_TOO_LARGE', params: { param: 'device', count: 4, max: 3 } });
  });

  it('auth and body: UNAUTHENTICATED, INVALID_JSON', async () => {
    const anon = await app.api('GET', '/api/v1/jobs', undefined, {});
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('UNAUTHENTICATED');
    const res = await fetch(`${app.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...app.authHeaders, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_JSON');
  });

  it('every code the server can emit has an English and a Japanese text', async () => {
    // The admin's dictionaries (a path held in a variable: the server's tsc does not type-check the admin).
    const dictionaries = '../../admin/src/app/core/i18n/';
    type Dictionary = { errors: Record<string, string> };
    const en = ((await import(`${dictionaries}en.js`)) as { EN: Dictionary }).EN.errors;
    const ja = ((await import(`${dictionaries}ja.js`)) as { JA: Dictionary }).JA.errors;
    expect(ERROR_CODE_LIST.length).toBeGreaterThan(40);
    for (const code of ERROR_CODE_LIST) {
      expect([code, typeof en[code]]).toEqual([code, 'string']);
      expect([code, typeof ja[code]]).toEqual([code, 'string']);
      // Every param the code carries can be shown: a text never names a param the code does not have.
      for (const [, name] of (en[code] + ja[code]).matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
        expect([code, [...ERROR_CODES[code].params, 'field', 'message'].includes(name)]).toEqual([code, true]);
      }
    }
  });
});
