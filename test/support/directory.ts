import type { TestService } from './service.js';
import { SYSTEM } from '../../src/insights/events.js';

/** Password of every person made by `makePerson`. */
export const PERSON_PASSWORD = 'correct-horse-battery';

export interface Person {
  id: string;
  username: string;
  email: string;
}

/** A directory user who can sign in, optionally a member of the given groups. */
export async function makePerson(service: TestService, username: string,
  groupIds: string[] = []): Promise<Person> {
  const user = await service.ctx.users.create({ username, email: `${username}@example.com`,
    firstName: username[0]!.toUpperCase() + username.slice(1), password: PERSON_PASSWORD },
  SYSTEM, groupIds);
  return { id: user.id, username: user.username, email: user.email };
}
