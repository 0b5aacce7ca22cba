import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, urlHost } from './config.js';
import { type AppContext, createContext } from './context.js';
import type { FirstStartCredentials } from './directory/admins.js';
import type { Logger } from './log.js';
import { createApp } from './server.js';
import { StartupError } from './startup-error.js';

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

/**
 * Opens the store, starts listening and the workers, then creates the first
 * administrator if needed. The administrator comes last: were it committed and a later
 * step then failed, its credentials would never be shown, and no later start would
 * create another. Throws StartupError (after closing the store) when the address cannot
 * be bound.
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const ctx = await createContext(config, logger);
  const server = await listen(createApp(ctx), config).catch(async (error: unknown) => {
    await ctx.database.close();
    throw error;
  });
  const inFlight = trackResponses(server);
  const { port } = server.address() as AddressInfo;
  const host = urlHost(config.host);
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
  const firstStart = await startWorkers(ctx).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { ctx, server, url: `http://${host}:${port}`, firstStart, stop };
}

/** Starts the background workers, then makes the first administrator if there is none. */
async function startWorkers(ctx: AppContext): Promise<FirstStartCredentials | null> {
  await ctx.provisioning.start();
  ctx.imports.start();
  return ctx.admins.ensureFirstAdmin();
}

/**
 * Binds the address. Express 5's app.listen calls its callback on failure too, so the
 * server is made and bound here, with success and failure told apart.
 */
function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  const server = createServer(app);
  return new Promise<Server>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new StartupError(listenFailure(error, config), error.code)));
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/** The operator's one-line reason why `config.host:config.port` could not be bound. */
function listenFailure(error: NodeJS.ErrnoException, config: Config): string {
  const where = `port ${config.port} on ${config.host}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where} is already in use: stop the other process or set PORT`;
    case 'EACCES':
      return `${where} needs privileges this process lacks: choose a PORT above 1023`;
    case 'EADDRNOTAVAIL':
      return `${config.host} is not an address of this machine: check HOST`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
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
