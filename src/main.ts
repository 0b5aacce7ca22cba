import { ConfigError, developmentNotices, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startService } from './service.js';
import { StartupError } from './startup-error.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  for (const notice of developmentNotices(config)) {
    logger.warn({ category: 'config' }, notice);
  }
  const service = await startService(config, logger).catch((error: unknown) => {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`failed to start: ${error.message}\n`);
    process.exit(1);
  });
  // With PORT=0 the system picks the port; the URLs handed out must name that one.
  if (config.port === 0 && !process.env.PUBLIC_URL) config.publicUrl = service.url;
  if (service.firstStart) {
    // Printed straight to the console, once, and never through the logger: log lines
    // may be shipped elsewhere, and credentials must not be.
    const { username, password, apiKey } = service.firstStart;
    process.stdout.write([
      '',
      'First start: an administrator was created. These credentials are shown only now.',
      `  admin portal: ${config.publicUrl}/admin   username: ${username}   password: ${password}`,
      `  admin API key (x-api-key header): ${apiKey}`,
      '',
    ].join('\n') + '\n');
  }
  const shutdown = (signal: string) => {
    // stop() closes the listening socket before it returns, so this line is only logged
    // once new connections are refused.
    const stopped = service.stop();
    logger.info({ category: 'service', signal }, 'stopping: finishing requests in flight');
    stopped.then(
      () => {
        logger.info({ category: 'service' }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ category: 'service', err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Logged only once the signal handlers are in place: a supervisor that stops the
  // service as soon as it reads this line gets the graceful stop, not the default kill.
  logger.info({ category: 'service', url: service.url, publicUrl: config.publicUrl },
    'identity service listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
