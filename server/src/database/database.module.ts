import { Global, Module } from '@nestjs/common';
import { PgListener } from './pg-listener.service.js';

/** Shared database pieces every module may inject: the one LISTEN connection of the process. */
@Global()
@Module({ providers: [PgListener], exports: [PgListener] })
export class DatabaseModule {}
