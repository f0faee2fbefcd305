// Revocation on the next request (OWASP API2/API5): a removed member, a suspended organization, a
// permission taken out of a custom role, a scope taken off an application, a deleted application, a
// revoked key, a withdrawn next key, a previous key whose grace ended and a key past its expiresAt are
// each refused on the very next request. The test platform runs without the
// organization-context cache (`ORG_CONTEXT_CACHE_TTL_SECONDS` unset: layer 2 reads DynamoDB strongly
// consistent on every request) and API keys are read the same way, so "next request" means the very
// next one, with no TTL to wait out. A grace is the `graceSeconds` of the promote request (contract §5;
// nothing of the test platform configures it): 2 s here.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  type Answer,
  arrange,
  changePlan,
  createApplication,
  createOrganization,
  createRole,
  join,
  recordPart,
  rotate,
  send,
  type TestUser,
  testUser,
} from './support';

jest.setTimeout(120_000);

let owner: TestUser;
let platformOwner: TestUser;
let ran = 0;
let failed = 0;

beforeAll(async () => {
  [owner, platformOwner] = await Promise.all([testUser(), testUser({ group: 'OWNER' })]);
}, 60_000);

afterAll(() => recordPart('revocation', ran, failed));

/** The answer, with an emulator hiccup (never an answer of a service) sent again. */
async function request(
  caller: Parameters<typeof send>[0],
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  let answer = await send(caller, method, path, body);
  for (let attempt = 1; attempt < 4 && [502, 504, 599].includes(answer.status); attempt++) {
    answer = await send(caller, method, path, body);
  }
  return answer;
}

/** The access works before the change, and the very next request after it is refused with `refused`. */
async function expectRefusedNext(
  name: string,
  attempt: () => Promise<Answer>,
  change: () => Promise<unknown>,
  refused: { status: number; code: string },
): Promise<Answer> {
  const before = await attempt();
  await change();
  const after = await attempt();
  ran++;
  const outcome = { name, before: before.status < 300, after: [after.status, after.body?.error?.code] };
  const expected = { name, before: true, after: [refused.status, refused.code] };
  if (JSON.stringify(outcome) !== JSON.stringify(expected)) failed++;
  expect(outcome).toEqual(expected);
  return before;
}

const me = (apiKey: string) => () => request({ apiKey }, 'GET', '/applications/me');

describe('refused on the very next request', () => {
  it('a removed member: 404 on the organization they could read a moment ago', async () => {
    const org = await createOrganization(owner);
    const member = await testUser();
    await join(owner, org.id, member, 'MEMBER');
    await expectRefusedNext(
      'removed member',
      () => request(member, 'GET', `/organizations/${org.id}/members`),
      () => arrange(owner, 'DELETE', `/organizations/${org.id}/members/${member.userId}`, undefined, 204),
      { status: 404, code: 'NOT_FOUND' },
    );
  });

  it('a suspended organization: a write that just worked answers 403 ORGANIZATION_SUSPENDED', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    const admin = await testUser();
    await join(owner, org.id, admin, 'ADMIN');
    await expectRefusedNext(
      'suspended organization, a write',
      () => request(admin, 'PATCH', `/organizations/${org.id}/applications/${app.id}`, { description: randomUUID() }),
      () => arrange(platformOwner, 'POST', `/organizations/${org.id}/suspend`, undefined, 200),
      { status: 403, code: 'ORGANIZATION_SUSPENDED' },
    );
  });

  it('a suspended organization: a key that just worked answers 401', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    await expectRefusedNext(
      'suspended organization, its key',
      me(app.apiKey),
      () => arrange(platformOwner, 'POST', `/organizations/${org.id}/suspend`, undefined, 200),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
  });

  it('a permission taken out of a custom role: its holder is refused 403 on the next request', async () => {
    const org = await createOrganization(owner);
    await changePlan(platformOwner, org.id, 'PRO');
    await createRole(owner, org.id, {
      key: 'auditor',
      baseRole: 'VIEWER',
      permissions: ['audit:read', 'members:read'],
    });
    const auditor = await testUser();
    await join(owner, org.id, auditor, 'auditor');
    await expectRefusedNext(
      'custom role without the permission',
      () => request(auditor, 'GET', `/organizations/${org.id}/audit-log`),
      () => arrange(owner, 'PATCH', `/organizations/${org.id}/roles/auditor`, { permissions: ['members:read'] }, 200),
      { status: 403, code: 'FORBIDDEN' },
    );
    // Still a member: the permission it kept answers, its organization is no 404 to it.
    expect((await request(auditor, 'GET', `/organizations/${org.id}/members`)).status).toBe(200);
  });

  it('a scope taken off an application: its key is refused 403 on the next request', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id, ['applications:self', 'notifications:send']);
    await expectRefusedNext(
      'key without the scope',
      me(app.apiKey),
      () =>
        arrange(
          owner,
          'PATCH',
          `/organizations/${org.id}/applications/${app.id}`,
          { scopes: ['notifications:send'] },
          200,
        ),
      { status: 403, code: 'FORBIDDEN' },
    );
  });

  it('a key past its expiresAt answers 401 from the first request after it', async () => {
    const org = await createOrganization(owner);
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    const created = await arrange(
      owner,
      'POST',
      `/organizations/${org.id}/applications`,
      { name: 'Expiring', expiresAt },
      201,
    );
    const expiry = Date.parse(created.body.application.expiresAt);
    await expectRefusedNext(
      'key past its expiry',
      me(created.body.apiKey),
      // The expiry the server stored, on the same clock: wall-clock time, so this wait is timed on purpose.
      () => delay(Math.max(0, expiry + 100 - Date.now())),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
  });

  it('a deleted application: its key answers 401', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    await expectRefusedNext(
      'deleted application',
      me(app.apiKey),
      () => arrange(owner, 'DELETE', `/organizations/${org.id}/applications/${app.id}`, undefined, 204),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
  });

  it('a revoked key answers 401', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    await expectRefusedNext(
      'revoked key',
      me(app.apiKey),
      () => arrange(owner, 'POST', `/organizations/${org.id}/applications/${app.id}/api-keys/revoke`, undefined, 200),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
  });

  it('a withdrawn next key answers 401', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    const rotated = await arrange(
      owner,
      'POST',
      `/organizations/${org.id}/applications/${app.id}/api-keys/rotate`,
      undefined,
      200,
    );
    const next = rotated.body.apiKeyNext as string;
    await expectRefusedNext(
      'withdrawn next key',
      me(next),
      () => arrange(owner, 'DELETE', `/organizations/${org.id}/applications/${app.id}/api-keys/next`, undefined, 200),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
  });

  it('a previous key answers 401 from the first request after its grace ended', async () => {
    const org = await createOrganization(owner);
    const app = await createApplication(owner, org.id);
    await rotate(owner, org.id, app.id);
    const promoted = await arrange(
      owner,
      'POST',
      `/organizations/${org.id}/applications/${app.id}/api-keys/promote`,
      { graceSeconds: 2 },
      200,
    );
    const graceEndsAt = Date.parse(promoted.body.keys.previous.expiresAt);
    const before = await expectRefusedNext(
      'previous key past its grace',
      me(app.apiKey),
      // The end of the grace the server reported, on the same clock: a grace is wall-clock time, so
      // this wait is timed on purpose.
      () => delay(Math.max(0, graceEndsAt + 100 - Date.now())),
      { status: 401, code: 'UNAUTHENTICATED' },
    );
    expect(before.body.keySlot).toBe('previous');
  });
});
