import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsTimeZone } from './is-time-zone.js';
import { LOG_FORMATS, type LogFormatSetting } from '../logging/log-format.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};

const TRUST_ITEM = String.raw`(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(/\d{1,3})?)`;
const TRUST_PROXY_VALUE = new RegExp(String.raw`^(true|false|\d{1,2}|${TRUST_ITEM}(\s*,\s*${TRUST_ITEM})*)$`);

/**
 * Every environment variable the server reads, declared once, with its default.
 * `ops/env/.env.example` documents the same list; a test keeps the two in step.
 */
export class EnvSchema {
  /** HTTP port. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Interface to bind. */
  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  /** postgres://user:pass@host:port/db — when unset an embedded Postgres is started in DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string = undefined;

  /** Where the embedded Postgres and generated keys live. */
  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  /** Port of the embedded Postgres (only used when DATABASE_URL is unset). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  /**
   * Run as root, the embedded Postgres runs as the `postgres` user; what that user cannot reach (a
   * checkout or DATA_DIR under a private folder) goes here: a copy of the binaries, the cluster.
   */
  @IsString()
  @Matches(/^\//, { message: 'must be an absolute path' })
  EMBEDDED_PG_SYSTEM_DIR = '/var/lib/api-manager/embedded-postgres';

  /** Pool size per server process. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(200)
  DB_POOL_SIZE = 20;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** json (one object per line, for machines), pretty (for humans), auto = pretty when stdout is a terminal. */
  @IsIn(LOG_FORMATS)
  LOG_FORMAT: LogFormatSetting = 'auto';

  /** IANA time zone used when a schedule or template names none. */
  @IsTimeZone()
  DEFAULT_TIMEZONE = 'UTC';

  /** Directory of the built admin SPA served at `/`. Empty = do not serve it. */
  @IsString()
  ADMIN_DIST_DIR = 'dist/admin/browser';

  /** Key material for secrets at rest (AES-256-GCM). Generated into DATA_DIR when unset in embedded mode. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  APP_SECRET?: string = undefined;

  /** Executions processed at once by one server process. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  WORKER_CONCURRENCY = 8;

  /** How long a claimed execution is leased before the reaper may requeue it. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  LEASE_MS = 30000;

  /** SIGTERM grace period: running executions may finish within it. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

  /** Executions older than this many days are pruned (0 = keep forever). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RETENTION_DAYS = 30;

  /** Run the worker loop in this process. */
  @Transform(toBool)
  @IsBoolean()
  WORKERS_ENABLED = true;

  /** Run the schedule ticker in this process (every replica may; slots still fire once). */
  @Transform(toBool)
  @IsBoolean()
  SCHEDULER_ENABLED = true;

  /** Default secret for webhook signatures when a repository has no source of its own. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  WEBHOOK_SECRET?: string = undefined;

  // --- auth ---
  /** Password of the `admin` user created on first start (no users yet). Unset = generate one and log it once. */
  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  ADMIN_PASSWORD?: string = undefined;

  /** Lifetime of a login session (absolute, from login). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  SESSION_TTL_HOURS = 12;

  /** Secure flag of the session cookies: auto (when the request is https / X-Forwarded-Proto https), true, false. */
  @IsIn(['auto', 'true', 'false'])
  COOKIE_SECURE = 'auto';

  /** Comma-separated origins allowed by CORS (with credentials). Empty = CORS off (the admin is same-origin). */
  @IsString()
  CORS_ORIGINS = '';

  /**
   * Which proxies' X-Forwarded-For/-Proto the server believes (express "trust proxy"): `true`, `false`, a hop
   * count (`1` = the one proxy in front, e.g. the compose nginx), or comma-separated addresses, CIDRs and the
   * names loopback, linklocal, uniquelocal. The client IP feeds the login throttle and the audit log.
   */
  @Matches(TRUST_PROXY_VALUE, {
    message: 'must be true, false, a hop count, or comma-separated addresses/CIDRs/loopback/linklocal/uniquelocal',
  })
  TRUST_PROXY = 'loopback';

  /** Login attempts allowed per client IP within LOGIN_WINDOW_SECONDS (shared by all replicas). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_PER_IP = 30;

  /**
   * Failed logins of one username from one client IP before each further attempt from that client waits a
   * growing delay (1 s, 2 s, 4 s, … up to LOGIN_WINDOW_SECONDS). A success resets it; other clients are not delayed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_PER_USER = 10;

  /** Length of the login throttling window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_WINDOW_SECONDS = 900;

  // --- schedules ---
  /** Safety poll of the schedule ticker (it also wakes at the earliest next_run_at and on changes). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60000)
  SCHEDULER_POLL_MS = 1000;

  /** A slot older than this when fired is a misfire and follows the schedule's misfire policy. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SCHEDULER_MISFIRE_TOLERANCE_MS = 5000;

  /**
   * Due schedules locked per firing transaction (FOR UPDATE SKIP LOCKED ... LIMIT n); their slots are
   * written with one multi-row INSERT.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SCHEDULER_BATCH_SIZE = 250;

  /** Firing transactions run at once by one process when many schedules are due together. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  SCHEDULER_PARALLELISM = 8;

  // --- executions ---
  /** Most children one fan-out run may create (items of its fan-out param); more is a 400. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  FANOUT_MAX = 10_000;

  /** Worker polling fallback: how often an idle worker looks for due executions without a NOTIFY. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  WORKER_POLL_MS = 1000;

  /** How often fan-ins (`needs`) past their deadline are settled (every replica looks; one wins each). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  FAN_IN_SWEEP_MS = 5000;

  /** How often old executions are pruned (RETENTION_DAYS), in small batches. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  RETENTION_INTERVAL_MS = 3600000;

  // --- command jobs ---
  /** Allow jobs of kind `command` (they run shell scripts on this server). Off by default. */
  @Transform(toBool)
  @IsBoolean()
  COMMAND_JOBS_ENABLED = false;

  /**
   * The user command scripts and their git run as (a name or uid of /etc/passwd). When the server runs as root
   * and this is unset: `nobody`; `root` turns isolation off on purpose. A non-root server cannot switch users.
   */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_.-]{0,31}\$?$|^\d{1,10}$/i, { message: 'must be a user name or a numeric uid' })
  COMMAND_JOBS_USER?: string = undefined;

  /**
   * Where per-execution workspaces of command jobs are made (and removed after each run). Default
   * DATA_DIR/workspaces, or <tmpdir>/api-manager-workspaces when scripts run as another user (COMMAND_JOBS_USER).
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  COMMAND_WORKSPACE_DIR?: string = undefined;

  /**
   * Server variables a repository's CI file (.toyci.yaml / .api-manager.yaml, webhook sources with
   * repoConfig) may reference as `${NAME}`: comma-separated names; default none. Server settings never.
   */
  @IsOptional()
  @IsString()
  @Matches(/^\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$/, {
    message: 'REPO_CONFIG_ENV must be variable names separated by commas',
  })
  REPO_CONFIG_ENV?: string = undefined;

  /** How long reading a repository's CI file at the pushed commit (git fetch + show) may take. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(300_000)
  REPO_CONFIG_TIMEOUT_MS = 20_000;

  /**
   * Token for private repositories of sources with repoConfig (ToyCI's git.accessToken): sent as an
   * HTTP Authorization header when reading the CI file, and the checkout token of its jobs.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  REPO_CONFIG_GIT_TOKEN?: string = undefined;

  /** Output of one command execution kept in its logs (bytes); the rest is dropped and the cut recorded. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  COMMAND_LOG_MAX_BYTES = 1048576;

  /** Output lines of one command execution kept in its logs. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100000)
  COMMAND_LOG_MAX_LINES = 4000;

  /** After SIGTERM (timeout, cancel), the process group gets SIGKILL after this grace. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600000)
  COMMAND_KILL_GRACE_MS = 5000;

  // --- deployment and metrics ---
  /**
   * `<base href>` of the admin SPA's index.html, for serving it under a path prefix behind a proxy
   * (e.g. `/manager/` with ops/nginx/api-manager.conf). Starts and ends with `/`.
   */
  @Matches(/^\/([A-Za-z0-9._~-]+\/)*$/, { message: 'must be a path that starts and ends with / (e.g. /manager/)' })
  ADMIN_BASE_HREF = '/';

  /** Serve Prometheus metrics (GET /api/metrics, or on METRICS_PORT). */
  @Transform(toBool)
  @IsBoolean()
  METRICS_ENABLED = true;

  /**
   * Bearer token that may read /api/metrics (besides any API token with the read scope).
   * Unset: only API tokens / sessions with read access.
   */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string = undefined;

  /**
   * Serve metrics on this separate port instead (GET /metrics, no credentials, bound to
   * METRICS_HOST); /api/metrics then answers 404. Unset: metrics are served under /api.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number = undefined;

  /** Interface of the separate metrics port. */
  @IsString()
  @MinLength(1)
  METRICS_HOST = '127.0.0.1';

  // --- notifications ---
  /**
   * Public URL of the admin (with its base href, e.g. https://ops.example.com/manager), used for links
   * to executions in notifications. Unset: links are relative (/executions/<id>).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  PUBLIC_URL?: string = undefined;

  /** How often each replica looks for pending notifications (retries, missed sends), in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60000)
  NOTIFICATIONS_POLL_MS = 2000;

  /** SMTP server for email channels. Unset: email channels cannot be created. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  SMTP_HOST?: string = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  SMTP_PORT = 587;

  /** true = TLS from the start (port 465); false = STARTTLS when the server offers it. */
  @Transform(toBool)
  @IsBoolean()
  SMTP_SECURE = false;

  @IsOptional()
  @IsString()
  SMTP_USER?: string = undefined;

  @IsOptional()
  @IsString()
  SMTP_PASSWORD?: string = undefined;

  /** Sender address, e.g. `API Manager <ops@example.com>`; required with SMTP_HOST. */
  @ValidateIf((o: EnvSchema) => !!o.SMTP_HOST || o.SMTP_FROM !== undefined)
  @Matches(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, { message: 'must be an email address (required with SMTP_HOST)' })
  SMTP_FROM?: string = undefined;
}
