import { Counter, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Rejected deliveries (bad or missing signature): nothing is stored for them, so they are counted here. */
export const signatureFailures = counter(
  'apm_webhook_signature_failures_total',
  'Webhook deliveries rejected for their signature',
  ['provider', 'reason'],
);

export const deliveriesTotal = counter('apm_webhook_deliveries_total', 'Webhook deliveries recorded, by outcome', [
  'provider',
  'outcome',
]);
