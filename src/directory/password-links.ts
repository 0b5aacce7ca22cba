import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { HttpError, notFound } from '../http/errors.js';
import { type Actor, recordEvent } from '../insights/events.js';
import { type Db, now } from '../store/db.js';
import type { UserService } from './users.js';

/*
 * Set-password links: an administrator hands a user (an imported one, say, who has no
 * password) a link that lets them choose a password once. Only a hash of the token is
 * stored, so a copy of the database does not hold usable links; the token itself has
 * 256 random bits, so a fast hash suffices (nothing to guess in bulk).
 */

/** How long a link stays usable, in ms: 72 hours. */
export const LINK_VALIDITY_MS = 72 * 60 * 60 * 1000;

/** Where a link leads: the page that takes the new password. */
export const SET_PASSWORD_PATH = '/set-password';

export interface PasswordLink {
  url: string;
  expiresAt: string;
}

/** A link's owner, once the link is known to be usable. */
export interface LinkHolder {
  userId: string;
  username: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

const linkRefused = (code: string, message: string) => new HttpError(410, code, message);

/** Creates, checks and redeems set-password links. */
export class PasswordLinks {
  constructor(private readonly db: Db, private readonly users: UserService,
    private readonly config: Pick<Config, 'publicUrl'>) {}

  /**
   * A new link for the user; any earlier unused link of the user stops working, so only
   * the last one handed out is valid. @throws HttpError 404 unknown user.
   */
  async create(userId: string, actor: Actor): Promise<PasswordLink> {
    const user = await this.users.get(userId);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + LINK_VALIDITY_MS).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('password_links').where('user_id', '=', user.id)
        .where('used_at', 'is', null).execute();
      await trx.insertInto('password_links').values({
        token_hash: hashOf(token), user_id: user.id, created_at: now(), expires_at: expiresAt,
        used_at: null, created_by: actor.name ?? null,
      }).execute();
      await recordEvent(trx, { type: 'user_password_link_create', initiator: actor,
        outcome: 'success', resource: { type: 'user', id: user.id, name: user.username },
        details: { expiresAt } });
    });
    return { url: `${this.config.publicUrl}${SET_PASSWORD_PATH}?token=${token}`, expiresAt };
  }

  /**
   * The user a token belongs to, when the link may still be used.
   * @throws HttpError 404 `link_invalid`, 410 `link_used` or `link_expired`.
   */
  async check(token: string): Promise<LinkHolder> {
    const row = await this.db.selectFrom('password_links')
      .innerJoin('users', 'users.id', 'password_links.user_id')
      .select(['password_links.user_id', 'users.username', 'password_links.used_at',
        'password_links.expires_at'])
      .where('password_links.token_hash', '=', hashOf(token)).executeTakeFirst();
    if (!row) {
      throw new HttpError(404, 'link_invalid', 'This set-password link is not valid. Ask '
        + 'your administrator for a new one.');
    }
    if (row.used_at) {
      throw linkRefused('link_used', 'This set-password link has been used already. Ask '
        + 'your administrator for a new one.');
    }
    if (row.expires_at <= now()) {
      throw linkRefused('link_expired', 'This set-password link has expired. Ask your '
        + 'administrator for a new one.');
    }
    return { userId: row.user_id, username: row.username };
  }

  /**
   * Sets the user's password and uses the link up. The link is taken with one
   * conditional update, so two submissions racing with the same link cannot both win.
   * @throws HttpError as {@link check}.
   */
  async redeem(token: string, password: string): Promise<LinkHolder> {
    const holder = await this.check(token);
    const taken = await this.db.updateTable('password_links').set({ used_at: now() })
      .where('token_hash', '=', hashOf(token)).where('used_at', 'is', null)
      .where('expires_at', '>', now()).executeTakeFirst();
    if (taken.numUpdatedRows !== 1n) {
      // Used or expired since the check: say which.
      await this.check(token);
      throw notFound('Set-password link');
    }
    const actor: Actor = { type: 'user', id: holder.userId, name: holder.username };
    await this.users.setPassword(holder.userId, password, actor);
    await recordEvent(this.db, { type: 'user_password_link_use', initiator: actor,
      outcome: 'success', resource: { type: 'user', id: holder.userId, name: holder.username } });
    return holder;
  }
}
