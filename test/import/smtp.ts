import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  text: string;
  /** The Message-ID header, or '' without one. */
  messageId: string;
}

/**
 * Decides when a message is acknowledged: call `accept` to answer 250. Not calling it
 * leaves the sender waiting, as a crash or a slow server would.
 */
export type OnMessage = (message: Received, accept: () => void) => void;

export interface TestSmtp {
  port: number;
  url: string;
  /** Every message whose data arrived, acknowledged or not. */
  received: Received[];
  stop(): Promise<void>;
}

function messageIdOf(text: string): string {
  return /^Message-ID:\s*(.+)$/im.exec(text)?.[1]?.trim() ?? '';
}

/** A local SMTP server that keeps every message it is sent. */
export async function startSmtp(port = 0, onMessage: OnMessage = (_m, accept) => accept()):
  Promise<TestSmtp> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        const text = Buffer.concat(chunks).toString('utf8');
        const message = { from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((r) => r.address), text, messageId: messageIdOf(text) };
        received.push(message);
        onMessage(message, () => done());
      });
    },
  });
  server.listen(port, '127.0.0.1');
  await once(server.server, 'listening');
  const bound = (server.server.address() as AddressInfo).port;
  return { port: bound, url: `smtp://127.0.0.1:${bound}`, received,
    stop: () => new Promise((resolve) => server.close(resolve)) };
}
