// R7's child (perf/src/figures.ts): loads one function's deployed bundle in this fresh process and
// invokes its handler in process, one request at a time, as a warm Lambda container would; prints the
// heap used after a full GC once `few` requests are done and after `many`, and the resident size.
//   node --expose-gc heap-child.mjs <bundle.mjs> <event options JSON> <few> <many>
import { randomUUID } from 'node:crypto';

const [bundle, options, few, many] = process.argv.slice(2);
const { token, apiKey, pathParameters } = JSON.parse(options);
const { handler } = await import(bundle);

function event() {
  const requestId = randomUUID();
  const headers = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(apiKey ? { 'x-api-key': apiKey } : {}),
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    pathParameters,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'perf' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

const context = () => ({
  awsRequestId: randomUUID(),
  functionName: 'perf',
  getRemainingTimeInMillis: () => 10_000,
  callbackWaitsForEmptyEventLoop: false,
});

const statuses = {};
const heapAfterGc = async () => {
  // Let timers and sockets settle, then collect twice (weak references, finalizers).
  await new Promise((resolve) => setTimeout(resolve, 200));
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

let heapFew = 0;
for (let index = 1; index <= Number(many); index++) {
  const result = await handler(event(), context());
  statuses[result.statusCode] = (statuses[result.statusCode] ?? 0) + 1;
  if (index === Number(few)) heapFew = await heapAfterGc();
}
const heapMany = await heapAfterGc();
process.stdout.write(`${JSON.stringify({ heapFew, heapMany, rss: process.memoryUsage().rss, statuses })}\n`);
process.exit(0);
