// Request/response types shared by the server and the admin SPA.
// Plain interfaces only: no framework imports. Server DTO classes `implements` them.
export * from './health.js';
