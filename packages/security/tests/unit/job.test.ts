// job(): the wrapper of every function no HTTP route calls (relays, bus consumers, schedules).
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConfigurationError } from '@tenantry/config';
import { restoreEnv, stubEnv, stubStageEnv } from '@tenantry/local-platform/testing';
import { job } from '../../src/job';
import { lambdaContext } from '../../src/testing';

let lines: Record<string, unknown>[];
beforeEach(() => {
  stubStageEnv();
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line));
        } catch {
          // not a log line of ours
        }
      }
      return true;
    });
  }
});
afterEach(() => {
  jest.restoreAllMocks();
  restoreEnv();
});

describe('job()', () => {
  it('runs the function with its event and answers its result', async () => {
    const handler = job('double', async (event: { n: number }) => event.n * 2);

    await expect(handler({ n: 21 }, lambdaContext('req-1'))).resolves.toBe(42);
  });

  it('logs a failure at ERROR with the job and the request, then throws it again (the source retries)', async () => {
    const failure = new Error('bus refused');
    const handler = job('relayOutbox', async () => {
      throw failure;
    });

    await expect(handler({}, lambdaContext('req-2'))).rejects.toBe(failure);

    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'relayOutbox failed',
        job: 'relayOutbox',
        requestId: 'req-2',
        error: expect.objectContaining({ message: 'bus refused' }),
      }),
    );
  });

  it('gives every log line of the invocation its job and request, and none after it', async () => {
    const { logger } = await import('../../src/logger');
    const handler = job('purgeOrganizations', async () => logger.info('purge finished', { purged: 0 }));

    await handler({}, lambdaContext('req-3'));
    logger.info('outside');

    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'purge finished', job: 'purgeOrganizations', requestId: 'req-3' }),
    );
    expect(lines.find((line) => line.message === 'outside')).not.toHaveProperty('job');
  });

  it('fails its first invocation on a missing variable, naming it, before running anything', async () => {
    stubEnv('EVENT_BUS_NAME', undefined);
    const run = jest.fn(async () => 'ran');
    const handler = job('notifyRecipients', run);

    const outcome = handler({}, lambdaContext('req-4'));

    await expect(outcome).rejects.toBeInstanceOf(ConfigurationError);
    await expect(handler({}, lambdaContext('req-5'))).rejects.toThrow('environment variable EVENT_BUS_NAME is not set');
    expect(run).not.toHaveBeenCalled();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', job: 'notifyRecipients', requestId: 'req-4' }),
    );
  });

  it('names a malformed variable too', async () => {
    stubEnv('RATE_LIMIT_SCALE', 'lots');
    const handler = job('continueBroadcast', async () => 'ran');

    await expect(handler({})).rejects.toThrow('environment variable RATE_LIMIT_SCALE is malformed');
  });

  it('checks the environment once: later invocations run without reading it again', async () => {
    const handler = job('recordAuditEvent', async () => 'ran');
    await handler({});

    stubEnv('EVENT_BUS_NAME', undefined);

    await expect(handler({})).resolves.toBe('ran');
  });
});
