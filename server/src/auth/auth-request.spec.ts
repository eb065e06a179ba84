import { describeRoute } from './audit.interceptor.js';
import { roleAtLeast, scopesAllow, scopesAllowedForRole } from './auth-request.js';

describe('roles and scopes', () => {
  it('orders roles viewer < operator < admin', () => {
    expect(roleAtLeast('viewer', 'viewer')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(roleAtLeast('operator', 'viewer')).toBe(true);
    expect(roleAtLeast('operator', 'admin')).toBe(false);
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('nobody', 'viewer')).toBe(false);
  });

  it.each([
    [['read'], { read: true, run: false, write: false, admin: false }],
    [['run'], { read: true, run: true, write: false, admin: false }],
    [['write'], { read: true, run: false, write: true, admin: false }],
    [['admin'], { read: true, run: true, write: true, admin: true }],
    [['run', 'write'], { read: true, run: true, write: true, admin: false }],
  ])('scopes %j allow %j', (scopes, expected) => {
    for (const [required, allowed] of Object.entries(expected)) expect(scopesAllow(scopes, required)).toBe(allowed);
  });

  it('limits the scopes a role may grant', () => {
    expect(scopesAllowedForRole('viewer')).toEqual(['read']);
    expect(scopesAllowedForRole('operator')).not.toContain('admin');
    expect(scopesAllowedForRole('admin')).toContain('admin');
  });

  it('names audit actions after the route', () => {
    expect(describeRoute('POST', '/api/v1/jobs')).toEqual({ action: 'job.create', targetType: 'job' });
    expect(describeRoute('PATCH', '/api/v1/jobs/:idOrName')).toEqual({ action: 'job.update', targetType: 'job' });
    expect(describeRoute('DELETE', '/api/v1/schedules/:id')).toEqual({
      action: 'schedule.delete',
      targetType: 'schedule',
    });
    expect(describeRoute('POST', '/api/v1/jobs/:idOrName/runs').action).toBe('job.run');
    expect(describeRoute('POST', '/api/v1/executions/:id/cancel').action).toBe('execution.cancel');
    expect(describeRoute('POST', '/api/v1/webhooks/deliveries/:id/replay').action).toBe('webhook_delivery.replay');
    expect(describeRoute('PATCH', '/api/v1/webhooks/sources/:id').action).toBe('webhook_source.update');
    expect(describeRoute('POST', '/api/v1/config/apply').action).toBe('config.apply');
  });
});
