import { Injectable } from '@nestjs/common';
import type { ProviderName } from '../push-event.js';
import { GiteaProvider } from './gitea.provider.js';
import { GithubProvider } from './github.provider.js';
import { GitlabProvider } from './gitlab.provider.js';
import type { Headers, WebhookProvider } from './webhook-provider.js';

/**
 * Picks the provider from the request headers. Order matters: Gitea/Forgejo also send
 * `X-GitHub-Event` for compatibility, so they are asked first. No header → no guess (400).
 */
@Injectable()
export class ProviderFactory {
  private readonly providers: WebhookProvider[] = [new GiteaProvider(), new GitlabProvider(), new GithubProvider()];

  detect(headers: Headers): WebhookProvider | null {
    return this.providers.find((p) => p.detects(headers)) ?? null;
  }

  byName(name: ProviderName): WebhookProvider {
    const p = this.providers.find((x) => x.name === name);
    if (!p) throw new Error(`Unknown provider ${name}`);
    return p;
  }
}
