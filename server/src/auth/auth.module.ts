import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ActorNamesService } from './actor-names.service.js';
import { AuditController } from './audit.controller.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditService } from './audit.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { FirstStartService } from './first-start.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/**
 * Users, sessions, API tokens, the audit log. Global so any feature module can inject
 * AuditService; the guard itself is registered as APP_GUARD in AppModule.
 */
@Global()
@Module({
  controllers: [AuthController, UsersController, TokensController, AuditController],
  providers: [
    ActorNamesService,
    AuthService,
    AuditService,
    LoginThrottleService,
    UsersService,
    TokensService,
    FirstStartService,
    AuthGuard,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [ActorNamesService, AuthService, AuditService, AuthGuard],
})
export class AuthModule {}
