// Zero-downtime rotation, proven (contract §5): a client calls GET /applications/me continuously, with no
// pause, while an operator rotates, switches the client to the new key, promotes with a short grace
// and waits for the grace to end. Not one request of the client fails; a straggler still holding
// the old key succeeds until the grace ends and fails from its first request that starts after it.
//
// No timing is asserted: the check is on the order of events (each request's start and end against
// the grace's end, which the server reports), on one machine and one clock.
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { appPath, call, createApplication, createOrganization, type Reply, type TestUser, testUser } from './support';

// Many calls per test through a local platform that shares two cores with other runs.
jest.setTimeout(120_000);

interface Sample {
  key: 'old' | 'new';
  startedAt: number;
  endedAt: number;
  status: number;
  slot?: string;
}

const GRACE_SECONDS = 3;

let owner: TestUser;
beforeAll(async () => {
  owner = await testUser();
}, 30_000);

/** Calls GET /applications/me back to back until `stop()` says so, recording every answer. */
function client(keyOf: () => { key: string; label: Sample['key'] }, stop: (samples: Sample[]) => boolean) {
  const samples: Sample[] = [];
  const done = (async () => {
    while (!stop(samples)) {
      const { key, label } = keyOf();
      const startedAt = Date.now();
      const reply: Reply = await call('GET', '/applications/me', { apiKey: key });
      samples.push({ key: label, startedAt, endedAt: Date.now(), status: reply.status, slot: reply.body?.keySlot });
    }
    return samples;
  })();
  return done;
}

describe('rotate → switch → promote → grace ends, under continuous traffic', () => {
  it('fails no request of the client, and the old key fails from the first request after the grace', async () => {
    const orgId = await createOrganization(owner);
    const { app, apiKey: oldKey } = await createApplication(orgId, owner, 'Always on');
    let current = { key: oldKey, label: 'old' as Sample['key'] };
    let graceEndsAt = Number.POSITIVE_INFINITY;
    let operatorDone = false;

    // The application: one key at a time, switched by the operator; runs until the operator is done.
    const application = client(
      () => current,
      () => operatorDone,
    );
    // A straggler that never switches: runs until it has seen the old key refused after the grace.
    const straggler = client(
      () => ({ key: oldKey, label: 'old' }),
      (samples) => samples.some((sample) => sample.startedAt > graceEndsAt && sample.status === 401),
    );

    // The operator, while both clients call without pause.
    const rotated = await call('POST', appPath(orgId, app.id, '/api-keys/rotate'), { user: owner });
    expect(rotated.status).toBe(200);
    current = { key: rotated.body.apiKeyNext as string, label: 'new' };
    const promoted = await call(
      'POST',
      appPath(orgId, app.id, '/api-keys/promote'),
      { user: owner },
      { graceSeconds: GRACE_SECONDS },
    );
    expect(promoted.status).toBe(200);
    graceEndsAt = Date.parse(promoted.body.keys.previous.expiresAt);
    // The clients call on until the grace has ended: a grace is wall-clock time, so this wait is
    // timed on purpose.
    await delay(Math.max(0, graceEndsAt + 500 - Date.now()));
    operatorDone = true;

    const appSamples = await application;
    const oldSamples = await straggler;

    // The application's window: every request succeeded, through both keys.
    expect(appSamples.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(appSamples.some((sample) => sample.key === 'old')).toBe(true);
    expect(appSamples.some((sample) => sample.key === 'new' && sample.endedAt > graceEndsAt)).toBe(true);

    // The old key: every request that ended before the grace ended succeeded (current, then
    // previous); every request that started after it failed with 401.
    const beforeEnd = oldSamples.filter((sample) => sample.endedAt < graceEndsAt);
    const afterEnd = oldSamples.filter((sample) => sample.startedAt > graceEndsAt);
    expect(beforeEnd.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(beforeEnd.some((sample) => sample.slot === 'previous')).toBe(true);
    expect(afterEnd.length).toBeGreaterThan(0);
    expect(afterEnd.filter((sample) => sample.status !== 401)).toEqual([]);
  });
});
