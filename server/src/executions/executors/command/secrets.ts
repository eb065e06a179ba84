import type { SecretBox } from '../../../common/secret-box.js';
import type { Job } from '../../../jobs/job.entity.js';
import { MASK } from '../../../jobs/params/params-resolver.js';
import type { Masker } from '../../masking.js';

const isSecret = (v: unknown): v is { secret: true; value?: string } =>
  !!v && typeof v === 'object' && (v as { secret?: unknown }).secret === true;

export interface CommandSecrets {
  /** Plain values of executor.env secrets, by variable name. */
  secretEnv: Record<string, string>;
  /** `Authorization: Basic …` for git when the checkout has a token. */
  authHeader: string | null;
  /** Every plain secret value found here (for masking). */
  values: string[];
}

/** Step 1 (secrets): decrypt executor.env secrets and the checkout token; a failure is the run's error. */
export function decryptSecrets(job: Job, secretBox: SecretBox): CommandSecrets | { error: string } {
  const ex = job.executor.kind === 'command' ? job.executor : undefined;
  const secretEnv: Record<string, string> = {};
  try {
    for (const [name, v] of Object.entries(ex?.env ?? {})) {
      if (isSecret(v) && v.value) secretEnv[name] = secretBox.decrypt(v.value);
    }
  } catch {
    return { error: 'A secret of executor.env cannot be decrypted with this server key' };
  }
  const values = Object.values(secretEnv);
  let authHeader: string | null = null;
  const checkout = ex?.checkout;
  if (checkout?.token?.value) {
    let token: string;
    try {
      token = secretBox.decrypt(checkout.token.value);
    } catch {
      return { error: 'executor.checkout.token cannot be decrypted with this server key' };
    }
    const basic = Buffer.from(`${checkout.tokenUser ?? 'x-access-token'}:${token}`).toString('base64');
    authHeader = `Authorization: Basic ${basic}`;
    values.push(token, basic);
  }
  return { secretEnv, authHeader, values };
}

/**
 * Step 1 (env): the job's variables for the script (secrets plain, others rendered) and as shown in the
 * request snapshot (secrets as MASK, others masked).
 */
export function renderEnv(
  job: Job,
  secretEnv: Record<string, string>,
  render: (field: string, template: string) => string,
  masker: Masker,
): { env: Record<string, string>; shown: Record<string, string> } {
  const env: Record<string, string> = {};
  const shown: Record<string, string> = {};
  const ex = job.executor.kind === 'command' ? job.executor : undefined;
  for (const [name, v] of Object.entries(ex?.env ?? {})) {
    if (isSecret(v)) {
      if (name in secretEnv) env[name] = secretEnv[name];
      shown[name] = MASK;
    } else {
      env[name] = render(`executor.env.${name}`, String(v));
      shown[name] = masker.text(env[name]);
    }
  }
  return { env, shown };
}

/** The job's params as variables: strings as they are, other values as JSON. */
export function paramEnv(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
