// Locally every function of the service runs in one process (sls offline --useInProcess), and
// serverless-offline sets each function's own environment before each call: the work budget must
// follow the function being called, not the first one that ran.
import { afterEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
import { dependencies } from '../src/runtime';

afterEach(() => restoreEnv());

describe('the work budget of the process-wide dependencies', () => {
  it("is the calling function's NOTIFICATIONS_WORK_BUDGET_MS, read at each use", () => {
    stubEnv('NOTIFICATIONS_WORK_BUDGET_MS', '22000'); // read-all
    expect(dependencies().budgetMs).toBe(22_000);
    stubEnv('NOTIFICATIONS_WORK_BUDGET_MS', '90000'); // the broadcast consumer, same process
    expect(dependencies().budgetMs).toBe(90_000);
  });
});
