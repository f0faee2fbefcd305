import { config } from '@tenantry/config';

/** Levels in increasing severity; SILENT writes nothing. */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

type Fields = Record<string, unknown>;

/** Longest string written as it is; a longer one is cut there, saying how long it was. */
export const MAX_LOGGED_STRING = 8 * 1024;
/** Deepest nesting written; deeper values read `[Too deep]`. */
const MAX_DEPTH = 10;
/** Most items or keys written of one array or object. */
const MAX_ENTRIES = 100;

const cut = (text: string) =>
  text.length <= MAX_LOGGED_STRING ? text : `${text.slice(0, MAX_LOGGED_STRING)}… (${text.length} characters)`;

/**
 * Any value as plain JSON data, never throwing: circular references read `[Circular]`, a BigInt its
 * digits, a getter or `toJSON` that throws `[Unreadable]`, long strings are cut, an Error is its
 * name, message, stack and cause (which JSON.stringify would drop).
 */
function loggable(value: unknown, ancestors: object[] = []): unknown {
  try {
    switch (typeof value) {
      case 'string':
        return cut(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'bigint':
      case 'symbol':
        return cut(value.toString());
      case 'function':
        return `[Function ${cut(value.name || 'anonymous')}]`;
      case 'object':
        break;
      default:
        return value; // boolean, undefined (dropped from objects)
    }
    if (value === null) return null;
    if (ancestors.includes(value)) return '[Circular]';
    if (ancestors.length >= MAX_DEPTH) return '[Too deep]';
    const inside = [...ancestors, value];
    if (value instanceof Error) return errorFields(value, inside);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return loggable((value as { toJSON: () => unknown }).toJSON(), inside);
    }
    if (Array.isArray(value)) return value.slice(0, MAX_ENTRIES).map((item) => loggable(item, inside));
    const out: Fields = {};
    for (const key of Object.keys(value).slice(0, MAX_ENTRIES)) {
      out[cut(key)] = readable(() => (value as Fields)[key], inside);
    }
    return out;
  } catch {
    return '[Unreadable]';
  }
}

/** One property of a value, `[Unreadable]` if reading it throws. */
function readable(read: () => unknown, ancestors: object[]): unknown {
  try {
    return loggable(read(), ancestors);
  } catch {
    return '[Unreadable]';
  }
}

function errorFields(error: Error, ancestors: object[]): Fields {
  const fields: Fields = {
    name: readable(() => error.name, ancestors),
    message: readable(() => error.message, ancestors),
    stack: readable(() => error.stack, ancestors),
  };
  const cause = readable(() => error.cause, ancestors);
  if (cause !== undefined) fields.cause = cause;
  return fields;
}

/** `read()`, or `fallback` if it throws. */
function orElse<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

const levelOf = (name: string | undefined): LogLevel | undefined => {
  const upper = name?.toUpperCase();
  return upper && upper in LEVELS ? (upper as LogLevel) : undefined;
};

/**
 * A structured JSON logger: one line per entry, `{ level, message, timestamp, service, …keys,
 * …fields }`, DEBUG and INFO on stdout, WARN and ERROR on stderr (both reach CloudWatch). Errors
 * anywhere in the fields are written with their name, message, stack and cause. It never throws,
 * whatever it is given (see {@link loggable}). A hundred lines instead of a logging library, because
 * every function loads it at cold start.
 */
export class Logger {
  readonly #readService: () => string;
  readonly #readLevel: () => string | undefined;
  #service: string | undefined;
  #level: LogLevel | undefined;
  #keys: Fields = {};

  /** `service` and `level` may be read lazily: a function is called once, at the first entry. */
  constructor(service: string | (() => string), level: string | undefined | (() => string | undefined)) {
    this.#readService = typeof service === 'function' ? service : () => service;
    this.#readLevel = typeof level === 'function' ? level : () => level;
  }

  get service(): string {
    // The logger must never throw: a service name that cannot be read (SERVICE_NAME missing) is
    // 'tenantry' here, and only here; the configuration check of route() and job() names the variable.
    this.#service ??= orElse(this.#readService, 'tenantry');
    return this.#service;
  }

  get level(): LogLevel {
    this.#level ??= levelOf(orElse(this.#readLevel, undefined)) ?? 'INFO';
    return this.#level;
  }

  setLogLevel(level: LogLevel): void {
    this.#level = level;
  }

  /** Keys added to every later entry, until `resetKeys` (the stack sets the request's at its start). */
  appendKeys(keys: Fields): void {
    Object.assign(this.#keys, keys);
  }

  resetKeys(): void {
    this.#keys = {};
  }

  debug(message: string, fields?: Fields): void {
    this.#write('DEBUG', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.#write('INFO', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.#write('WARN', message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.#write('ERROR', message, fields);
  }

  /** Never throws: logging must not turn an answer into a crash, whatever it is given. */
  #write(level: Exclude<LogLevel, 'SILENT'>, message: string, fields: Fields | undefined): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const head = { level, message: loggable(message), timestamp: new Date().toISOString(), service: this.service };
    let line: string;
    try {
      line = JSON.stringify({ ...head, ...(loggable(this.#keys) as Fields), ...(loggable(fields ?? {}) as Fields) });
    } catch {
      line = JSON.stringify({ ...head, logError: 'the fields of this entry could not be written' });
    }
    try {
      (LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout).write(`${line}\n`);
    } catch {
      // A closed stream: nothing else can be told.
    }
  }
}

/**
 * The logger of every Tenantry function. Service name from `SERVICE_NAME`, level from `LOG_LEVEL`
 * (DEBUG, INFO, WARN, ERROR, SILENT; default INFO), both read through `@tenantry/config` at the first
 * entry, not at module load. Never log a token, a key or a body.
 */
export const logger = new Logger(
  () => config.SERVICE_NAME,
  () => config.LOG_LEVEL,
);
