import pg from 'pg';

export default async function globalTeardown() {
  const embedded = globalThis.__APM_EMBEDDED__;
  if (embedded) {
    await embedded.stop();
    return;
  }
  // Shared server (DATABASE_URL): drop what this run created.
  const serverUrl = process.env.APM_TEST_SERVER_URL;
  const template = process.env.APM_TEST_TEMPLATE;
  if (!serverUrl || !template) return;
  const id = template.replace('apm_tpl_', '');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [
    template,
    `apm_test_${id}_%`,
  ]);
  for (const { datname } of rows) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
  await admin.end();
}
