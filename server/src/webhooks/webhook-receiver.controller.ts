import { Body, Controller, HttpCode, Post, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { WebhookProviderName } from '@api-manager/contracts';
import type { Request, Response } from 'express';
import { Public } from '../auth/access.decorators.js';
import {
  DryRunDto,
  DryRunResponseDto,
  WebhookErrorDto,
  WebhookReceiveResponseDto,
} from './dto/webhook-delivery.dto.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import { WebhookReceiverService } from './webhook-receiver.service.js';

/** Shared OpenAPI description of every receiver path. */
function Receiver(summary: string): MethodDecorator {
  return (target, key, descriptor) => {
    const decorators: MethodDecorator[] = [
      Public(),
      HttpCode(200),
      ApiOperation({
        summary,
        description:
          'Public: the signature is the authentication (HMAC-SHA256 of the raw body in X-Hub-Signature-256 / ' +
          'X-Gitea-Signature, or X-Gitlab-Token). The provider is taken from the event header. ping → 200, other ' +
          'non-push events → 202 (recorded as ignored). A redelivery (same delivery id) answers the first result ' +
          'with "duplicate": true.',
      }),
      ApiHeader({ name: 'X-GitHub-Event', required: false }),
      ApiHeader({ name: 'X-GitHub-Delivery', required: false }),
      ApiHeader({ name: 'X-Hub-Signature-256', required: false }),
      ApiBody({
        schema: { type: 'object', additionalProperties: true },
        description: 'The provider payload (raw bytes, ≤ 25 MB)',
      }),
      ApiOkResponse({ type: WebhookReceiveResponseDto }),
      ApiAcceptedResponse({ type: WebhookReceiveResponseDto, description: 'Event recorded as ignored' }),
      ApiBadRequestResponse({ type: WebhookErrorDto, description: 'Unknown provider or invalid JSON payload' }),
      ApiUnauthorizedResponse({ type: WebhookErrorDto, description: 'Missing or invalid signature (nothing stored)' }),
      ApiPayloadTooLargeResponse({ description: 'Body over 25 MB' }),
    ];
    for (const d of decorators) d(target, key, descriptor);
  };
}

async function answer(
  receiver: WebhookReceiverService,
  req: Request,
  res: Response,
  only?: WebhookProviderName,
): Promise<void> {
  const reply = await receiver.receive(req.headers, req.body, req.ip, only);
  res.status(reply.code).json(reply.body);
}

@ApiTags('webhooks')
@Controller({ path: 'webhooks', version: '1' })
export class WebhookReceiverController {
  constructor(
    private readonly receiver: WebhookReceiverService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post('github')
  @Receiver('GitHub receiver (GitHub deliveries only; other forges: 400)')
  github(@Req() req: Request, @Res() res: Response): Promise<void> {
    return answer(this.receiver, req, res, 'github');
  }

  @Post('gitlab')
  @Receiver('GitLab receiver (X-Gitlab-Event, X-Gitlab-Token; GitLab deliveries only)')
  gitlab(@Req() req: Request, @Res() res: Response): Promise<void> {
    return answer(this.receiver, req, res, 'gitlab');
  }

  @Post('gitea')
  @Receiver('Gitea / Forgejo receiver (X-Gitea-Event, X-Gitea-Signature; Gitea deliveries only)')
  gitea(@Req() req: Request, @Res() res: Response): Promise<void> {
    return answer(this.receiver, req, res, 'gitea');
  }

  @Post('receive')
  @Receiver('Generic receiver: the provider is taken from the headers')
  receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    return answer(this.receiver, req, res);
  }

  @Post('github/dry-run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Which jobs a delivery would trigger, and why (nothing is written or run)' })
  @ApiOkResponse({ type: DryRunResponseDto })
  dryRun(@Body() dto: DryRunDto): Promise<DryRunResponseDto> {
    return this.deliveries.dryRun(dto);
  }
}

/** `POST /webhook`: the path existing ToyCI users configured (excluded from the /api prefix). */
@ApiTags('webhooks')
@Controller({ version: VERSION_NEUTRAL })
export class ToyciWebhookController {
  constructor(private readonly receiver: WebhookReceiverService) {}

  @Post('webhook')
  @Receiver('ToyCI-compatible receiver (same as POST /api/v1/webhooks/github: GitHub deliveries only)')
  receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    return answer(this.receiver, req, res, 'github');
  }
}
