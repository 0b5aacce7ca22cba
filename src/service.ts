import type { Server, ServerResponse } from 'node:http';
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
  /**
   * Stops accepting connections before it returns, lets requests in flight finish (for
   * at most the configured grace period), then closes the database. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** Opens the store, creates the first administrator if needed, and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const ctx = await createContext(config, logger);
  const firstStart = await ctx.admins.ensureFirstAdmin();
  // A port in use fails the start; the database opened for it is closed again.
  const server = await listen(createApp(ctx), config)
    .catch(async (error: unknown) => {
      await ctx.database.close();
      throw error;
    });
  const inFlight = trackResponses(server);
  await ctx.provisioning.start();
  ctx.imports.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // Imports stop first and at once: the user in hand finishes, no later one starts.
      const importsStopped = ctx.imports.stop();
      await drain(server, inFlight, config.shutdownGraceSeconds * 1000);
      await ctx.provisioning.stop();
      await importsStopped;
      await ctx.database.close();
    })();
    return stopping;
  };
  return { ctx, server, url: `http://${host}:${port}`, firstStart, stop };
}

function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    // Express 5 calls back with the error when the port cannot be bound.
    const server = app.listen(config.port, config.host, (error?: Error) =>
      (error ? reject(error) : resolve(server)));
  });
}

/** The responses not yet finished, kept current as requests come and go. */
function trackResponses(server: Server): Set<ServerResponse> {
  const responses = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
  });
  return responses;
}

/**
 * Stops accepting connections and waits for the requests in flight. Their connections
 * are closed once they answer, since a kept-alive idle connection would hold the stop
 * open; after `graceMs` the remaining ones are cut.
 */
async function drain(server: Server, inFlight: Set<ServerResponse>, graceMs: number):
  Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const res of inFlight) {
    if (!res.headersSent) res.setHeader('connection', 'close');
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  }
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(cut);
}
