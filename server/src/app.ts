import { RequestMethod, ValidationPipe, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { bodyParsers } from './common/body-parsers.js';
import { validationException } from './common/error-codes.js';
import { answerClientError, rejectNulCharacters } from './common/request-guards.js';
import { AuthService } from './auth/auth.service.js';
import { docsAccess } from './auth/docs-access.js';
import { securityHeaders } from './auth/security-headers.js';
import { spaHandlers } from './common/spa.js';
import type { Clock } from './common/clock.js';
import type { AppConfig } from './config/app-config.js';
import { quietStartUp } from './logging/log-format.js';

export interface CreatedApp {
  app: NestExpressApplication;
  openApi: OpenAPIObject;
}

/**
 * Build the whole application exactly as production runs it (used by main.ts and by tests; tests may
 * pass a `clock` they drive by hand).
 */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  opts: { clock?: Clock } = {},
): Promise<CreatedApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl, ...opts }), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(quietStartUp(app.get(Logger)));
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  app.disable('x-powered-by');
  app.use(helmet(securityHeaders()));
  app.use(cookieParser());
  // CORS is off unless CORS_ORIGINS lists origins (the admin SPA is same-origin).
  const corsOrigins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (corsOrigins.length) app.enableCors({ origin: corsOrigins, credentials: true });
  for (const [paths, handler] of bodyParsers(config.FANOUT_MAX)) {
    if (paths) app.use(paths, handler);
    else app.use(handler);
  }
  app.use(rejectNulCharacters);
  const server = app.getHttpServer() as import('node:http').Server;
  server.on('clientError', answerClientError);
  // Idle keep-alive connections outlive a proxy's (nginx upstream keepalive_timeout: 60 s), so a proxy
  // or client never reuses a connection the server is just closing (Node's 5 s default: resets, 502s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // POST /webhook: the ToyCI path, served by the webhooks module outside the /api prefix.
  app.setGlobalPrefix('api', { exclude: [{ path: 'webhook', method: RequestMethod.POST }] });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: validationException,
    }),
  );

  const openApi = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('API Manager')
      .setDescription('Run HTTP API calls and small CI jobs by hand, on schedules, by REST and from webhooks.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // Read access, like every other GET (see docs-access.ts); registered before Swagger's own handlers.
  app.use(['/api/docs', '/api/docs-json'], docsAccess(app.get(AuthService)));
  SwaggerModule.setup('api/docs', app, openApi, { jsonDocumentUrl: 'api/docs-json', useGlobalPrefix: false });

  for (const handler of spaHandlers(config.ADMIN_DIST_DIR, config.ADMIN_BASE_HREF)) app.use(handler);
  return { app, openApi };
}

/** TRUST_PROXY as express's "trust proxy" value: a boolean, a hop count, or the list of trusted addresses. */
export function trustProxy(value: string): boolean | number | string[] {
  const v = value.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
