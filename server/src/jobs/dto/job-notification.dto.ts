import { ApiProperty } from '@nestjs/swagger';
import type { JobNotification, NotificationEvent } from '@api-manager/contracts';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';

export const NOTIFICATION_EVENTS: NotificationEvent[] = ['failure', 'recovery', 'success'];

/** `notifications: [{ channel, on }]` of a job: which channel hears about which outcomes. */
export class JobNotificationDto implements JobNotification {
  @ApiProperty({ description: 'Name of a notification channel' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, { message: '$property must be the name (slug) of a notification channel' })
  channel: string;

  @ApiProperty({ enum: NOTIFICATION_EVENTS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENTS, { each: true, message: '$property must be failure, recovery or success' })
  on: NotificationEvent[];
}
