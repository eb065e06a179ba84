// Request/response types shared by the server and the admin SPA.
// Plain interfaces only: no framework imports. Server DTO classes `implements` them.
export * from './health.js';
export * from './jobs.js';
export * from './executions.js';
export * from './auth.js';
export * from './schedules.js';
export * from './webhooks.js';
export * from './config-as-code.js';
export * from './notifications.js';
export * from './filter-pattern.js';
export * from './limits.js';
export * from './job-overview.js';
export * from './fanout.js';
export * from './error-codes.js';
export * from './pipelines.js';
export * from './statuses.js';
