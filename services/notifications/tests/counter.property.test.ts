// The unread counter is a maintained number (O(1) to read). Property: whatever interleaving of new
// notifications, reads of one and read-alls runs concurrently against the real service, the
// counter afterwards equals the real number of unread notifications, and it is never negative.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  allNotifications,
  createOrganization,
  expectStatus,
  http,
  sendTo,
  type TestUser,
  testUser,
  unreadCount,
} from './support';

type Command = { kind: 'new' } | { kind: 'read'; pick: number } | { kind: 'readAll' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Command>({ kind: 'new' }) },
  { weight: 3, arbitrary: fc.nat({ max: 50 }).map((pick): Command => ({ kind: 'read', pick })) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'readAll' }) },
);

/** Rounds of commands; the commands of one round run at the same time. */
const scenario = fc.array(fc.array(command, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });

async function run(user: TestUser, orgId: string, known: string[], step: Command): Promise<void> {
  switch (step.kind) {
    case 'new':
      await sendTo(user, orgId, [user.userId]);
      return;
    case 'read': {
      const id = known[step.pick % Math.max(known.length, 1)];
      if (!id) return;
      expectStatus(await http('POST', `/me/notifications/${id}/read`, { token: user.token }), 200, 'read');
      return;
    }
    case 'readAll': {
      const reply = expectStatus(
        await http('POST', '/me/notifications/read-all', { token: user.token }),
        200,
        'read-all',
      );
      expect(reply.complete).toBe(true);
      return;
    }
  }
}

describe('the unread counter', () => {
  it('equals the real number of unread notifications after any interleaving of new, read and read-all', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (rounds) => {
        // Each run: a fresh inbox (a new user, OWNER of a new organization that messages them)
        const user = await testUser();
        const orgId = await createOrganization(user);
        for (const round of rounds) {
          const known = (await allNotifications(user)).map((item) => item.id);
          await Promise.all(round.map((step) => run(user, orgId, known, step)));
          const count = await unreadCount(user);
          const unread = (await allNotifications(user)).filter((item) => !item.read).length;
          expect(count).toBeGreaterThanOrEqual(0);
          expect(count).toBe(unread);
          expect((await allNotifications(user, true)).length).toBe(unread);
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 240_000);
});
