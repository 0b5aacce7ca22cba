import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { badRequest, HttpError } from '../../http/errors.js';

/** Largest logo kept, in bytes: it is stored in the database and sent in every tile. */
export const MAX_LOGO_BYTES = 100 * 1024;

/** Image types accepted, told apart by their first bytes rather than the browser's word. */
const SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF'
    && b.subarray(8, 12).toString('latin1') === 'WEBP'],
];

/**
 * The image type `bytes` begin with (image/png, image/jpeg, image/gif or image/webp), or
 * undefined for anything else, SVG included.
 */
export function imageTypeOf(bytes: Buffer): string | undefined {
  return SIGNATURES.find(([, matches]) => matches(bytes))?.[0];
}

const upload = multer({
  storage: multer.memoryStorage(),
  // A little above the logo limit, so a too-large logo gets a field error, not a cut body.
  limits: { fileSize: 1024 * 1024, files: 1, fields: 50, fieldSize: 64 * 1024 },
}).single('logo');

/** Parses multipart forms (the application forms with a logo); others pass through. */
export const multipartForms: RequestHandler = (req, res, next) => {
  upload(req, res, (error: unknown) => {
    if (error instanceof multer.MulterError) {
      next(new HttpError(413, 'upload_refused', `The upload was refused: ${error.message}`));
      return;
    }
    next(error);
  });
};

/**
 * The uploaded logo as a data: URL, or undefined when none was sent. SVG is refused:
 * it can carry script. Throws 400 with a `logo` field error for anything else.
 */
export function uploadedLogo(req: Request): string | undefined {
  const file = req.file;
  if (!file || file.size === 0) return undefined;
  const invalid = (message: string) => badRequest(message, { fields: { logo: message } });
  if (file.size > MAX_LOGO_BYTES) throw invalid('The logo must be at most 100 KB');
  const type = imageTypeOf(file.buffer);
  if (!type) throw invalid('The logo must be a PNG, JPEG, GIF or WebP image');
  return `data:${type};base64,${file.buffer.toString('base64')}`;
}
