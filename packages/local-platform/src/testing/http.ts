/**
 * The one HTTP client of every test: the typed client generated from the contract
 * (`createTenantryClient` of `@tenantry/models`, openapi-fetch), aimed at the ONE base URL of the
 * test platform, acting as a test user, an API key or nobody.
 *
 * - `api(caller)` — the typed client: paths, parameters, bodies and answers checked against
 *   `schemas/`. Use it for every request the contract describes.
 * - `call(caller, method, path, body?, headers?)` — the same client for requests the contract does
 *   NOT describe (malformed JSON, unknown fields, wrong content types, forged ids and cursors in a
 *   literal path): path and body are not type-checked, the answer is `{ status, body }`.
 *
 * serverless-offline answers a Lambda that crashed or timed out with HTTP 200 and an `errorMessage`
 * body (toolchain notes), and 502/504 when a function process is busy: that is
 * the local emulator under load (two cores shared with DynamoDB Local, cognito-local and other
 * test runs), never an answer of a service. Such a reply comes back as status 599 so no test
 * mistakes it for a success or a refusal; a GET is tried up to three times first.
 */
import { createTenantryClient, type TenantryClient } from '@tenantry/models/client';
import { baseUrl, type TestUser } from './index';

/** Who calls: a test user or an ID token (`Authorization: Bearer`), an API key (`X-Api-Key`), or nobody. */
export type Caller = TestUser | string | { token?: string; apiKey?: string } | undefined;

/** The status a platform hiccup is reported with (see above). */
export const PLATFORM_HICCUP = 599;

// biome-ignore lint/suspicious/noExplicitAny: the answer of an undescribed request is whatever came back
type Loose = any;

export interface Reply<T = Loose> {
  status: number;
  body: T;
}

async function isHiccup(response: Response): Promise<boolean> {
  if (response.status === 502 || response.status === 504) return true;
  if (response.status !== 200 || !response.headers.get('content-type')?.includes('json')) return false;
  const body = (await response.clone().json()) as unknown;
  return typeof body === 'object' && body !== null && 'errorMessage' in body;
}

/** fetch with the emulator's hiccups told apart from answers (and GETs retried). */
async function platformFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const attempts = request.method === 'GET' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(attempt < attempts ? request.clone() : request);
    if (!(await isHiccup(response))) return response;
    if (attempt >= attempts) {
      return new Response(await response.text(), {
        status: PLATFORM_HICCUP,
        headers: { 'content-type': response.headers.get('content-type') ?? 'text/plain' },
      });
    }
  }
}

/** The typed client of the contract, acting as `caller`, through the test platform's base URL. */
export function api(caller?: Caller, headers: Record<string, string> = {}): TenantryClient {
  const credentials = typeof caller === 'string' ? { token: caller } : caller;
  return createTenantryClient({
    baseUrl: baseUrl(),
    ...(credentials?.token ? { token: credentials.token } : {}),
    ...(credentials && 'apiKey' in credentials && credentials.apiKey ? { apiKey: credentials.apiKey } : {}),
    headers,
    fetch: platformFetch,
  });
}

/**
 * A request the contract does not describe, through the same client. A string body is sent as it
 * is (malformed JSON, another content type); anything else as JSON.
 */
export async function call<T = Loose>(
  caller: Caller,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const client = api(caller, headers);
  const { data, error, response } = await client.request(
    method.toLowerCase() as never,
    path as never,
    {
      ...(body !== undefined ? { body } : {}),
      bodySerializer: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
    } as never,
  );
  return { status: response.status, body: (response.ok ? data : error) as T };
}

/** The error code of a refusal (`{ error: { code } }`), if any. */
export const errorCode = (reply: Reply): string | undefined =>
  (reply.body as { error?: { code?: string } } | undefined)?.error?.code;
