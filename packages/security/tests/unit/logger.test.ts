import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '../../src/logger';

/** What the logger writes to each stream, one parsed entry per line. */
function capture() {
  const written = { stdout: [] as string[], stderr: [] as string[] };
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.stdout.push(String(chunk)) > 0);
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.stderr.push(String(chunk)) > 0);
  const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stdout: () => parsed(written.stdout), stderr: () => parsed(written.stderr), raw: written };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Logger', () => {
  it('writes one JSON line per entry: level, message, timestamp, service, the appended keys and the fields', () => {
    const out = capture();
    const logger = new Logger('tenantry-organizations', 'INFO');
    logger.appendKeys({ requestId: 'r-1' });
    logger.info('request refused', { code: 'FORBIDDEN' });

    expect(out.raw.stdout).toHaveLength(1);
    expect(out.raw.stdout[0]).toMatch(/^\{.*\}\n$/);
    const [entry] = out.stdout();
    expect(entry).toEqual({
      level: 'INFO',
      message: 'request refused',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'tenantry-organizations',
      requestId: 'r-1',
      code: 'FORBIDDEN',
    });
  });

  it('writes DEBUG and INFO to stdout, WARN and ERROR to stderr', () => {
    const out = capture();
    const logger = new Logger('s', 'DEBUG');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(out.stdout().map((entry) => entry.level)).toEqual(['DEBUG', 'INFO']);
    expect(out.stderr().map((entry) => entry.level)).toEqual(['WARN', 'ERROR']);
  });

  it('writes nothing below its level, and nothing at all when SILENT', () => {
    const out = capture();
    const logger = new Logger('s', 'warn');
    expect(logger.level).toBe('WARN');
    logger.info('hidden');
    logger.warn('shown');
    logger.setLogLevel('SILENT');
    logger.error('hidden too');
    expect(out.stdout()).toEqual([]);
    expect(out.stderr().map((entry) => entry.message)).toEqual(['shown']);
  });

  it('takes INFO for a missing or unknown level', () => {
    expect(new Logger('s', undefined).level).toBe('INFO');
    expect(new Logger('s', 'LOUD').level).toBe('INFO');
  });

  it('writes an error with its name, message, stack and cause, wherever it is in the fields', () => {
    const out = capture();
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    new Logger('s', 'INFO').error('request failed', { error: new Error('boom', { cause }), nested: { error: cause } });
    const [entry] = out.stderr();
    expect(entry).toMatchObject({
      error: {
        name: 'Error',
        message: 'boom',
        stack: expect.stringContaining('boom'),
        cause: { name: 'TimeoutError', message: 'connect ECONNREFUSED' },
      },
      nested: { error: { name: 'TimeoutError', message: 'connect ECONNREFUSED' } },
    });
  });

  it('forgets the appended keys on resetKeys, and fields win over keys of the same name', () => {
    const out = capture();
    const logger = new Logger('s', 'INFO');
    logger.appendKeys({ requestId: 'r-1', operation: 'getOrganization' });
    logger.info('one', { operation: 'override' });
    logger.resetKeys();
    logger.info('two');
    const [one, two] = out.stdout();
    expect(one).toMatchObject({ requestId: 'r-1', operation: 'override' });
    expect(two).not.toHaveProperty('requestId');
  });
});
