import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { selectTokenNames } from './store/tokens.store.js';
import { selectUsernames } from './store/users.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names for actor references other modules keep (`user:<id>`, `token:<id>`, e.g. an execution's
 * trigger ref), so answers show "alice" or "alice/ci-token" instead of a uuid. Current names:
 * a renamed user shows the new name; a deleted one is simply absent from the map.
 */
@Injectable()
export class ActorNamesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async namesOf(refs: Iterable<string | null | undefined>): Promise<Map<string, string>> {
    const users = new Set<string>();
    const tokens = new Set<string>();
    for (const ref of refs) {
      const [kind, id] = (ref ?? '').split(':', 2);
      if (!id || !UUID.test(id)) continue;
      if (kind === 'user') users.add(id);
      else if (kind === 'token') tokens.add(id);
    }
    const out = new Map<string, string>();
    if (users.size) {
      for (const r of await selectUsernames(this.dataSource.manager, [...users])) out.set(`user:${r.id}`, r.username);
    }
    if (tokens.size) {
      for (const r of await selectTokenNames(this.dataSource.manager, [...tokens])) out.set(`token:${r.id}`, r.name);
    }
    return out;
  }
}
