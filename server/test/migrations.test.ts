import { prepareDatabase } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/app-config.js';
import { migrations } from '../src/database/migrations/index.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startTestApp } from './helpers/app.js';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('two instances starting together apply the schema once and both start', async () => {
    const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
    const [a, b] = await Promise.all([
      prepareDatabase(config, () => undefined),
      prepareDatabase(config, () => undefined),
    ]);
    // Exactly one of them applied everything; the other found nothing to do.
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, migrations.length].sort());
    const rows = await query<{ name: string }>(db.url, 'SELECT name FROM migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));

    const [appA, appB] = await Promise.all([startTestApp({}, db), startTestApp({}, db)]);
    try {
      for (const app of [appA, appB]) {
        expect((await fetch(`${app.baseUrl}/api/health/ready`)).status).toBe(200);
      }
    } finally {
      await appA.close();
      await appB.close();
    }
  });

  it('a third start applies nothing', async () => {
    const again = await prepareDatabase(loadConfig({ DATABASE_URL: db.url }), () => undefined);
    expect(again.applied).toEqual([]);
  });
});
