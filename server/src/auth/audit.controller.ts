import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditEventList } from '@api-manager/contracts';
import { Access } from './access.decorators.js';
import { AuditService } from './audit.service.js';
import { AuditEventListDto, AuditQueryDto } from './dto/auth.dto.js';

@ApiTags('audit')
@Controller({ path: 'audit', version: '1' })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first; filters actor, action (or prefix `job.*`), target (`type` or `type:id`), since, until. */
  @Get()
  @Access({ role: 'admin', scope: 'read' })
  @ApiOkResponse({ type: AuditEventListDto })
  list(@Query() q: AuditQueryDto): Promise<AuditEventList> {
    return this.audit.list({
      actor: q.actor,
      action: q.action,
      target: q.target,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
  }
}
