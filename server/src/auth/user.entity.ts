import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from './access.decorators.js';

/** A person who signs in to the admin UI (table `users`). `passwordHash` never leaves the server. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  username: string;

  @Column('text', { name: 'display_name', default: '' })
  displayName: string;

  @Column('text')
  role: Role;

  /** argon2id PHC string. */
  @Column('text', { name: 'password_hash', select: false })
  passwordHash: string;

  @Column('boolean', { default: false })
  disabled: boolean;

  @Column('timestamptz', { name: 'password_changed_at', default: () => 'now()' })
  passwordChangedAt: Date;

  @Column('timestamptz', { name: 'last_login_at', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
