import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CreateUserRequest, Page, PageQuery, UpdateUserRequest, UserSummary } from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { hashPassword } from './auth-crypto.js';
import { AuditService } from './audit.service.js';
import { deleteUserSessions } from './store/sessions.store.js';
import {
  deleteUser,
  insertUser,
  lockActiveAdmins,
  lockUser,
  selectUser,
  selectUsersPage,
  updateUser,
} from './store/users.store.js';
import { toUserSummary } from './user-summary.js';

const summaryForAudit = (u: UserSummary) => ({
  username: u.username,
  role: u.role,
  displayName: u.displayName,
  disabled: u.disabled,
});

/** The user behind the request (a token acts for its owner). */
const isSelf = (actor: Actor | undefined, id: string): boolean =>
  !!actor && (actor.kind === 'user' ? actor.id === id : actor.kind === 'token' && actor.userId === id);

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** By username (unique), keyset pages. */
  async list(q: PageQuery = {}): Promise<Page<UserSummary>> {
    const limit = pageLimit(q);
    const after = q.cursor ? decodePageCursor(q.cursor, 1)[0] : null;
    const rows = await selectUsersPage(this.dataSource.manager, after, limit + 1);
    return toPage(rows, limit, (r) => [r.username], toUserSummary);
  }

  async get(id: string): Promise<UserSummary> {
    const row = await selectUser(this.dataSource.manager, id);
    if (!row) throw new NotFoundException(`User ${id} not found`);
    return toUserSummary(row);
  }

  async create(dto: CreateUserRequest, actor: Actor | undefined): Promise<UserSummary> {
    const hash = await hashPassword(dto.password);
    return this.dataSource.transaction(async (m) => {
      const row = await insertUser(m, {
        username: dto.username,
        displayName: dto.displayName ?? '',
        role: dto.role,
        passwordHash: hash,
      });
      if (!row) throw new ConflictException(`username "${dto.username}" is already taken`);
      const user = toUserSummary(row);
      await this.audit.record(
        { actor, action: 'user.create', targetType: 'user', targetId: user.id, after: summaryForAudit(user) },
        m,
      );
      return user;
    });
  }

  async update(id: string, dto: UpdateUserRequest, actor: Actor | undefined): Promise<UserSummary> {
    if (isSelf(actor, id)) {
      if (dto.disabled === true) throw new BadRequestException('disabled: you cannot disable your own account');
      if (dto.role !== undefined && dto.role !== 'admin') {
        throw new BadRequestException('role: you cannot demote your own account; ask another admin');
      }
      if (dto.password !== undefined) {
        throw new BadRequestException(
          'password: change your own password with POST /api/v1/auth/password (it asks for the current one)',
        );
      }
    }
    const hash = dto.password !== undefined ? await hashPassword(dto.password) : undefined;
    return this.dataSource.transaction(async (m) => {
      const before = await this.lockUser(m, id);
      const losesAdmin =
        before.role === 'admin' &&
        !before.disabled &&
        ((dto.role !== undefined && dto.role !== 'admin') || dto.disabled === true);
      if (losesAdmin) await this.assertNotLastAdmin(m, id, 'demote or disable');
      const row = await updateUser(m, id, {
        role: dto.role,
        displayName: dto.displayName,
        disabled: dto.disabled,
        passwordHash: hash,
      });
      const after = toUserSummary(row!);
      // A new password or a disabled account ends the user's sessions.
      if (hash !== undefined || dto.disabled === true) await deleteUserSessions(m, id);
      await this.audit.record(
        {
          actor,
          action: hash !== undefined ? 'user.password_reset' : 'user.update',
          targetType: 'user',
          targetId: id,
          before: summaryForAudit(before),
          after: { ...summaryForAudit(after), ...(hash !== undefined ? { passwordChanged: true } : {}) },
        },
        m,
      );
      return after;
    });
  }

  async remove(id: string, actor: Actor | undefined): Promise<void> {
    if (isSelf(actor, id)) throw new BadRequestException('id: you cannot delete your own account');
    await this.dataSource.transaction(async (m) => {
      const before = await this.lockUser(m, id);
      if (before.role === 'admin' && !before.disabled) await this.assertNotLastAdmin(m, id, 'delete');
      await deleteUser(m, id);
      await this.audit.record(
        { actor, action: 'user.delete', targetType: 'user', targetId: id, before: summaryForAudit(before) },
        m,
      );
    });
  }

  private async lockUser(m: EntityManager, id: string): Promise<UserSummary> {
    const row = await lockUser(m, id);
    if (!row) throw new NotFoundException(`User ${id} not found`);
    return toUserSummary(row);
  }

  /** Locks every active admin row, so two concurrent demotions cannot both pass the check. */
  private async assertNotLastAdmin(m: EntityManager, id: string, what: string): Promise<void> {
    const admins = await lockActiveAdmins(m);
    if (admins.filter((a) => a !== id).length === 0) {
      throw new ConflictException(`Cannot ${what} the last active admin`);
    }
  }
}
