import { Engine1795300000000 } from './1795300000000-engine.js';

// Every migration, in order. Never edit a migration after it lands: add a new one.
// Feature owners append theirs (timestamps: schedules 1795300001000, webhooks 1795300002000, auth 1795300003000).
export const migrations: Function[] = [Engine1795300000000];
