import { ConfigError, loadConfig } from '../config.js';
import { createContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { SYSTEM } from '../insights/events.js';
import { createLogger } from '../log.js';

/*
 * Operator commands for the administrators, run on the machine that holds the data:
 *   npm run admin -- reset-password <name>   a new generated password, printed once
 *   npm run admin -- new-api-key <name>      a new API key, printed once
 * They read the same environment as the service (DATA_DIR, DATABASE_URL, ...), so an
 * operator who lost the first-start credentials can get in again.
 */

const USAGE = 'usage: npm run admin -- reset-password <name> | new-api-key <name>';

/** Exit codes: 0 done, 1 the command failed, 2 wrong use or configuration. */
type ExitCode = 0 | 1 | 2;

const COMMANDS: Record<string, (name: string) => Promise<string>> = {
  'reset-password': async (name) => withContext(async (ctx) => {
    const password = await ctx.admins.resetPassword(name, SYSTEM);
    return `new password for administrator ${name}: ${password}`;
  }),
  'new-api-key': async (name) => withContext(async (ctx) => {
    const admin = await ctx.admins.byUsername(name);
    const { key } = await ctx.admins.createApiKey(admin, 'command-line key', SYSTEM);
    return `new API key for administrator ${name} (x-api-key header): ${key}`;
  }),
};

type Context = Awaited<ReturnType<typeof createContext>>;

/** Opens the store as the service does (migrations, secrets check), runs, closes it. */
async function withContext(run: (ctx: Context) => Promise<string>): Promise<string> {
  const config = loadConfig();
  // Only warnings, and on stderr: stdout carries the one line with the new secret.
  const ctx = await createContext(config, createLogger('warn', process.stderr));
  try {
    return await run(ctx);
  } finally {
    await ctx.database.close();
  }
}

async function main(args: string[]): Promise<ExitCode> {
  const [command, name, ...rest] = args;
  const run = command ? COMMANDS[command] : undefined;
  if (!run || !name || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    // Printed straight to the console, once, never through the logger.
    process.stdout.write(`${await run(name)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof HttpError && error.status === 404) {
      process.stderr.write(`no administrator is named "${name}"\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`failed: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
