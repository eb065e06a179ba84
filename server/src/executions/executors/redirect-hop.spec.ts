import { describe, expect, it } from '@jest/globals';
import { redirectHop } from './http.executor.js';

describe('redirectHop (following a redirect)', () => {
  const from = {
    url: 'http://127.0.0.1:4001/a?q=tok-secret-1',
    method: 'POST',
    headers: {
      Authorization: 'Bearer auth-secret-2',
      Cookie: 'sid=plain',
      'Proxy-Authorization': 'Basic xyz',
      'X-Token': 'x-token-secret-3',
      'X-Derived': 'v=tok-secret-1',
      'X-Plain': 'kept',
      'content-type': 'application/json',
    },
    body: '{"t":"tok-secret-1"}',
  };
  const secrets = { headers: ['X-Token'], values: ['tok-secret-1', 'Bearer auth-secret-2', 'x-token-secret-3'] };

  it('keeps every header on the same origin (scheme, host and port)', () => {
    const next = redirectHop(from, '/b', 307, secrets);
    expect(next).toEqual({ ...from, url: 'http://127.0.0.1:4001/b', crossOrigin: false });
  });

  it('drops secret headers, credentials and secret query values on another port', () => {
    const next = redirectHop(
      from,
      'http://127.0.0.1:4002/c?keep=1&echo=tok-secret-1&e2=tok%2Dsecret%2D1',
      307,
      secrets,
    );
    expect(next.crossOrigin).toBe(true);
    expect(next.url).toBe('http://127.0.0.1:4002/c?keep=1');
    expect(next.headers).toEqual({ 'X-Plain': 'kept', 'content-type': 'application/json' });
    expect(next.method).toBe('POST');
    expect(next.body).toBe(from.body);
  });

  it('treats another scheme or host as another origin', () => {
    expect(redirectHop(from, 'https://127.0.0.1:4001/a', 302, secrets).headers.Authorization).toBeUndefined();
    expect(redirectHop(from, 'http://localhost:4001/a', 302, secrets).headers.Authorization).toBeUndefined();
  });

  it('turns a 303 (and a 301/302 after POST) into a GET without body', () => {
    for (const status of [301, 302, 303]) {
      const next = redirectHop(from, '/d', status, secrets);
      expect([next.method, next.body, next.headers['content-type']]).toEqual(['GET', undefined, undefined]);
    }
  });
});
