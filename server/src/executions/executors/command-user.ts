import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';

/** The user command scripts (and their git) run as, when it differs from the server's. */
export interface CommandUser {
  name: string;
  ids: { uid: number; gid: number };
}

/** Why a command run cannot start as configured (answered as the execution's error; not retried). */
export class IsolationError extends Error {}

/** Default user for scripts when the server runs as root and COMMAND_JOBS_USER is unset. */
export const DEFAULT_COMMAND_USER = 'nobody';

/**
 * Command isolation: a script must not read the server's DATA_DIR (database, keys) nor its environment
 * (`/proc/<pid>/environ`, APP_SECRET, DATABASE_URL). As root the server runs scripts and their git as
 * COMMAND_JOBS_USER (default `nobody`), in a workspace that user owns, outside DATA_DIR; Linux then refuses
 * the rest. `COMMAND_JOBS_USER=root` turns this off on purpose (scripts run as the server's user). As any other user the server cannot switch
 * users: scripts run as the server's user (run the server as a dedicated user and keep secrets out of reach).
 */
@Injectable()
export class CommandIsolation {
  private readonly logger = new Logger(CommandIsolation.name);
  private readonly isRoot = process.getuid?.() === 0;
  private resolved?: CommandUser | null;

  constructor(private readonly config: AppConfig) {}

  /** The configured user, or null when scripts run as the server's own user. Throws IsolationError. */
  user(): CommandUser | null {
    if (this.resolved !== undefined) return this.resolved;
    const wanted = this.config.COMMAND_JOBS_USER ?? (this.isRoot ? DEFAULT_COMMAND_USER : undefined);
    const me = userInfo();
    // `root` (or 0) means: no switch, scripts run as the server's own user.
    if (!wanted || wanted === 'root' || wanted === '0' || wanted === me.username || wanted === String(me.uid)) {
      return (this.resolved = null);
    }
    if (!this.isRoot) {
      throw new IsolationError(
        `COMMAND_JOBS_USER=${wanted}: the server runs as ${me.username}, not root, and cannot switch users; the script was not run`,
      );
    }
    const found = lookupUser(wanted);
    if (!found)
      throw new IsolationError(`COMMAND_JOBS_USER=${wanted} is not a user of this host; the script was not run`);
    if (found.ids.uid === 0) return (this.resolved = null);
    return (this.resolved = found);
  }

  /** Root of the per-execution workspaces: outside DATA_DIR when scripts run as another user. */
  workspaceRoot(): string {
    if (this.config.COMMAND_WORKSPACE_DIR) return path.resolve(this.config.COMMAND_WORKSPACE_DIR);
    let isolated = false;
    try {
      isolated = this.user() !== null;
    } catch {
      /* reported when a run starts */
    }
    return isolated
      ? path.join(tmpdir(), 'api-manager-workspaces')
      : path.resolve(path.join(this.config.DATA_DIR, 'workspaces'));
  }

  /**
   * Make `root` (the run's folder, holding the script and `workspace`) belong to the script's user.
   * Returns that user, or undefined when scripts run as the server's user.
   */
  async prepare(root: string, workspace: string): Promise<CommandUser | undefined> {
    let user: CommandUser | null;
    try {
      user = this.user();
    } catch (err) {
      throw new IsolationError((err as Error).message);
    }
    if (!user) return undefined;
    const dataDir = path.resolve(this.config.DATA_DIR);
    if (root === dataDir || root.startsWith(dataDir + path.sep)) {
      throw new IsolationError(
        `COMMAND_WORKSPACE_DIR is inside DATA_DIR, which ${user.name} must not reach: choose a folder outside it`,
      );
    }
    // The workspaces folder: traversable, not listable, by the script's user.
    await chmod(path.dirname(root), 0o711);
    await mkdir(workspace, { recursive: true, mode: 0o700 });
    for (const dir of [root, workspace]) await chown(dir, user.ids.uid, user.ids.gid);
    return user;
  }

  /** Logged once at start. */
  describe(): string {
    try {
      const u = this.user();
      return u ? `command scripts run as ${u.name} (uid ${u.ids.uid})` : `command scripts run as the server's user`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  logAtStart(): void {
    if (this.config.COMMAND_JOBS_ENABLED) this.logger.log(`Command jobs enabled: ${this.describe()}`);
  }
}

/** `name` or a numeric uid in /etc/passwd → its uid and primary gid. */
export function lookupUser(nameOrUid: string, passwd = '/etc/passwd'): CommandUser | null {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (!name || uid === undefined || gid === undefined) continue;
    if (name === nameOrUid || uid === nameOrUid) return { name, ids: { uid: Number(uid), gid: Number(gid) } };
  }
  return null;
}
