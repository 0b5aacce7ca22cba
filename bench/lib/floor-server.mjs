// The floor under every sign-in the service serves: Express and express-session with the
// service's session settings, answering a page of the size of a signed response form,
// with no database, no SAML and no signature. Run by bench/lib/floor.ts as its own process.
import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';

const bodyBytes = Number(process.env.FLOOR_BODY_BYTES) || 8_000;
const page = `<!doctype html><html><body><form method="post">${
  'x'.repeat(Math.max(0, bodyBytes - 64))}</form></body></html>`;

const app = express();
app.use(session({
  name: 'floor.sid',
  secret: randomBytes(32).toString('hex'),
  resave: false,
  saveUninitialized: false,
  rolling: true,
  cookie: { httpOnly: true, sameSite: 'lax', maxAge: 8 * 3600_000 },
}));
app.post('/login', (req, res) => {
  req.session.userId = 'floor-user';
  res.status(204).end();
});
app.get('/signin', (req, res) => {
  if (!req.session.userId) {
    res.status(401).end();
    return;
  }
  res.status(200).type('html').set('Content-Length', String(Buffer.byteLength(page)))
    .end(page);
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
