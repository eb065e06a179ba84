import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';

/**
 * The schema is made by migrations only (`synchronize: false`), the entities describe it to TypeORM.
 * This compares the two on a freshly migrated database: every entity's table and columns exist, with
 * the same type and nullability, and every column of those tables is known to its entity (or listed
 * below as written by SQL only). A migration or an entity changed alone fails here.
 */

/** Columns the stores write and read with SQL only; their entity leaves them out on purpose. */
const SQL_ONLY_COLUMNS: Record<string, string[]> = {};

interface DbColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
}

describe('migrated schema matches the TypeORM entities', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let columns: DbColumn[];
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ ...dataSourceOptions(db.url, 2), logging: false });
    await ds.initialize();
    columns = await query<DbColumn & Record<string, unknown>>(
      db.url,
      `SELECT table_name, column_name, data_type, udt_name, is_nullable
         FROM information_schema.columns WHERE table_schema = 'public'`,
    );
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('has every entity column with the same type and nullability, and no column the entity misses', () => {
    const problems: string[] = [];
    const normalize = (t: string) =>
      ({ int: 'integer', int4: 'integer', int8: 'bigint', bool: 'boolean', timestamptz: 'timestamp with time zone' })[
        t
      ] ?? t;
    for (const meta of ds.entityMetadatas) {
      const table = meta.tableName;
      const inDb = new Map(columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
      if (!inDb.size) {
        problems.push(`${table}: table missing (entity ${meta.name})`);
        continue;
      }
      for (const col of meta.columns) {
        const c = inDb.get(col.databaseName);
        const where = `${table}.${col.databaseName} (${meta.name}.${col.propertyName})`;
        if (!c) {
          problems.push(`${where}: column missing in the migrated schema`);
          continue;
        }
        inDb.delete(col.databaseName);
        const want = normalize(ds.driver.normalizeType(col));
        const got = col.isArray ? c.udt_name.replace(/^_/, '') : c.data_type;
        const wantElem = col.isArray ? normalize(want.replace(/\[\]$/, '')) : want;
        const gotNorm = col.isArray ? normalize(got) : got;
        if (col.isArray && c.data_type !== 'ARRAY') problems.push(`${where}: entity says array, schema ${c.data_type}`);
        if (gotNorm !== wantElem) problems.push(`${where}: type ${gotNorm} in the schema, ${wantElem} in the entity`);
        const nullable = c.is_nullable === 'YES';
        if (nullable !== col.isNullable) {
          problems.push(`${where}: ${nullable ? 'nullable' : 'NOT NULL'} in the schema, not in the entity`);
        }
      }
      for (const name of inDb.keys()) {
        if (!(SQL_ONLY_COLUMNS[table] ?? []).includes(name)) {
          problems.push(`${table}.${name}: in the schema, not in entity ${meta.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('compares something: every entity was found and checked', () => {
    const tables = new Set(columns.map((c) => c.table_name));
    expect(ds.entityMetadatas.length).toBeGreaterThan(5);
    for (const meta of ds.entityMetadatas) expect(tables.has(meta.tableName)).toBe(true);
  });
});
