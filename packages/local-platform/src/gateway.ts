import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as forward,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type CorsPolicy, corsHeaders, isPreflight, withoutCorsHeaders } from './cors';
import type { Route } from './services';

/** A route a service declared, and the serverless-offline port that serves it. */
export interface GatewayRoute extends Route {
  service: string;
  port: number;
}

interface CompiledRoute extends GatewayRoute {
  segments: string[];
  /** Literal segments count: a more literal template wins over one with more parameters. */
  specificity: number;
}

/** Finds the route of a request as API Gateway does: literal segments beat `{param}`, `{proxy+}` comes last. */
export function routeMatcher(routes: GatewayRoute[]): (method: string, path: string) => GatewayRoute | undefined {
  const compiled: CompiledRoute[] = routes
    .map((route) => {
      const segments = route.path.split('/').filter(Boolean);
      return { ...route, segments, specificity: segments.filter((segment) => !segment.startsWith('{')).length };
    })
    .sort((a, b) => b.specificity - a.specificity || b.segments.length - a.segments.length);
  return (method, path) => {
    const parts = path.split('/').filter(Boolean);
    return compiled.find(
      (route) =>
        (route.method === method || route.method === '*' || route.method === 'ANY') &&
        segmentsMatch(route.segments, parts),
    );
  };
}

function segmentsMatch(template: string[], parts: string[]): boolean {
  for (let index = 0; index < template.length; index++) {
    const segment = template[index]!;
    if (segment.endsWith('+}')) return parts.length > index;
    const part = parts[index];
    if (part === undefined) return false;
    if (!segment.startsWith('{') && segment !== part) return false;
  }
  return template.length === parts.length;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** An answer of the gateway itself, in the error envelope of contract §8. */
function sendError(
  response: ServerResponse,
  status: number,
  error: { code: string; message: string },
  headers: OutgoingHttpHeaders,
): void {
  sendJson(response, status, { error: { ...error, requestId: randomUUID() } }, headers);
}

/** The request's URL, or undefined when it is not one or its path is not valid percent-encoded UTF-8. */
function parseUrl(target: string | undefined, baseUrl: string): URL | undefined {
  try {
    const url = new URL(target ?? '/', baseUrl);
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    return undefined;
  }
}

/**
 * The one base URL, as the deployed HTTP API: sends each request to the service whose serverless.yml
 * declares its route, answers CORS preflights and adds the CORS headers of `cors` (infra/platform.yml)
 * to every response, and answers `GET /health` with the health of every service.
 */
export async function startGateway(options: {
  port: number;
  routes: GatewayRoute[];
  healthRoutes: Array<{ service: string; path: string }>;
  cors: CorsPolicy;
  /** Resolves when a service can take requests (at once unless it is restarting). */
  ready?: (service: string) => Promise<void>;
}): Promise<Server> {
  const match = routeMatcher(options.routes);
  const baseUrl = `http://127.0.0.1:${options.port}`;

  const health = async (response: ServerResponse, headers: OutgoingHttpHeaders) => {
    const services = Object.fromEntries(
      await Promise.all(
        options.healthRoutes.map(async ({ service, path }) => {
          const status = await fetch(`${baseUrl}${path}`)
            .then((reply) => (reply.ok ? 'ok' : `error ${reply.status}`))
            .catch(() => 'unreachable');
          return [service, { status }] as const;
        }),
      ),
    );
    const ok = Object.values(services).every((service) => service.status === 'ok');
    sendJson(response, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', services }, headers);
  };

  // No keep-alive to the services (Node's global agent keeps sockets alive): serverless-offline
  // closes idle sockets, and a request written to one it just closed fails with ECONNRESET — under
  // a burst, a 503 for a request the service never saw. A new loopback connection costs ~0.1 ms.
  const upstreamAgent = new Agent({ keepAlive: false });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const cors = corsHeaders(options.cors, method, request.headers);
    // API Gateway answers preflights itself, for any path; an allowed origin gets the CORS headers.
    if (isPreflight(method, request.headers)) {
      response.writeHead(204, cors);
      return void response.end();
    }
    const url = parseUrl(request.url, baseUrl);
    if (!url) {
      const message = 'The request path is not valid percent-encoded UTF-8.';
      return sendError(response, 400, { code: 'VALIDATION_FAILED', message }, cors);
    }
    if (method === 'GET' && url.pathname === '/health') return void health(response, cors);
    const route = match(method, url.pathname);
    if (!route) {
      return sendError(response, 404, { code: 'NOT_FOUND', message: 'No route matches this method and path.' }, cors);
    }
    // A service that restarts after a code change (npm start) gets the request once it is back.
    void (options.ready?.(route.service) ?? Promise.resolve()).then(() => {
      const upstream = forward(
        {
          host: '127.0.0.1',
          port: route.port,
          method,
          path: request.url,
          headers: request.headers,
          agent: upstreamAgent,
        },
        (reply) => {
          // Only the gateway decides on CORS: serverless-offline reflects any Origin, with credentials.
          const headers = withoutCorsHeaders(reply.headers);
          const vary = [headers.vary, cors.vary].filter(Boolean).join(', ');
          response.writeHead(reply.statusCode ?? 502, { ...headers, ...cors, ...(vary ? { vary } : {}) });
          reply.pipe(response);
        },
      );
      // As the deployed HTTP API answers for a throttled function: busy, try again (contract §8), never
      // a 5xx that reads as our bug. A reply that broke off midway can only be cut.
      upstream.on('error', () => {
        if (response.headersSent) return void response.destroy();
        const message = `The ${route.service} service is not reachable; retry shortly.`;
        sendError(response, 503, { code: 'SERVICE_UNAVAILABLE', message }, { ...cors, 'retry-after': '1' });
      });
      request.pipe(upstream);
    });
  });
  // Clients close idle keep-alive sockets first (undici after 4 s): the gateway closing one at the
  // moment a client reuses it would cut that request off ("other side closed").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return server;
}
