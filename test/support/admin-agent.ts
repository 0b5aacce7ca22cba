import request from 'supertest';

/** The value of the hidden CSRF field in a page. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('the page has no CSRF field');
  return match[1]!;
}

/** A supertest agent (keeps cookies) logged in to the admin portal. */
export async function adminAgent(baseUrl: string, password: string):
  Promise<ReturnType<typeof request.agent>> {
  const agent = request.agent(baseUrl);
  const login = await agent.get('/admin/login').expect(200);
  await agent.post('/admin/login').type('form')
    .send({ _csrf: csrfOf(login.text), username: 'admin', password })
    .expect(303).expect('location', '/admin/applications');
  return agent;
}
