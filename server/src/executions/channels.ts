/** The executions module's NOTIFY channels (listened to through database/pg-listener.service.ts). */
export const WAKE_CHANNEL = 'apm_exec_wake';
export const CANCEL_CHANNEL = 'apm_exec_cancel';
export const EVENTS_CHANNEL = 'apm_events';
