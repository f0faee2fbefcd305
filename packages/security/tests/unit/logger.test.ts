import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { restoreEnv, stubEnv } from '@tenantry/local-platform/testing';
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
  restoreEnv();
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

describe('Logger with hostile values: it never throws and always writes one JSON line', () => {
  const entryOf = (fields: Record<string, unknown>) => {
    const out = capture();
    expect(() => new Logger('s', 'INFO').error('hostile', fields)).not.toThrow();
    expect(out.raw.stderr).toHaveLength(1);
    return out.stderr()[0]!;
  };

  it('writes a circular structure with the repeated reference marked', () => {
    const node: Record<string, unknown> = { name: 'node' };
    node.self = node;
    node.list = [node, { back: node }];
    expect(entryOf({ node }).node).toEqual({
      name: 'node',
      self: '[Circular]',
      list: ['[Circular]', { back: '[Circular]' }],
    });
  });

  it('writes the same object twice when it is shared, not circular', () => {
    const shared = { id: 1 };
    expect(entryOf({ a: shared, b: [shared, shared] })).toMatchObject({ a: { id: 1 }, b: [{ id: 1 }, { id: 1 }] });
  });

  it('writes a BigInt as its decimal digits', () => {
    expect(entryOf({ count: 12345678901234567890n, nested: { n: -1n } })).toMatchObject({
      count: '12345678901234567890',
      nested: { n: '-1' },
    });
  });

  it('writes a getter that throws, and a toJSON that throws, as unreadable', () => {
    const getter = Object.defineProperty({ fine: 1 }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    const toJSON = {
      toJSON() {
        throw new Error('no');
      },
    };
    expect(entryOf({ getter, toJSON })).toMatchObject({
      getter: { fine: 1, bad: '[Unreadable]' },
      toJSON: '[Unreadable]',
    });
  });

  it('writes an error whose properties throw, and a proxy whose every trap throws', () => {
    const error = new Error('boom');
    for (const name of ['stack', 'message', 'cause']) {
      Object.defineProperty(error, name, {
        get() {
          throw new Error('no');
        },
      });
    }
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap });
    const entry = entryOf({ error, proxy });
    expect(entry.error).toMatchObject({ name: 'Error', message: '[Unreadable]' });
    expect(entry.proxy).toBe('[Unreadable]');
  });

  it('cuts a huge string, saying how long it was, in a field, a key, an error and the message', () => {
    const huge = 'x'.repeat(1_000_000);
    const out = capture();
    new Logger('s', 'INFO').error(huge, { huge, error: new Error(huge), [huge]: 1 });
    const line = out.raw.stderr[0]!;
    expect(line.length).toBeLessThan(50_000);
    const entry = JSON.parse(line) as { huge: string; message: string; error: { message: string } };
    expect(entry.huge).toMatch(/^x{8192}… \(1000000 characters\)$/);
    expect(entry.message).toMatch(/^x{8192}… \(1000000 characters\)$/);
    expect(entry.error.message).toMatch(/^x{8192}… \(1000000 characters\)$/);
  });

  it('writes values JSON cannot hold: undefined dropped, symbols and functions named, non-finite numbers as text', () => {
    expect(
      entryOf({ u: undefined, s: Symbol('tag'), f: function named() {}, n: Number.NaN, i: -Infinity }),
    ).toMatchObject({ s: 'Symbol(tag)', f: '[Function named]', n: 'NaN', i: '-Infinity' });
  });

  it('stops at a depth, and writes appended keys that are hostile too', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 50; level++) deep = { deep };
    const out = capture();
    const logger = new Logger('s', 'INFO');
    logger.appendKeys({ big: 1n });
    logger.info('deep', { deep });
    const [entry] = out.stdout();
    expect(JSON.stringify(entry)).toContain('[Too deep]');
    expect(entry).toMatchObject({ big: '1' });
  });

  it('never throws when the stream itself throws', () => {
    jest.spyOn(process.stderr, 'write').mockImplementation(() => {
      throw new Error('EPIPE');
    });
    expect(() => new Logger('s', 'INFO').error('lost')).not.toThrow();
  });
});

describe('the logger of every function', () => {
  /** The module's `logger`, loaded afresh with SERVICE_NAME and LOG_LEVEL unset. */
  async function freshLogger() {
    stubEnv('SERVICE_NAME', undefined);
    stubEnv('LOG_LEVEL', undefined);
    jest.resetModules();
    return (await import('../../src/logger')).logger;
  }

  it('reads SERVICE_NAME and LOG_LEVEL through the configuration at its first entry, not when its module loads', async () => {
    const logger = await freshLogger();
    stubEnv('SERVICE_NAME', 'tenantry-late');
    stubEnv('LOG_LEVEL', 'WARN');
    const out = capture();

    logger.info('below the level');
    logger.warn('kept');

    expect(out.stdout()).toEqual([]);
    expect(out.stderr()).toEqual([expect.objectContaining({ message: 'kept', service: 'tenantry-late' })]);
  });

  it('never throws for a missing SERVICE_NAME: it writes as tenantry (the configuration check names the variable)', async () => {
    const logger = await freshLogger();
    const out = capture();

    expect(() => logger.error('misconfigured')).not.toThrow();
    expect(out.stderr()).toEqual([expect.objectContaining({ message: 'misconfigured', service: 'tenantry' })]);
  });
});
