import { Body, Controller, ForbiddenException, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { MeResponse } from '@api-manager/contracts';
import type { Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { Access, type Actor, CurrentActor, Public, SkipAudit } from './access.decorators.js';
import { csrfTokenFor } from './auth-crypto.js';
import type { AuthedRequest } from './auth-request.js';
import { AuthService, LoginThrottledException } from './auth.service.js';
import { clearSessionCookies, setSessionCookies } from './cookies.js';
import { ChangePasswordDto, LoginDto, LoginResponseDto, MeResponseDto } from './dto/auth.dto.js';

@ApiTags('auth')
@SkipAudit()
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  /** Sign in: sets the HttpOnly `apm_session` cookie and the readable `apm_csrf` cookie. */
  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Invalid username or password' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts (per IP or per username); see Retry-After' })
  async login(
    @Body() dto: LoginDto,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto> {
    try {
      const result = await this.auth.login(dto.username, dto.password, {
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        userAgent: req.headers['user-agent'],
      });
      setSessionCookies(req, res, this.config, result.sessionId, result.csrfToken, result.expiresAt);
      return { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString() };
    } catch (err) {
      if (err instanceof LoginThrottledException) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  /** Sign out: the session is deleted server-side and the cookies cleared. */
  @Access({ role: 'viewer', scope: 'read' })
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Signed out' })
  async logout(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) res: Response,
    @CurrentActor() actor: Actor | undefined,
  ): Promise<void> {
    await this.auth.logout(req.auth, actor);
    clearSessionCookies(req, res, this.config);
  }

  /** Who am I (user, role; token scopes; the session's CSRF token). */
  @Get('me')
  @ApiOkResponse({ type: MeResponseDto })
  async me(@Req() req: AuthedRequest, @CurrentActor() actor: Actor): Promise<MeResponse> {
    const user = await this.auth.getUser(req.auth!.userId);
    if (actor.kind === 'token') return { kind: 'token', user, scopes: actor.scopes ?? [] };
    return { kind: 'user', user, csrfToken: req.auth?.sessionId ? csrfTokenFor(req.auth.sessionId) : undefined };
  }

  /** Change one's own password (signed-in users only); ends the user's other sessions. */
  @Access({ role: 'viewer', scope: 'write' })
  @Post('password')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiBadRequestResponse({ description: 'currentPassword is wrong, or newPassword too short' })
  async changePassword(
    @Body() dto: ChangePasswordDto,
    @Req() req: AuthedRequest,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    if (actor.kind !== 'user') throw new ForbiddenException('Only a signed-in user can change a password');
    await this.auth.changeOwnPassword(req.auth!, actor, dto.currentPassword, dto.newPassword);
  }
}
