import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../../http/errors.js';
import { decryptSecret } from '../../secrets.js';
import type { Db } from '../../store/db.js';
import type { ScimUserResource } from '../mappings.js';
import type { LimiterRegistry } from '../rate-limiter.js';
import { type ListBody, type ScimAnswer, ScimClient, ScimNetworkError } from
  '../scim-client.js';
import type { ScimUser } from './mapping.js';
import { type ApplicationUserSource, identityManagementInactive } from './source.js';

const PAGE_SIZE = 100;
/** Tries per page: a 429 waits for its Retry-After, a 5xx or lost connection backs off. */
const ATTEMPTS = 5;
const BACKOFF_MS = 500;

function unreachable(detail: string): HttpError {
  return new HttpError(502, 'application_unreachable',
    `The application's users could not be read: ${detail}`);
}

const retryable = (status: number) => status === 429 || status >= 500;

/**
 * Reads an application's users over SCIM with its integration's URL and token. Every
 * request goes through the application's rate limiter, the one provisioning uses, so
 * an import listing and provisioning together stay within the application's limits.
 */
export class ScimUserSource implements ApplicationUserSource {
  constructor(private readonly db: Db, private readonly encryptionKey: Buffer,
    private readonly limiters: LimiterRegistry) {}

  async listUsers(applicationId: string): Promise<ScimUser[]> {
    const client = await this.clientOf(applicationId);
    const users: ScimUser[] = [];
    let startIndex = 1;
    for (;;) {
      const body = await this.page(client, startIndex);
      const resources = body.Resources ?? [];
      users.push(...resources.filter(hasUserName));
      // Moves on by what came back, so a server ignoring the page size is read whole.
      startIndex += resources.length;
      if (resources.length === 0 || startIndex > (body.totalResults ?? 0)) return users;
    }
  }

  /** @throws HttpError 409 idm_not_active without an active integration. */
  private async clientOf(applicationId: string): Promise<ScimClient> {
    const integration = await this.db.selectFrom('idm_integrations').selectAll()
      .where('application_id', '=', applicationId).executeTakeFirst();
    if (integration?.status !== 'active' || !integration.token_encrypted) {
      throw identityManagementInactive();
    }
    const limiter = this.limiters.get(applicationId, {
      requestsPerMinute: integration.requests_per_minute,
      concurrentReads: integration.concurrent_reads,
      concurrentWrites: integration.concurrent_writes,
    });
    const token = decryptSecret(this.encryptionKey, integration.token_encrypted);
    return new ScimClient(integration.base_url, token, limiter);
  }

  private async page(client: ScimClient, startIndex: number):
    Promise<ListBody<ScimUserResource>> {
    let last = '';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      let answer: ScimAnswer<ListBody<ScimUserResource>>;
      try {
        answer = await client.listUsers(startIndex, PAGE_SIZE);
      } catch (error) {
        if (!(error instanceof ScimNetworkError)) throw error;
        last = error.message;
        await sleep(BACKOFF_MS * attempt);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300 && answer.body) return answer.body;
      last = `HTTP ${answer.status}: ${answer.message ?? 'not a SCIM list'}`;
      if (!retryable(answer.status)) break;
      // The client has paused the limiter for a 429's Retry-After; other retries back off.
      if (answer.status !== 429) await sleep(BACKOFF_MS * attempt);
    }
    throw unreachable(last);
  }
}

function hasUserName(resource: ScimUserResource): resource is ScimUser {
  return typeof resource.userName === 'string' && resource.userName !== '';
}
