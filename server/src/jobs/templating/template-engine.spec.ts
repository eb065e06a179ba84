import { loadConfig } from '../../config/app-config.js';
import { TemplateEngine, TemplateError } from './template-engine.js';

const engine = new TemplateEngine(loadConfig({ DEFAULT_TIMEZONE: 'UTC' }));
// 2024-03-31T16:30:00Z = 2024-04-01 01:30 in Tokyo, 2024-03-31 12:30 in New York (EDT).
const now = new Date('2024-03-31T16:30:00Z');
const r = (t: string, extra: Record<string, unknown> = {}) => engine.render(t, { now, ...extra });

describe('TemplateEngine date helpers', () => {
  it('today/yesterday/tomorrow honour the zone', () => {
    expect(r("{{ 'today' | in_zone: 'Asia/Tokyo' }}")).toBe('2024-04-01');
    expect(r("{{ 'today' | in_zone: 'UTC' }}")).toBe('2024-03-31');
    expect(r("{{ 'yesterday' | in_zone: 'Asia/Tokyo' }}")).toBe('2024-03-31');
    expect(r("{{ 'tomorrow' | in_zone: 'America/New_York' }}")).toBe('2024-04-01');
    expect(r('{{ today }}|{{ yesterday }}|{{ timezone }}')).toBe('2024-03-31|2024-03-30|UTC');
    expect(r('{{ today }}|{{ timezone }}', { timezone: 'Asia/Tokyo' })).toBe('2024-04-01|Asia/Tokyo');
    expect(r("{{ 'today' | date_add: 0, 'days' }}", { timezone: 'Asia/Tokyo' })).toBe('2024-04-01');
  });

  it('now, conversion and formatting', () => {
    expect(r("{{ 'now' | in_zone: 'Asia/Tokyo' }}")).toBe('2024-04-01T01:30:00+09:00');
    expect(r('{{ now }}')).toBe('2024-03-31T16:30:00Z');
    expect(r("{{ '2024-03-31T16:30:00Z' | in_zone: 'America/New_York' }}")).toBe('2024-03-31T12:30:00-04:00');
    expect(r("{{ 'today' | in_zone: 'Asia/Tokyo' | format_date: 'yyyyLLdd' }}")).toBe('20240401');
    expect(r("{{ 'now' | format_date: 'yyyy-LL-dd HH:mm', 'Asia/Tokyo' }}")).toBe('2024-04-01 01:30');
    expect(r("{{ 'now' | unix }}")).toBe(String(now.getTime() / 1000));
  });

  it('date arithmetic keeps dates as dates, across month ends and DST', () => {
    expect(r("{{ '2024-03-31' | date_add: 1, 'days' }}")).toBe('2024-04-01');
    expect(r("{{ '2024-01-31' | date_add: 1, 'month' }}")).toBe('2024-02-29');
    expect(r("{{ '2024-03-01' | date_sub: 1, 'days' }}")).toBe('2024-02-29');
    expect(r("{{ 'today' | in_zone: 'Asia/Tokyo' | date_add: -7, 'days' }}")).toBe('2024-03-25');
    expect(r("{{ '2024-03-10T01:30:00' | date_add: 1, 'hours' }}", { timezone: 'America/New_York' })).toBe(
      '2024-03-10T03:30:00-04:00',
    );
    expect(r("{{ '2024-04-17' | start_of: 'month' }}|{{ '2024-04-17' | end_of: 'month' }}")).toBe(
      '2024-04-01|2024-04-30',
    );
    expect(r("{{ params.d | date_add: 2, 'days' }}", { params: { d: '2024-12-30' } })).toBe('2025-01-01');
  });

  it('reports bad input as TemplateError', () => {
    expect(() => r("{{ 'today' | in_zone: 'Mars/Olympus' }}")).toThrow(/unknown time zone/);
    expect(() => r("{{ 'someday' | date_add: 1, 'days' }}")).toThrow(TemplateError);
    expect(() => r("{{ 'today' | date_add: 1, 'fortnights' }}")).toThrow(/unit/);
    expect(() => r("{{ 'today' | date_add: 1.5, 'days' }}")).toThrow(/integer/);
  });
});

describe('TemplateEngine sandbox', () => {
  it('rejects unknown filters, includes and broken syntax', () => {
    expect(() => engine.check('{{ x | no_such_filter }}')).toThrow(TemplateError);
    expect(() => engine.check('{{ x ')).toThrow(TemplateError);
    expect(() => r("{% include '/etc/passwd' %}")).toThrow(TemplateError);
    expect(() => r("{% render 'secrets' %}")).toThrow(TemplateError);
  });

  it('sees only own properties of the data', () => {
    class Holder {
      own = 'visible';
    }
    Object.defineProperty(Holder.prototype, 'inherited', { value: 'hidden' });
    const h = { params: { h: new Holder() } };
    expect(r('{{ params.h.own }}', h)).toBe('visible');
    // Not own: not there at all (strict variables: an error naming it, never the inherited value).
    expect(() => r('{{ params.h.inherited }}', h)).toThrow(/undefined variable: params.h.inherited/);
    expect(() => r('{{ params.h.constructor }}', h)).toThrow(/undefined variable/);
    expect(() => r('{{ params.s.__proto__ }}', { params: { s: {} } })).toThrow(/undefined variable/);
  });

  it('stops runaway templates', () => {
    const loop = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
    expect(() => r(loop)).toThrow(TemplateError);
  });

  it('renderValue keeps JSON types for a single expression and recurses', () => {
    const ctx = {
      now,
      params: { ids: ['a', 'b'], n: 3 },
      parent: { params: {}, response: { json: { prompt: 'hi', k: { x: 1 } } } },
    };
    expect(engine.renderValue('{{ params.ids }}', ctx)).toEqual(['a', 'b']);
    expect(engine.renderValue('{{ params.n }}', ctx)).toBe(3);
    expect(engine.renderValue('{{ parent.response.json.k }}', ctx)).toEqual({ x: 1 });
    expect(() => engine.renderValue('{{ parent.response.json.missing }}', ctx)).toThrow(
      /undefined variable: parent.response.json.missing/,
    );
    expect(engine.renderValue("{{ parent.response.json.missing | default: 'none' }}", ctx)).toBe('none');
    expect(engine.renderValue('n={{ params.n }}', ctx)).toBe('n=3');
    expect(engine.renderValue({ a: ['{{ parent.response.json.prompt }}', 1, true, null], b: 'x' }, ctx)).toEqual({
      a: ['hi', 1, true, null],
      b: 'x',
    });
  });

  it('an unknown variable fails the render with its name; a run without a push says so', () => {
    expect(() => r('{{ params.nope }}', { params: {} })).toThrow(/undefined variable: params.nope/);
    expect(() => r('{"commit": "{{ push.after }}"}', {})).toThrow(/undefined variable: push.*this run has no push/);
    expect(r("{{ push.after | default: 'none' }}", {})).toBe('none');
    expect(r('{% if push %}{{ push.after }}{% else %}manual{% endif %}', {})).toBe('manual');
    expect(r('{{ push.after }}', { push: { after: 'abc123' } })).toBe('abc123');
  });

  it('save-time check: names the unknown variable for the place the template is in', () => {
    const exec = { roots: ['params', 'execution', 'push'] as const, params: ['day'] };
    const msg = (
      t: string,
      scope: { roots: readonly ('params' | 'parent' | 'execution' | 'push')[]; params: string[] },
    ) => {
      try {
        engine.check(t, { roots: [...scope.roots], params: scope.params });
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(msg('{{ params.day }} {{ push.after }} {{ execution.id }} {{ today }}', exec)).toBe('ok');
    expect(msg('{% for x in params.day %}{{ x }}{% endfor %}{% assign y = push.ref %}{{ y }}', exec)).toBe('ok');
    expect(msg('{{ params.dya }}', exec)).toMatch(/^unknown variable params.dya: the job declares no param dya/);
    expect(msg('{{ push.commit }}', exec)).toMatch(/^unknown variable push.commit \(push has provider, .*after/);
    expect(msg('{{ parent.params.day }}', exec)).toMatch(/^unknown variable parent.params.day \(known here:/);
    expect(msg('{{ secrets.x }}', exec)).toMatch(/^unknown variable secrets.x/);
    const chain = { roots: ['parent', 'push'] as const, params: ['day'] };
    expect(msg('{{ parent.id }} {{ parent.status }} {{ parent.error }} {{ parent.response.json.a.b }}', chain)).toBe(
      'ok',
    );
    expect(msg('{{ parent.params.month }}', chain)).toMatch(/declares no param month/);
    expect(msg('{{ params.day }}', chain)).toMatch(/^unknown variable params.day/);
  });
});
