import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Config } from './config.js';
import type { Logger } from './log.js';

/** A plain-text notice to one recipient. */
export interface MailMessage {
  /**
   * Stable name of the notice (letters, digits, - and _), so sending it again after a
   * crash replaces the outbox file instead of adding a second one.
   */
  key: string;
  /**
   * Message-ID header, angle brackets included. A notice sent again keeps its id, so the
   * recipient's mail system can tell the copy from a new message.
   */
  messageId?: string;
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Sends the message; resolves once the SMTP server took it or the file is written. */
  send(message: MailMessage): Promise<void>;
}

/** Folder where messages go when no SMTP server is configured. */
export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

const SAFE_KEY = /^[A-Za-z0-9_-]{1,100}$/;

function envelopeOf(config: Config, message: MailMessage): SendMailOptions {
  return { from: config.mailFrom, to: message.to, subject: message.subject,
    text: message.text, ...(message.messageId ? { messageId: message.messageId } : {}) };
}

function smtpMailer(config: Config, smtpUrl: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail(envelopeOf(config, message));
      logger.info({ key: message.key }, 'notice sent by SMTP');
    },
  };
}

/**
 * Without an SMTP server each message is rendered by nodemailer as a complete RFC 5322
 * file (.eml) in the outbox, so nothing is lost and any mail reader can open it.
 */
function outboxMailer(config: Config, logger: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true,
    newline: 'unix' });
  const dir = outboxDir(config.dataDir);
  return {
    async send(message) {
      if (!SAFE_KEY.test(message.key)) throw new Error('mail key must be a safe file name');
      const info = await transport.sendMail(envelopeOf(config, message));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${message.key}.eml`);
      // Written beside, then renamed: a reader never sees half a message.
      writeFileSync(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      logger.info({ key: message.key, file }, 'notice written to the outbox');
    },
  };
}

/** SMTP when SMTP_URL is set, the outbox folder otherwise. */
export function createMailer(config: Config, logger: Logger): Mailer {
  const mailLogger = logger.child({ category: 'mail' });
  return config.smtpUrl ? smtpMailer(config, config.smtpUrl, mailLogger)
    : outboxMailer(config, mailLogger);
}
