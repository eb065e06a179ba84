#!/usr/bin/env node
// Benchmark of the webhook matcher alone (no HTTP, no database), two parts:
//   1. the bench:webhook workload — 100 jobs watching `services/svc-N/**`, `!**/*.md`,
//      `proto/svc-N.proto` on branches `main`, `release/*`; 200 changed files — CPU ms per delivery;
//   2. hostile patterns on long paths (issue 14): wall time and NFA steps of one match each, the steps
//      next to the bound (path length × pattern states) the engine guarantees.
//
//   npm run build:server && node bench/matcher.mjs [--baseline path/to/old/matcher.js] [--json out.json]
//
// `--baseline` loads another build of matcher.js (e.g. the picomatch one, bundled from an older commit)
// and runs part 1 with it too; part 2 is never run against a backtracking baseline (it would not end).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lib.mjs';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('node bench/matcher.mjs [--baseline <matcher.js>] [--json <out.json>]   (needs npm run build:server)');
  process.exit(0);
}
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const mainJs = path.join(root, 'dist/server/src/webhooks/matcher.js');
if (!existsSync(mainJs)) {
  console.error('dist/ missing: npm run build:server');
  process.exit(1);
}
const current = await import(pathToFileURL(mainJs).href);
const { FilterPattern } = await import(
  pathToFileURL(path.join(root, 'dist/libs/contracts/src/filter-pattern.js')).href
);

function jobs() {
  return Array.from({ length: 100 }, (_, i) => ({
    id: `j${i}`,
    name: `svc-${i}`,
    triggers: {
      github: [
        {
          repository: 'org/monorepo',
          branches: ['main', 'release/*'],
          watchFiles: [`services/svc-${i}/**`, '!**/*.md', `proto/svc-${i}.proto`],
        },
      ],
    },
  }));
}

function files() {
  const f = [];
  for (let i = 0; i < 70; i++) f.push(`services/svc-3/src/module-${i % 7}/file-${i}.${i % 10 === 0 ? 'md' : 'ts'}`);
  for (let i = 0; i < 60; i++) f.push(`services/svc-42/lib/part-${i}.go`);
  for (let i = 0; i < 30; i++) f.push(`services/svc-77/app/component-${i}.tsx`);
  for (let i = 0; i < 20; i++) f.push(`docs/guides/topic-${i}.md`);
  for (let i = 0; i < 20; i++) f.push(`web/public/asset-${i}.svg`);
  return f.sort();
}

const push = {
  provider: 'github',
  repository: 'org/monorepo',
  ref: 'refs/heads/main',
  branch: 'main',
  tag: null,
  before: 'a'.repeat(40),
  after: 'b'.repeat(40),
  created: false,
  deleted: false,
  forced: false,
  headCommit: null,
  commits: [],
  totalCommits: null,
  compareUrl: null,
  pusher: null,
};

function workload(mod, label) {
  const m = new mod.CompiledMatcher(jobs());
  const f = files();
  const triggered = m
    .match(push, f, null)
    .filter((x) => x.matched)
    .map((x) => x.job.name);
  for (let i = 0; i < 200; i++) m.match(push, f, null); // warm up
  const rounds = 2000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) m.match(push, f, null);
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000 / rounds;
  return {
    name: label,
    part: 'workload',
    cpuMsPerDelivery: Math.round(ms * 1000) / 1000,
    triggered: triggered.join(' '),
  };
}

const results = [workload(current, 'filter-pattern NFA (this build)')];
const baseline = opt('--baseline');
if (baseline) results.push(workload(await import(pathToFileURL(path.resolve(baseline)).href), `baseline ${baseline}`));

const hostile = [
  ['**/*a*a*a*a*a*a*b.js', 'a'.repeat(100)],
  ['**/*a*a*a*a*a*a*b.js', 'a/'.repeat(50) + 'a.jsx'],
  ['**/*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(4096)],
  ['a+a+a+a+a+a+a+a+a+a+a+a+b', 'a'.repeat(4096)],
  ['**a**a**a**a**a**a**a**b', ('a'.repeat(30) + '/').repeat(130)],
];
for (const [pattern, text] of hostile) {
  const p = new FilterPattern(pattern);
  const s0 = FilterPattern.steps;
  const t0 = process.hrtime.bigint();
  const matched = p.test(text);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  results.push({
    name: pattern,
    part: 'hostile',
    pathLength: text.length,
    matched,
    ms: Math.round(ms * 1000) / 1000,
    steps: FilterPattern.steps - s0,
    bound: (text.length + 1) * 2 * p.stateCount,
  });
}

console.table(results);
const out = opt('--json');
if (out) await writeFile(out, JSON.stringify(results, null, 2));
