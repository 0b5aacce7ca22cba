/**
 * A reason the service cannot start that an operator can act on. Its message is one line
 * naming the setting or file to fix; the entry point prints it without a stack.
 */
export class StartupError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'StartupError';
  }
}
