import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CryptoModule } from '../common/crypto.module.js';
import { ExecutionDetailContributors } from '../executions/execution-detail-contributors.js';
import { ExecutionsModule } from '../executions/executions.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ChannelSender } from './channel-sender.js';
import { ChannelsController } from './channels.controller.js';
import { ChannelsService } from './channels.service.js';
import { executionNotifications } from './execution-notifications.js';
import { NotificationChannel } from './notification-channel.entity.js';
import { NotificationDispatcher } from './notification-dispatcher.service.js';
import { NotificationRecorder } from './notification-recorder.service.js';

/** Channels (Slack, Discord, signed webhook, email) and the notifications sent after executions end. */
@Module({
  imports: [TypeOrmModule.forFeature([NotificationChannel]), CryptoModule, ExecutionsModule, JobsModule],
  controllers: [ChannelsController],
  providers: [ChannelSender, ChannelsService, NotificationDispatcher, NotificationRecorder],
  exports: [ChannelsService],
})
export class NotificationsModule implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly detail: ExecutionDetailContributors,
  ) {}

  onModuleInit(): void {
    this.detail.register(async (id) => ({ notifications: await executionNotifications(this.dataSource, id) }));
  }
}
