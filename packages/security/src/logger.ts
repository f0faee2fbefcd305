/** Levels in increasing severity; SILENT writes nothing. */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

type Fields = Record<string, unknown>;

/** An Error as JSON: name, message, stack, and its cause, which JSON.stringify would drop. */
function errorFields(error: Error, depth = 0): Fields {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause instanceof Error && depth < 3 ? { cause: errorFields(error.cause, depth + 1) } : {}),
  };
}

const replacer = (_key: string, value: unknown) => (value instanceof Error ? errorFields(value) : value);

const levelOf = (name: string | undefined): LogLevel | undefined => {
  const upper = name?.toUpperCase();
  return upper && upper in LEVELS ? (upper as LogLevel) : undefined;
};

/**
 * A structured JSON logger: one line per entry, `{ level, message, timestamp, service, …keys,
 * …fields }`, DEBUG and INFO on stdout, WARN and ERROR on stderr (both reach CloudWatch). Errors
 * anywhere in the fields are written with their name, message, stack and cause. A few dozen lines
 * instead of a logging library, because every function loads it at cold start.
 */
export class Logger {
  readonly service: string;
  #level: LogLevel;
  #keys: Fields = {};

  constructor(service: string, level: string | undefined) {
    this.service = service;
    this.#level = levelOf(level) ?? 'INFO';
  }

  get level(): LogLevel {
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

  #write(level: Exclude<LogLevel, 'SILENT'>, message: string, fields: Fields | undefined): void {
    if (LEVELS[level] < LEVELS[this.#level]) return;
    const entry = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...this.#keys,
      ...fields,
    };
    const line = `${JSON.stringify(entry, replacer)}\n`;
    (LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout).write(line);
  }
}

/**
 * The logger of every Tenantry function. Service name from `SERVICE_NAME`, level from `LOG_LEVEL`
 * (DEBUG, INFO, WARN, ERROR, SILENT; default INFO). Never log a token, a key or a body.
 */
export const logger = new Logger(process.env.SERVICE_NAME ?? 'tenantry', process.env.LOG_LEVEL);
