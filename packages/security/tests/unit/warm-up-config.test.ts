// Inside a function, the first route built checks the environment contract at init: a missing
// variable is named in the container's first log lines, before any request.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';

afterEach(() => {
  jest.restoreAllMocks();
  restoreEnv();
});

/** The ERROR lines written while `run` and the microtasks it queued ran. */
async function errorsWhile(run: () => void): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    lines.push(JSON.parse(String(chunk)));
    return true;
  });
  run();
  await new Promise((resolve) => setImmediate(resolve));
  return lines;
}

describe('the configuration check at init', () => {
  it('names a missing variable in an ERROR line inside a function, without throwing', async () => {
    stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'tenantry-test-init');
    stubEnv('AUTH_CLIENT_ID', undefined);
    stubEnv('EVENT_BUS_NAME', undefined);
    jest.resetModules();
    const { scheduleWarmUp } = await import('../../src/warm-up');

    const errors = await errorsWhile(scheduleWarmUp);

    const misconfigured = errors.find((line) => line.message === 'the function is misconfigured');
    expect(JSON.stringify(misconfigured)).toContain('environment variable EVENT_BUS_NAME is not set');
  });

  it('checks nothing outside a function (a test that merely builds routes)', async () => {
    stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
    stubEnv('EVENT_BUS_NAME', undefined);
    jest.resetModules();
    const { scheduleWarmUp } = await import('../../src/warm-up');

    expect(await errorsWhile(scheduleWarmUp)).toEqual([]);
  });
});
