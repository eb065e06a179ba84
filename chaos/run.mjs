#!/usr/bin/env node
// `npm run chaos` runs every scenario in chaos/scenarios/ (in their order), or those named:
//   npm run chaos -- crash outage          (a scenario's file name, alias or number)
//   CHAOS_SHORT=1 npm run chaos            (the short version of each)
// Each prints its table and writes chaos/results/<scenario>.json; the exit code is 1 when any failed.
// A scenario module exports `name`, optional `aliases` and `run()` resolving to true when it passed.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ROOT, setLogTag } from './lib/cluster.mjs';

const ORDER = ['replica-crash', 'db-outage', 'rolling-restart', 'webhook-storm', 'hostile-input', 'scale'];
const dir = path.join(ROOT, 'chaos/scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
const scenarios = [];
for (const f of files) scenarios.push({ file: f, ...(await import(pathToFileURL(path.join(dir, `${f}.mjs`)).href)) });

const wanted = process.argv.slice(2);
const chosen = wanted.length
  ? wanted.map((w) => {
      const s = scenarios.find((x) => x.file === w || x.name === w || (x.aliases ?? []).includes(w));
      if (!s) {
        console.error(
          `Unknown scenario "${w}". Known: ${scenarios.map((x) => [x.file, ...(x.aliases ?? [])].join('|')).join(', ')}`,
        );
        process.exit(2);
      }
      return s;
    })
  : scenarios;

ensureBuilt();
const results = [];
for (const s of chosen) {
  console.log(`\n### ${s.file} (${new Date().toISOString()})`);
  setLogTag(`${s.file}-${process.pid}`);
  const t = Date.now();
  let ok = false;
  try {
    ok = await s.run();
  } catch (err) {
    console.error(`${s.file} crashed: ${err.stack ?? err}`);
  }
  results.push({ scenario: s.file, ok, s: Math.round((Date.now() - t) / 1000) });
}
console.log('\n' + results.map((r) => `${r.ok ? 'PASS' : 'FAIL'}  ${r.scenario} (${r.s} s)`).join('\n'));
process.exit(results.every((r) => r.ok) ? 0 : 1);
