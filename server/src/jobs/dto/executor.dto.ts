import { IsIn } from 'class-validator';
import type { HttpExecutorDto } from './http-executor.dto.js';
import type { CommandExecutorDto } from './command-executor.dto.js';

/** Used for an executor whose kind is neither http nor command: only reports the kind. */
export class UnknownExecutorDto {
  @IsIn(['http', 'command'])
  kind: string;
}

export type ExecutorDto = HttpExecutorDto | CommandExecutorDto;
