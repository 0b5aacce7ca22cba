import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { type AppContext, createContext } from './context.js';
import type { FirstStartCredentials } from './directory/admins.js';
import type { Logger } from './log.js';
import { createApp } from './server.js';

export interface RunningService {
  ctx: AppContext;
  server: Server;
  /** Where the service listens, e.g. http://127.0.0.1:8080 (the port actually bound). */
  url: string;
  /** First-start administrator credentials, only on the start that created them. */
  firstStart: FirstStartCredentials | null;
  /** Stops accepting connections, finishes requests in flight, closes the database. */
  stop(): Promise<void>;
}

/** Opens the store, creates the first administrator if needed, and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const ctx = await createContext(config, logger);
  const firstStart = await ctx.admins.ensureFirstAdmin();
  const app = createApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  await ctx.provisioning.start();
  ctx.imports.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // Stopped first and at once: the user in hand finishes, no later one starts.
      const importsStopped = ctx.imports.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await ctx.provisioning.stop();
      await importsStopped;
      await ctx.database.close();
    })();
    return stopping;
  };
  return { ctx, server, url: `http://${host}:${port}`, firstStart, stop };
}
