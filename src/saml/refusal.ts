import { HttpError } from '../http/errors.js';

/**
 * A refused SAML message: HTTP status, stable machine code and a message safe to show
 * on the browser's error page. Nothing has been signed when one is thrown.
 */
export class SamlRefusal extends HttpError {
  constructor(status: number, code: string, message: string) {
    super(status, code, message);
    this.name = 'SamlRefusal';
  }
}

export const refuse = (code: string, message: string, status = 400) =>
  new SamlRefusal(status, code, message);
