import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('execution_logs')
export class ExecutionLog {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'execution_id' })
  executionId: string;

  @Column('timestamptz', { default: () => 'now()' })
  at: Date;

  @Column('text', { default: 'info' })
  level: string;

  @Column('text')
  message: string;
}
