/** The typed HTTP client of the Tenantry API: openapi-fetch over the types generated from the OpenAPI document. */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi-types';

export type { components, operations as clientOperations, paths } from '../generated/openapi-types';

export type TenantryClient = Client<paths>;

export interface TenantryClientOptions {
  /** Base URL of the API, e.g. process.env.TENANTRY_BASE_URL. */
  baseUrl: string;
  /** A Cognito ID token: sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** An application API key: sent as `X-Api-Key`. */
  apiKey?: string;
  /** More headers for every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/**
 * Creates a typed client; paths, parameters, bodies and responses are checked against the contract.
 *
 * @example
 * const api = createTenantryClient({ baseUrl: process.env.TENANTRY_BASE_URL!, token });
 * const { data, error, response } = await api.POST('/organizations', { body: { name: 'Acme' } });
 * const { data: members } = await api.GET('/organizations/{orgId}/members', {
 *   params: { path: { orgId: data!.id }, query: { limit: 50 } },
 * });
 */
export function createTenantryClient(options: TenantryClientOptions): TenantryClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['X-Api-Key'] = options.apiKey;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
