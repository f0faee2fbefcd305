/** Every port one running platform uses. `npm start` uses offset 0; tests use their own offsets. */
export interface PlatformPorts {
  gateway: number;
  eventBus: number;
  dynamodb: number;
  cognito: number;
  /** serverless-offline ports of the n-th service (services sorted by name). */
  service(index: number): { http: number; lambda: number };
}

/**
 * Port layouts test runs may use, tried in order. They overlap neither each other nor offset 0, and
 * stay below 32768: above it, Linux hands ports out to outgoing connections (ip_local_port_range).
 */
export const TEST_PORT_OFFSETS = [10000, 11000, 12000, 13000, 14000];

export function platformPorts(offset = 0): PlatformPorts {
  return {
    gateway: 3000 + offset,
    eventBus: 3200 + offset,
    dynamodb: 8000 + offset,
    cognito: 9229 + offset,
    service: (index) => ({ http: 3001 + index + offset, lambda: 3101 + index + offset }),
  };
}
