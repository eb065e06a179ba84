import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';

export class EventsQueryDto {
  @ApiPropertyOptional({ description: "Only this execution: its log lines and status, its children's status" })
  @IsOptional()
  @IsUUID('all', { message: 'execution must be a UUID' })
  execution?: string;

  @ApiPropertyOptional({
    description: 'Resume after this event id (as the Last-Event-ID header, for clients that cannot set headers)',
  })
  @IsOptional()
  @Matches(/^\d{1,19}\.\d{1,15}$/, { message: 'lastEventId must be an event id of this stream (<cursor>.<n>)' })
  lastEventId?: string;
}

export class RetryQueryDto {
  @ApiPropertyOptional({
    enum: ['failed'],
    description:
      'failed: on a fan-out parent, re-run only its failed, timed-out and lost children into the same parent',
  })
  @IsOptional()
  @IsIn(['failed'], { message: "only must be 'failed'" })
  only?: 'failed';
}
