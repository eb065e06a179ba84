import { Global, Module } from '@nestjs/common';
import { SecretBox } from './secret-box.js';

/** App-wide `SecretBox` (secrets at rest). Global: import once (app.module or any feature module). */
@Global()
@Module({ providers: [SecretBox], exports: [SecretBox] })
export class CryptoModule {}
